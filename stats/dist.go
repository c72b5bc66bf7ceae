package stats

import (
	"fmt"
	"math"
)

// lentzTiny replaces zero denominators in the modified Lentz method.
const lentzTiny = 1e-300

// RegIncBeta returns the regularized incomplete beta function
// I_x(a, b) = B(x; a, b)/B(a, b) for a, b > 0 and 0 ≤ x ≤ 1, from the
// continued fraction of DLMF 8.17.22 (with the symmetry
// I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster). It returns NaN
// for arguments outside the domain.
func RegIncBeta(x, a, b float64) float64 {
	switch {
	case !(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1):
		return math.NaN()
	case x == 0:
		return 0
	case x == 1:
		return 1
	}
	if x > (a+1)/(a+b+2) {
		return 1 - RegIncBeta(1-x, b, a)
	}
	lga, _ := math.Lgamma(a)
	lgb, _ := math.Lgamma(b)
	lgab, _ := math.Lgamma(a + b)
	front := math.Exp(a*math.Log(x)+b*math.Log1p(-x)-(lga+lgb-lgab)) / a
	return front * betaFraction(x, a, b)
}

// betaFraction evaluates 1/(1+ d1/(1+ d2/(1+ ...))) with
// d_{2m+1} = −(a+m)(a+b+m)x/((a+2m)(a+2m+1)) and
// d_{2m} = m(b−m)x/((a+2m−1)(a+2m)), by the modified Lentz method.
func betaFraction(x, a, b float64) float64 {
	// The fraction is b0 + a1/(b1 + a2/(b2 + ...)) with b0 = 0, a1 = 1 and
	// every later b_j = 1, a_{j+1} = d_j.
	f := lentzTiny
	c, d := f, 0.0
	step := func(num float64) float64 {
		d = 1 + num*d
		if math.Abs(d) < lentzTiny {
			d = lentzTiny
		}
		c = 1 + num/c
		if math.Abs(c) < lentzTiny {
			c = lentzTiny
		}
		d = 1 / d
		delta := c * d
		f *= delta
		return delta
	}
	step(1)
	for m := 0; m < 10000; m++ {
		fm := float64(m)
		if m > 0 {
			step(fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm)))
		}
		delta := step(-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1)))
		if math.Abs(delta-1) < 1e-16 {
			break
		}
	}
	return f
}

// TCDF returns P(T ≤ t) for Student's t distribution with df > 0 degrees
// of freedom (df need not be an integer).
func TCDF(t, df float64) float64 {
	if !(df > 0) || math.IsNaN(t) {
		return math.NaN()
	}
	if math.IsInf(t, 0) {
		if t > 0 {
			return 1
		}
		return 0
	}
	tail := 0.5 * RegIncBeta(df/(df+t*t), df/2, 0.5) // P(T > |t|)
	if t >= 0 {
		return 1 - tail
	}
	return tail
}

// TQuantile returns the p quantile of Student's t distribution with df > 0
// degrees of freedom: the t with TCDF(t, df) = p. For example
// TQuantile(0.975, 4) = 2.776445..., the factor of a two-sided 95%
// interval from five values. It returns ±Inf at p = 1 and p = 0, and an
// error for p outside [0, 1] or df ≤ 0.
func TQuantile(p, df float64) (float64, error) {
	if !(df > 0) {
		return 0, fmt.Errorf("stats: t quantile with %v degrees of freedom (want > 0)", df)
	}
	if !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("stats: t quantile of probability %v (want 0 ≤ p ≤ 1)", p)
	}
	switch {
	case p == 1:
		return math.Inf(1), nil
	case p == 0:
		return math.Inf(-1), nil
	case p == 0.5:
		return 0, nil
	case p < 0.5:
		q, err := TQuantile(1-p, df)
		return -q, err
	}
	// The upper tail 1 − p is matched directly, so that quantiles far in
	// the tail keep their relative precision.
	return invertSurvival(func(t float64) float64 { return 0.5 * RegIncBeta(df/(df+t*t), df/2, 0.5) }, 1-p), nil
}

// invertSurvival returns the x ≥ 0 with surv(x) = q for a decreasing
// survival function surv with surv(0) ≥ q, by doubling an upper bracket
// and then bisecting until the bracket cannot shrink (machine precision).
func invertSurvival(surv func(float64) float64, q float64) float64 {
	lo, hi := 0.0, 1.0
	for surv(hi) > q {
		lo, hi = hi, 2*hi
		if math.IsInf(hi, 0) {
			return math.Inf(1)
		}
	}
	for range 2000 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if surv(mid) > q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// FSurvival returns P(F > f) for Snedecor's F distribution with d1 and d2
// degrees of freedom (both > 0); 1 for f ≤ 0.
func FSurvival(f, d1, d2 float64) float64 {
	if !(d1 > 0) || !(d2 > 0) || math.IsNaN(f) {
		return math.NaN()
	}
	if f <= 0 {
		return 1
	}
	if math.IsInf(f, 1) {
		return 0
	}
	return RegIncBeta(d2/(d2+d1*f), d2/2, d1/2)
}

// FQuantile returns the p quantile of Snedecor's F distribution with d1
// and d2 degrees of freedom: the f with P(F ≤ f) = p. For example
// FQuantile(0.95, 4, 2) = 19.2468..., the critical ratio of a one-sided 5%
// variance-ratio test. It returns an error for p outside [0, 1) or
// degrees of freedom ≤ 0.
func FQuantile(p, d1, d2 float64) (float64, error) {
	if !(d1 > 0) || !(d2 > 0) {
		return 0, fmt.Errorf("stats: F quantile with %v and %v degrees of freedom (want > 0)", d1, d2)
	}
	if !(p >= 0 && p < 1) {
		return 0, fmt.Errorf("stats: F quantile of probability %v (want 0 ≤ p < 1)", p)
	}
	if p == 0 {
		return 0, nil
	}
	return invertSurvival(func(f float64) float64 { return FSurvival(f, d1, d2) }, 1-p), nil
}
