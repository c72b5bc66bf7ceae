package stats

import (
	"math"
	"testing"
)

// close reports whether got is within rel relative error of want (or
// within rel absolutely when want is 0).
func closeTo(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) <= rel
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// Published quantiles (the three of the brief, and values of
// scipy.stats.t.ppf 1.10 printed to 16 digits, an independent
// implementation).
func TestTQuantileKnown(t *testing.T) {
	for _, c := range []struct{ p, df, want, tol float64 }{
		{0.975, 2, 4.302653, 1e-6},
		{0.975, 4, 2.776445, 1e-6},
		{0.975, 29, 2.045230, 1e-6},
		{0.975, 1, 12.70620474, 1e-8},
		{0.975, 100, 1.98397152, 1e-8},
		{0.975, 2.5, 3.57465484, 1e-8},
		{0.995, 3, 5.840909, 1e-6}, // printed tables; see the closed form for df = 3 below
		{0.9999999, 5, 39.341819621052636, 1e-9},
	} {
		got, err := TQuantile(c.p, c.df)
		if err != nil || !closeTo(got, c.want, c.tol) {
			t.Errorf("TQuantile(%v, %v) = %v, %v; want %v", c.p, c.df, got, err, c.want)
		}
		neg, _ := TQuantile(1-c.p, c.df)
		if !closeTo(neg, -got, 1e-9) {
			t.Errorf("TQuantile(%v, %v) = %v, want %v by symmetry", 1-c.p, c.df, neg, -got)
		}
	}
}

// With 1 and 2 degrees of freedom the t distribution has closed forms:
// df = 1 is the Cauchy distribution, F(t) = ½ + atan(t)/π, so
// t_p = tan(π(p − ½)); df = 2 has F(t) = ½ + t/(2·sqrt(2 + t²)), so
// t_p = (2p − 1)/sqrt(2p(1 − p)); df = 3 has
// F(t) = ½ + (t/(√3(1 + t²/3)) + atan(t/√3))/π.
func TestTClosedForms(t *testing.T) {
	cdf3 := func(x float64) float64 {
		return 0.5 + (x/(math.Sqrt(3)*(1+x*x/3))+math.Atan(x/math.Sqrt(3)))/math.Pi
	}
	for _, p := range []float64{0.001, 0.05, 0.3, 0.5, 0.6, 0.9, 0.975, 0.999, 0.999999} {
		q1, _ := TQuantile(p, 1)
		if want := math.Tan(math.Pi * (p - 0.5)); !closeTo(q1, want, 1e-10) {
			t.Errorf("t quantile p=%v df=1: %v, want %v", p, q1, want)
		}
		if q3, _ := TQuantile(p, 3); !closeTo(cdf3(q3), p, 1e-12) {
			t.Errorf("t quantile p=%v df=3: %v has closed-form CDF %v", p, q3, cdf3(q3))
		}
		q2, _ := TQuantile(p, 2)
		if want := (2*p - 1) / math.Sqrt(2*p*(1-p)); !closeTo(q2, want, 1e-10) {
			t.Errorf("t quantile p=%v df=2: %v, want %v", p, q2, want)
		}
	}
	for _, x := range []float64{-30, -2, -0.5, 0, 0.1, 1, 3.4641016151377544, 50} {
		if got, want := TCDF(x, 1), 0.5+math.Atan(x)/math.Pi; !closeTo(got, want, 1e-12) {
			t.Errorf("TCDF(%v, 1) = %v, want %v", x, got, want)
		}
		if got, want := TCDF(x, 2), 0.5+x/(2*math.Sqrt(2+x*x)); !closeTo(got, want, 1e-12) {
			t.Errorf("TCDF(%v, 2) = %v, want %v", x, got, want)
		}
		if got, want := TCDF(x, 3), cdf3(x); !closeTo(got, want, 1e-12) {
			t.Errorf("TCDF(%v, 3) = %v, want %v", x, got, want)
		}
	}
	// scipy.stats.t.cdf(-1.5, 7)
	if got := TCDF(-1.5, 7); !closeTo(got, 0.08864924349498501, 1e-12) {
		t.Errorf("TCDF(-1.5, 7) = %v", got)
	}
}

// The quantile inverts the distribution function.
func TestTQuantileRoundTrip(t *testing.T) {
	for _, df := range []float64{1, 2, 3, 7.5, 30, 1000} {
		for _, p := range []float64{1e-6, 0.01, 0.25, 0.5, 0.8, 0.95, 0.999} {
			q, err := TQuantile(p, df)
			if err != nil {
				t.Fatal(err)
			}
			if got := TCDF(q, df); !closeTo(got, p, 1e-10) {
				t.Errorf("TCDF(TQuantile(%v, %v)) = %v", p, df, got)
			}
		}
	}
}

