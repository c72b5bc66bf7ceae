package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdjustedRandHand checks a hand-computed case: a = {0,1,2}{3,4,5},
// b = {0,1}{2,3}{4,5}. Same-group pairs in both: (0,1) and (4,5), so
// Σ C(n_ij) = 2; Σ C(a_i) = 3+3 = 6; Σ C(b_j) = 1+1+1 = 3; C(6) = 15;
// E = 6·3/15 = 1.2; ARI = (2 − 1.2)/(4.5 − 1.2) = 8/33.
func TestAdjustedRandHand(t *testing.T) {
	got, err := AdjustedRand([]int{0, 0, 0, 1, 1, 1}, []int{7, 7, 8, 8, 9, 9})
	if err != nil || math.Abs(got-8.0/33) > 1e-15 {
		t.Errorf("ARI %v (%v), want 8/33", got, err)
	}
}

// TestAdjustedRandProperties checks identity, relabelling, symmetry, the
// degenerate cases, errors, and that independent random partitions score
// near 0.
func TestAdjustedRandProperties(t *testing.T) {
	a := []int{0, 0, 1, 1, 2, 2, 2}
	relabelled := []int{5, 5, 3, 3, 9, 9, 9}
	if v, _ := AdjustedRand(a, relabelled); v != 1 {
		t.Errorf("relabelled partition: %v, want 1", v)
	}
	b := []int{0, 1, 1, 2, 2, 0, 0}
	x, _ := AdjustedRand(a, b)
	y, _ := AdjustedRand(b, a)
	if x != y || x >= 1 {
		t.Errorf("asymmetric or perfect: %v, %v", x, y)
	}
	if v, _ := AdjustedRand([]int{0, 1, 2}, []int{3, 4, 5}); v != 1 {
		t.Errorf("all alone in both: %v, want 1", v)
	}
	if v, _ := AdjustedRand([]int{0, 0, 0}, []int{1, 1, 1}); v != 1 {
		t.Errorf("one group in both: %v, want 1", v)
	}
	if v, _ := AdjustedRand([]int{0, 0, 0}, []int{0, 1, 2}); v != 0 {
		t.Errorf("one group against all alone: %v, want 0", v)
	}
	if _, err := AdjustedRand([]int{0}, []int{0}); err == nil {
		t.Error("one item: no error")
	}
	if _, err := AdjustedRand([]int{0, 1}, []int{0}); err == nil {
		t.Error("lengths differ: no error")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sum := 0.0
	for range 200 {
		p, q := make([]int, 300), make([]int, 300)
		for i := range p {
			p[i], q[i] = rng.IntN(10), rng.IntN(10)
		}
		v, _ := AdjustedRand(p, q)
		sum += v
	}
	if mean := sum / 200; math.Abs(mean) > 0.005 {
		t.Errorf("independent random partitions: mean ARI %v, want about 0", mean)
	}
}
