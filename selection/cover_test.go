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
					_, want := SolveMatrix(m, rule, b, opt)
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

// TestCheckAlternativesAgrees checks CheckAlternatives against
// AlternativesMatrix on small matrices, and its refusal of several
// groupings above MaxTasks tasks.
func TestCheckAlternativesAgrees(t *testing.T) {
	m := taskmatrix.New([]string{"a", "b", "c", "d", "e"})
	r := rand.New(rand.NewPCG(3, 4))
	for i := range m.Values {
		for j := range m.Values[i] {
			m.Values[i][j] = r.Float64()
		}
	}
	for _, rule := range RuleNames {
		for _, cap := range []int{0, 1, 2} {
			for _, count := range []int{0, 1, 3} {
				opt := Options{MaxGroupSize: cap, Seed: 1}
				_, want := AlternativesMatrix(m, rule, MaxNetworks(2), opt, count)
				if got := CheckAlternatives(5, rule, MaxNetworks(2), opt, count); (got == nil) != (want == nil) {
					t.Errorf("rule %s cap %d count %d: CheckAlternatives %v, AlternativesMatrix %v", rule, cap, count, got, want)
				}
			}
		}
	}
	if err := CheckAlternatives(MaxTasks+1, RuleZSum, MaxNetworks(2), Options{}, 3); err == nil {
		t.Error("several groupings above MaxTasks tasks accepted")
	}
	if err := CheckAlternatives(MaxTasks+1, RuleZSum, MaxNetworks(2), Options{}, 1); err != nil {
		t.Errorf("one grouping above MaxTasks tasks: %v", err)
	}
}