func TestTQuantileErrors(t *testing.T) {
	for _, c := range []struct{ p, df float64 }{{0.5, 0}, {0.5, -1}, {-0.1, 3}, {1.1, 3}, {math.NaN(), 3}} {
		if _, err := TQuantile(c.p, c.df); err == nil {
			t.Errorf("TQuantile(%v, %v): no error", c.p, c.df)
		}
	}
	if q, _ := TQuantile(1, 3); !math.IsInf(q, 1) {
		t.Errorf("TQuantile(1, 3) = %v, want +Inf", q)
	}
}

// simpson integrates f over [a, b] with n (even) intervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

// The incomplete beta function against closed forms (I_x(1,1) = x,
// I_x(a,1) = x^a, I_x(1,b) = 1 − (1−x)^b), scipy.stats.beta.cdf values, and
// a direct numerical integration of t^(a−1)(1−t)^(b−1) normalized by the
// integral over [0, 1].
func TestRegIncBeta(t *testing.T) {
	for _, x := range []float64{0, 0.01, 0.2, 0.5, 0.77, 0.999, 1} {
		if got := RegIncBeta(x, 1, 1); !closeTo(got, x, 1e-13) {
			t.Errorf("I_%v(1,1) = %v", x, got)
		}
		if got, want := RegIncBeta(x, 3.5, 1), math.Pow(x, 3.5); !closeTo(got, want, 1e-12) {
			t.Errorf("I_%v(3.5,1) = %v, want %v", x, got, want)
		}
		if got, want := RegIncBeta(x, 1, 4.25), 1-math.Pow(1-x, 4.25); !closeTo(got, want, 1e-12) {
			t.Errorf("I_%v(1,4.25) = %v, want %v", x, got, want)
		}
	}
	for _, c := range []struct{ x, a, b, want float64 }{
		{0.3, 2.5, 4, 0.3521975859067672},
		{0.9, 0.5, 0.5, 0.7951672353008665},
		{0.01, 50, 3, 1.3001275000000013e-97},
		{0.7, 200, 100, 0.8911569343550894},
	} {
		if got := RegIncBeta(c.x, c.a, c.b); !closeTo(got, c.want, 1e-10) {
			t.Errorf("I_%v(%v,%v) = %v, want %v", c.x, c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct{ x, a, b float64 }{{0.3, 2, 3}, {0.6, 4.5, 2.5}, {0.15, 2.5, 7}} {
		dens := func(u float64) float64 { return math.Pow(u, c.a-1) * math.Pow(1-u, c.b-1) }
		want := simpson(dens, 0, c.x, 20000) / simpson(dens, 0, 1, 20000)
		if got := RegIncBeta(c.x, c.a, c.b); !closeTo(got, want, 1e-8) {
			t.Errorf("I_%v(%v,%v) = %v, numerical integral %v", c.x, c.a, c.b, got, want)
		}
	}
	if !math.IsNaN(RegIncBeta(1.5, 1, 1)) || !math.IsNaN(RegIncBeta(0.5, 0, 1)) {
		t.Error("RegIncBeta outside its domain is not NaN")
	}
}

// F distribution: with d2 = 2, P(F > f) = I_x(1, d1/2) with
// x = 2/(2 + d1·f), which is 1 − (1 − x)^(d1/2); for d1 = 4, f = 3:
// x = 2/14 = 1/7 and 1 − (6/7)² = 13/49. With d1 = d2 = 2, P(F > f) =
// 1/(1 + f), so the 95% quantile is 1/0.05 − 1 = 19. Other values are
// scipy.stats.f.
func TestFDistribution(t *testing.T) {
	if got := FSurvival(3, 4, 2); !closeTo(got, 13.0/49, 1e-12) {
		t.Errorf("FSurvival(3, 4, 2) = %v, want 13/49", got)
	}
	for _, f := range []float64{0.1, 1, 16, 64} {
		if got := FSurvival(f, 2, 2); !closeTo(got, 1/(1+f), 1e-12) {
			t.Errorf("FSurvival(%v, 2, 2) = %v, want %v", f, got, 1/(1+f))
		}
	}
	if got := FSurvival(10, 19, 2); !closeTo(got, 0.09468954394058957, 1e-10) {
		t.Errorf("FSurvival(10, 19, 2) = %v", got)
	}
	for _, c := range []struct{ p, d1, d2, want float64 }{
		{0.95, 2, 2, 19},
		{0.95, 4, 2, 19.246794344808947},
		{0.95, 2, 4, 6.944271909999155},
		{0.95, 9, 9, 3.178893104458269},
	} {
		got, err := FQuantile(c.p, c.d1, c.d2)
		if err != nil || !closeTo(got, c.want, 1e-9) {
			t.Errorf("FQuantile(%v, %v, %v) = %v, %v; want %v", c.p, c.d1, c.d2, got, err, c.want)
		}
	}
	if _, err := FQuantile(1, 2, 2); err == nil {
		t.Error("FQuantile(1, 2, 2): no error")
	}
}
