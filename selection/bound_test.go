package selection

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSizeBoundsExhaustive checks SizeBounds against the best score of
// each task over every allowed group of each size, found by enumeration.
func TestSizeBoundsExhaustive(t *testing.T) {
	n := 6
	for _, c := range boundRules(n) {
		got := c.r.(SizeBounder).SizeBounds()
		s := make([]float64, n)
		for j := 0; j < n; j++ {
			for m := 1; m <= n; m++ {
				best := math.Inf(-1)
				for g := Set(1); g <= Full(n); g++ {
					if g.Has(j) && g.Len() == m && c.r.Scores(g, s) {
						best = math.Max(best, sign(c.r)*s[j])
					}
				}
				if v := sign(c.r) * got[j][m]; math.Abs(v-best) > 1e-12 && v != best {
					t.Errorf("%s: SizeBounds[%d][%d] = %g, exhaustive best %g", c.name, j, m, got[j][m], sign(c.r)*best)
				}
			}
		}
	}
}

// TestBudgetBoundOneNetwork checks a case worked out by hand: with one
// network every task must be in the group of all tasks, so the bound, whose
// shares 1/m can only sum to 1 when every task takes m = n, equals the
// exact optimum.
func TestBudgetBoundOneNetwork(t *testing.T) {
	for n := 3; n <= 8; n++ {
		rng := rand.New(rand.NewPCG(uint64(n), 11))
		for _, r := range []Rule{&Affinity{A: randMatrix(rng, n, -1, 1)}, &PairLoss{L: randMatrix(rng, n, 0.5, 2)}} {
			ex, err := Exact(r, MaxNetworks(1))
			if err != nil {
				t.Fatal(err)
			}
			got := sign(r) * budgetBound(r, MaxNetworks(1)) / float64(n)
			if math.Abs(got-ex.Score) > 1e-9 {
				t.Errorf("n=%d %T: bound %.12g, optimum %.12g", n, r, got, ex.Score)
			}
		}
	}
}

// TestLagrangeBoundSmall checks the Lagrangian minimization on a two-task
// relaxation solved by hand. Each task may take share 1 with score 1 or
// share 1/2 with score 0; with a limit of 1.5 the best fractional choice
// gives one task score 1 and the other 0, and the dual minimum is 1
// (reached for mu in [0, 2]). With a limit of 0.5 no choice fits.
func TestLagrangeBoundSmall(t *testing.T) {
	opts := [][]option{{{0, 0.5}, {1, 1}}, {{0, 0.5}, {1, 1}}}
	cases := []struct{ limit, want float64 }{{2, 2}, {1.5, 1}, {1, 0}, {0.5, math.Inf(-1)}}
	for _, c := range cases {
		if got := lagrangeBound(opts, c.limit); math.Abs(got-c.want) > 1e-9 && got != c.want {
			t.Errorf("limit %g: bound %g, want %g", c.limit, got, c.want)
		}
	}
}

// BenchmarkBudgetBound measures the bound on the anytime solver's sizes.
func BenchmarkBudgetBound(b *testing.B) {
	for _, n := range []int{30, 64} {
		r := benchRule(n)
		b.Run(fmt.Sprintf("n=%d/k=4", n), func(b *testing.B) {
			for b.Loop() {
				budgetBound(r, MaxNetworks(4))
			}
		})
	}
}
