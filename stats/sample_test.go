package stats

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// x = 2,4,4,4,5,5,7,9: Σx = 40, mean 5; squared deviations
// 9+1+1+1+0+0+4+16 = 32, variance 32/7, std sqrt(32/7) = 2.138090,
// standard error 2.138090/sqrt(8) = 0.755929.
func TestSummaries(t *testing.T) {
	x := []float64{2, 4, 4, 4, 5, 5, 7, 9}
	if got := Mean(x); got != 5 {
		t.Errorf("Mean = %v, want 5", got)
	}
	if got, want := StdDev(x), math.Sqrt(32.0/7); !closeTo(got, want, 1e-15) {
		t.Errorf("StdDev = %v, want %v", got, want)
	}
	if got, want := StdErr(x), math.Sqrt(32.0/7)/math.Sqrt(8); !closeTo(got, want, 1e-15) || !closeTo(got, 0.755929, 1e-6) {
		t.Errorf("StdErr = %v, want %v", got, want)
	}
	if !math.IsNaN(Mean(nil)) || !math.IsNaN(StdDev([]float64{1})) || !math.IsNaN(StdErr([]float64{1})) {
		t.Error("summaries of too few values are not NaN")
	}
}

// Sample 1,2,2,3: v = 2 has 1 value below and 2 ties, (1 + 2/2)/4 = 50%;
// v = 3 has 3 below and 1 tie, (3 + 0.5)/4 = 87.5%; v = 2.5: 3/4 = 75%.
func TestPercentile(t *testing.T) {
	s := []float64{3, 2, 1, 2}
	for _, c := range []struct{ v, want float64 }{{0, 0}, {1, 12.5}, {2, 50}, {2.5, 75}, {3, 87.5}, {4, 100}} {
		if got := Percentile(c.v, s); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.v, got, c.want)
		}
	}
	if got := Percentile(7, []float64{7, 7, 7}); got != 50 {
		t.Errorf("all ties: %v, want 50", got)
	}
	if !math.IsNaN(Percentile(1, nil)) {
		t.Error("empty sample: not NaN")
	}
}

// A = 10,12,14 and B = 9,10,11 paired: d = 1,2,3, mean 2, std 1,
// se 1/sqrt(3) = 0.577350; t_{0.975,2} = 4.302653, half-width
// 4.302653·0.577350 = 2.484138: interval [-0.484138, 4.484138].
func TestPairedInterval(t *testing.T) {
	iv, err := PairedInterval([]float64{10, 12, 14}, []float64{9, 10, 11}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Mean != 2 || iv.N != 3 || iv.DF != 2 || !closeTo(iv.StdErr, 0.577350, 1e-6) {
		t.Errorf("interval %+v", iv)
	}
	if !closeTo(iv.Lo, -0.484138, 1e-5) || !closeTo(iv.Hi, 4.484138, 1e-6) {
		t.Errorf("interval [%v, %v], want [-0.484138, 4.484138]", iv.Lo, iv.Hi)
	}
	if !iv.Contains(0) || iv.Contains(5) {
		t.Error("Contains")
	}
	if _, err := PairedInterval([]float64{1, 2}, []float64{1}, 0.95); err == nil || !strings.Contains(err.Error(), "lengths 2 and 1") {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := MeanInterval([]float64{1}, 0.95); !errors.Is(err, ErrTooFew) {
		t.Errorf("one value: %v, want ErrTooFew", err)
	}
	for _, level := range []float64{0, 1, 95} {
		if _, err := MeanInterval([]float64{1, 2}, level); err == nil {
			t.Errorf("level %v: no error", level)
		}
	}
	if _, err := MeanInterval([]float64{1, math.NaN()}, 0.95); err == nil {
		t.Error("NaN value: no error")
	}
}

// d = 1,2,3: T = 2/0.577350 = 3.464102 with 2 degrees of freedom, whose
// distribution function is ½ + t/(2·sqrt(2 + t²)): P(T ≥ 3.464102) =
// ½ − 3.464102/(2·sqrt(14)) = ½ − 0.462910 = 0.037090, two-sided 0.074180.
func TestOneSampleT(t *testing.T) {
	r, err := OneSampleT([]float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(r.T, 3.464102, 1e-6) || r.DF != 2 {
		t.Errorf("T = %v df %d", r.T, r.DF)
	}
	if !closeTo(r.PAbove, 0.037090, 1e-4) || !closeTo(r.PBelow, 1-0.037090, 1e-5) || !closeTo(r.PTwoSided, 0.074180, 1e-4) {
		t.Errorf("p-values %+v", r)
	}
	// The one-sided test at 5% says "above 0", the two-sided interval at
	// 95% contains 0: both statements are consistent (0.037 < 0.05 < 0.074).
	if !r.Above(0.95) || r.Below(0.95) || r.Above(0.99) {
		t.Errorf("Above/Below at 95%% and 99%%: %+v", r)
	}
	r, _ = OneSampleT([]float64{-2, -2})
	if !math.IsInf(r.T, -1) || r.PBelow != 0 || r.PAbove != 1 {
		t.Errorf("no spread, negative mean: %+v", r)
	}
	if _, err := OneSampleT([]float64{1}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one value: %v", err)
	}
}
