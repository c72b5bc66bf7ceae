package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Without ties Spearman's rho is 1 − 6Σd²/(n(n²−1)), d the rank
// differences; ranks are checked by counting smaller values.
func TestSpearmanAgainstClosedForm(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		n := 2 + r.IntN(30)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = r.NormFloat64(), r.NormFloat64()+0.5*x[i]
		}
		rx, ry := Ranks(x), Ranks(y)
		var d2 float64
		for i := range x {
			smaller := 0
			for j := range x {
				if x[j] < x[i] {
					smaller++
				}
			}
			if rx[i] != float64(smaller+1) {
				t.Fatalf("rank of %g: %g, want %d", x[i], rx[i], smaller+1)
			}
			d2 += (rx[i] - ry[i]) * (rx[i] - ry[i])
		}
		want := 1 - 6*d2/float64(n*(n*n-1))
		got, err := Spearman(x, y)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("n=%d: %g, want %g (%v)", n, got, want, err)
		}
	}
}

func TestRanksTiesAndErrors(t *testing.T) {
	if got := Ranks([]float64{3, 1, 3, 2}); !slices.Equal(got, []float64{3.5, 1, 3.5, 2}) {
		t.Errorf("ranks with ties: %v", got)
	}
	if _, err := Spearman([]float64{1, 1}, []float64{1, 2}); err == nil {
		t.Error("constant sample accepted")
	}
	if _, err := Spearman([]float64{1}, []float64{1}); err == nil {
		t.Error("one value accepted")
	}
}
