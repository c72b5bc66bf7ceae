package selection

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
)

// TestCheckSolvableAgreesWithSolve checks that CheckSolvable refuses
// exactly what SolveMatrix refuses, on random matrices of a few sizes
// (within and beyond the solvers' task limit), every rule name, with and
// without a group-size cap. (One task is left out: the paper's rule cannot
// serve it without singletons, which only a search finds.)
func TestCheckSolvableAgreesWithSolve(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 3, 6, MaxTasks + 1} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("t%d", i)
		}
		m := taskmatrix.New(names)
		for i := range n {
			for j := range n {
				m.Values[i][j] = r.Float64()
			}
		}
		for _, rule := range append([]string{"magic"}, RuleNames...) {
			for _, cap := range []int{0, 2} {
				for _, k := range []int{1, 2, 3} {
					opt := Options{MaxGroupSize: cap, Seed: 1, SpendBudget: true}
					b := MaxNetworks(k)
					want := error(nil)
					if n <= 6 || rule == "magic" {
						_, want = SolveMatrix(m, rule, b, opt)
					} else if _, err := NewRule(m, rule, opt); err != nil {
						want = err // a large solve is not needed to know it is refused
					}
					got := CheckSolvable(n, rule, b, opt)
					if (got == nil) != (want == nil) {
						t.Errorf("n=%d rule %s cap %d budget %d: CheckSolvable %v, SolveMatrix %v", n, rule, cap, k, got, want)
					}
				}
			}
		}
	}
	if err := CheckSolvable(0, RuleZSum, MaxNetworks(2), Options{}); err == nil {
		t.Error("0 tasks accepted")
	}
}
