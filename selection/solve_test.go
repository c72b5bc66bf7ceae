package selection

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
)

// TestSolveErrors checks the errors of the entry points, each naming what
// is at fault.
func TestSolveErrors(t *testing.T) {
	m := &taskmatrix.Matrix{Tasks: []string{"a", "b"}, Values: [][]float64{{0, 1}, {1, 0}}}
	one := &taskmatrix.Matrix{Tasks: []string{"a"}, Values: [][]float64{{0}}}
	cases := []struct {
		name string
		m    *taskmatrix.Matrix
		rule string
		b    Budget
		want string
	}{
		{"unknown rule", m, "magic", MaxNetworks(2), `unknown rule "magic"`},
		{"zero budget", m, "affinity", MaxNetworks(0), ErrInfeasible.Error()},
		{"single task, no singletons", one, "affinity", MaxNetworks(3), ErrInfeasible.Error()},
		{"free group", m, "affinity", GroupCost(3, func(Set) int { return 0 }), "costs 0 units"},
		{"invalid matrix", &taskmatrix.Matrix{Tasks: []string{"a", "a"}, Values: m.Values}, "affinity", MaxNetworks(1), "appears twice"},
	}
	for _, c := range cases {
		_, err := SolveMatrix(c.m, c.rule, c.b, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := SolveMatrix(one, "pairloss", StandleyCost(0.5), Options{}); err != nil {
		t.Errorf("one task alone at cost 0.5: %v", err)
	}
	if _, err := Exact(&Affinity{A: make([][]float64, 25)}, MaxNetworks(2)); err == nil {
		t.Error("Exact accepted 25 tasks")
	}
	if _, err := Anytime(&Affinity{A: make([][]float64, 1)}, MaxNetworks(2), Options{}); !errors.Is(err, ErrInfeasible) {
		t.Errorf("Anytime on an uncoverable problem: %v", err)
	}
}

// TestSolveDispatch checks that Solve is exact within its work limit and
// falls back to the anytime search beyond it.
func TestSolveDispatch(t *testing.T) {
	r := &Affinity{A: randMatrix(rand.New(rand.NewPCG(1, 2)), 9, -1, 1)}
	ex, err := Solve(r, MaxNetworks(3), Options{})
	if err != nil || !ex.Optimal {
		t.Fatalf("Solve(9 tasks) = %+v, %v; want the exact optimum", ex, err)
	}
	an, err := Solve(r, MaxNetworks(3), Options{ExactWork: 1, Iterations: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Anytime(r, MaxNetworks(3), Options{Iterations: 1})
	if an.Score != want.Score || an.Bound != want.Bound {
		t.Fatalf("Solve with a tiny work limit = %+v, want the anytime result %+v", an, want)
	}
	if an.Score > ex.Score+1e-12 {
		t.Fatalf("anytime %g beats the optimum %g", an.Score, ex.Score)
	}
}

// SolveEntries solves a feasible list as SolveMatrixAll does, and names
// the first entry that cannot be solved: with groups of at most 2 tasks,
// 6 tasks need 3 networks, so budget 2 fails and budget 3 does not.
func TestSolveEntries(t *testing.T) {
	m := taskmatrix.New([]string{"a", "b", "c", "d", "e", "f"})
	for i := range m.Values {
		for j := range m.Values[i] {
			if i != j {
				m.Values[i][j] = float64((i*7+j*3)%5) / 10
			}
		}
	}
	opt := Options{Seed: 1, MaxGroupSize: 2}
	entries, err := ParseBudgets("3,4", CostNetworks)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SolveEntries(m, RuleZSum, entries, opt)
	want, werr := SolveMatrixAll(m, RuleZSum, []Budget{MaxNetworks(3), MaxNetworks(4)}, opt)
	if err != nil || werr != nil || len(got) != 2 || got[0].Score != want[0].Score || got[1].Score != want[1].Score {
		t.Errorf("feasible list: %v, %v; SolveMatrixAll %v, %v", got, err, want, werr)
	}
	entries, _ = ParseBudgets("3,2,1", CostNetworks)
	_, err = SolveEntries(m, RuleZSum, entries, opt)
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Entry.Text != "2" || !errors.Is(err, ErrInfeasible) {
		t.Errorf("budget 2 of 3,2,1 under a cap of 2: %v, want an EntryError for 2 wrapping ErrInfeasible", err)
	}
}
