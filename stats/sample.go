package stats

import (
	"errors"
	"fmt"
	"math"
)

// Mean returns the arithmetic mean of x (NaN for an empty sample).
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// StdDev returns the sample standard deviation of x, with the n − 1
// denominator (NaN for fewer than two values).
func StdDev(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m := Mean(x)
	ss := 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

// StdErr returns the standard error of the mean of x, StdDev(x)/sqrt(n)
// (NaN for fewer than two values).
func StdErr(x []float64) float64 {
	return StdDev(x) / math.Sqrt(float64(len(x)))
}

// Percentile returns the percentage (0 to 100) of the sample that lies
// below v, counting values equal to v as half below: the mid-rank
// 100·(#{x < v} + ½·#{x = v})/n. For losses, a method whose total has
// percentile 10 among random groupings beats 90% of them. It returns NaN
// for an empty sample.
func Percentile(v float64, sample []float64) float64 {
	if len(sample) == 0 {
		return math.NaN()
	}
	below, ties := 0, 0
	for _, x := range sample {
		switch {
		case x < v:
			below++
		case x == v:
			ties++
		}
	}
	return 100 * (float64(below) + 0.5*float64(ties)) / float64(len(sample))
}

// Interval is a two-sided confidence interval for a mean.
type Interval struct {
	// Mean is the sample mean, the centre of the interval.
	Mean float64
	// Lo and Hi bound the interval: Mean ∓ t·StdErr.
	Lo, Hi float64
	// StdErr is the standard error of the mean.
	StdErr float64
	// N is the number of values; DF = N − 1 the degrees of freedom.
	N, DF int
	// Level is the confidence level, e.g. 0.95.
	Level float64
}

// String prints the interval as "mean [lo, hi]" with the level, e.g.
// "0.0200 [-0.0048, 0.0448] (95%, n=3)".
func (iv Interval) String() string {
	return fmt.Sprintf("%.4g [%.4g, %.4g] (%g%%, n=%d)", iv.Mean, iv.Lo, iv.Hi, 100*iv.Level, iv.N)
}

// Contains reports whether v lies inside the closed interval.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

// ErrTooFew is returned when a sample has fewer than two values, so that
// no spread (and no interval) can be estimated.
var ErrTooFew = errors.New("stats: fewer than two values: no spread can be estimated")

// MeanInterval returns the Student-t confidence interval at the given level
// (0 < level < 1, e.g. 0.95) for the mean of x:
// Mean(x) ± t_{(1+level)/2, n−1}·StdErr(x). It needs at least two values
// (ErrTooFew otherwise) and finite ones.
func MeanInterval(x []float64, level float64) (Interval, error) {
	if !(level > 0 && level < 1) {
		return Interval{}, fmt.Errorf("stats: confidence level %v (want 0 < level < 1, e.g. 0.95)", level)
	}
	if err := checkFinite("value", x); err != nil {
		return Interval{}, err
	}
	if len(x) < 2 {
		return Interval{Mean: Mean(x), Lo: math.NaN(), Hi: math.NaN(), StdErr: math.NaN(), N: len(x), Level: level}, ErrTooFew
	}
	t, err := TQuantile((1+level)/2, float64(len(x)-1))
	if err != nil {
		return Interval{}, err
	}
	m, se := Mean(x), StdErr(x)
	return Interval{Mean: m, Lo: m - t*se, Hi: m + t*se, StdErr: se, N: len(x), DF: len(x) - 1, Level: level}, nil
}

// Differences returns a[i] − b[i] for values paired by position (by seed):
// an error if the lengths differ.
func Differences(a, b []float64) ([]float64, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("stats: paired samples of different lengths %d and %d (one value per seed each)", len(a), len(b))
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d, nil
}

// PairedInterval returns the t interval at the given level for the mean of
// the paired differences a[i] − b[i] (see Differences and MeanInterval).
func PairedInterval(a, b []float64, level float64) (Interval, error) {
	d, err := Differences(a, b)
	if err != nil {
		return Interval{}, err
	}
	return MeanInterval(d, level)
}

// TTest is the result of a one-sample t test of whether a mean is 0.
type TTest struct {
	// Mean, StdErr and DF describe the sample.
	Mean, StdErr float64
	DF           int
	// T is Mean/StdErr.
	T float64
	// PAbove is the one-sided p-value for "the mean is above 0",
	// P(T_DF ≥ T); PBelow is that for "the mean is below 0", P(T_DF ≤ T);
	// PTwoSided is twice the smaller of the two (at most 1).
	PAbove, PBelow, PTwoSided float64
}

// Above reports whether the mean is significantly above 0 by the
// one-sided test at the given level (PAbove < 1 − level).
func (r TTest) Above(level float64) bool { return r.PAbove < 1-level }

// Below reports whether the mean is significantly below 0 by the
// one-sided test at the given level (PBelow < 1 − level).
func (r TTest) Below(level float64) bool { return r.PBelow < 1-level }

// OneSampleT tests whether the mean of x (for example paired differences
// over seeds) differs from 0. It needs at least two values (ErrTooFew). A
// sample with no spread has T = ±Inf (or NaN for a mean of exactly 0, with
// all p-values 1).
func OneSampleT(x []float64) (TTest, error) {
	if len(x) < 2 {
		return TTest{}, ErrTooFew
	}
	m, se := Mean(x), StdErr(x)
	r := TTest{Mean: m, StdErr: se, DF: len(x) - 1}
	if se == 0 {
		r.PAbove, r.PBelow, r.PTwoSided = 1, 1, 1
		switch {
		case m > 0:
			r.T, r.PAbove, r.PTwoSided = math.Inf(1), 0, 0
		case m < 0:
			r.T, r.PBelow, r.PTwoSided = math.Inf(-1), 0, 0
		default:
			r.T = math.NaN()
		}
		return r, nil
	}
	r.T = m / se
	r.PBelow = TCDF(r.T, float64(r.DF))
	r.PAbove = TCDF(-r.T, float64(r.DF))
	r.PTwoSided = min(1, 2*min(r.PAbove, r.PBelow))
	return r, nil
}
