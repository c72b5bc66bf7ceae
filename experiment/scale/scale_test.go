package scale

import (
	"math"
	"strings"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
)

func TestCheckRefuses(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Sizes: []int{25}, Command: []string{"tag"}, Dir: "d"}, "25 tasks: want a multiple of the family size 10"},
		{Options{Sizes: []int{10}, Command: []string{"tag"}, Dir: "d"}, "at least two families"},
		{Options{Sizes: []int{20}, Dir: "d"}, "no tag command"},
		{Options{Sizes: []int{20}, Command: []string{"tag"}}, "no directory"},
		{Options{Sizes: []int{20}, Command: []string{"tag"}, Dir: "d", Budgets: []int{0}}, "budget 0"},
		{Options{Sizes: []int{6}, FamilySize: 1, Command: []string{"tag"}, Dir: "d"}, "family size 1"},
	} {
		if err := c.o.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	o := Options{Sizes: []int{100}, Command: []string{"tag"}, Dir: "d"}
	if err := o.Check(); err != nil || o.FamilySize != 10 || o.Dim != 64 || o.DataSeed != 3 || o.QualitySeeds != 3 {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	if got := o.Spec(300); got != "planted:families=30,size=10,dim=64,seed=3" {
		t.Errorf("Spec(300) = %q", got)
	}
}

func TestFamilyLabels(t *testing.T) {
	got, err := familyLabels([]string{"b1", "a0", "b0", "a1"}, 2, 2)
	if err != nil || len(got) != 4 || got[0] != 1 || got[1] != 0 || got[2] != 1 || got[3] != 0 {
		t.Errorf("familyLabels = %v, %v", got, err)
	}
	if got, err := familyLabels([]string{"f007_t3"}, 300, 10); err != nil || got[0] != 7 {
		t.Errorf("familyLabels beyond 26 families = %v, %v", got, err)
	}
	if _, err := familyLabels([]string{"zz"}, 2, 2); err == nil {
		t.Error("an unknown task was given a family")
	}
}

// rankAgreement compares the off-diagonal entries only.
func TestRankAgreement(t *testing.T) {
	a := &taskmatrix.Matrix{Tasks: []string{"x", "y", "z"}, Values: [][]float64{{9, 1, 2}, {3, 9, 4}, {5, 6, 9}}}
	b := &taskmatrix.Matrix{Tasks: a.Tasks, Values: [][]float64{{-9, 10, 20}, {30, 0, 40}, {50, 60, 99}}}
	c := &taskmatrix.Matrix{Tasks: a.Tasks, Values: [][]float64{{0, 6, 5}, {4, 0, 3}, {2, 1, 0}}}
	for _, tc := range []struct {
		m    *taskmatrix.Matrix
		want float64
	}{{a, 1}, {b, 1}, {c, -1}} {
		got, err := rankAgreement(a, tc.m)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("rankAgreement = %g, %v, want %g", got, err, tc.want)
		}
	}
	if _, err := rankAgreement(a, &taskmatrix.Matrix{Tasks: []string{"x", "z", "y"}, Values: a.Values}); err == nil {
		t.Error("matrices of other task orders compared")
	}
}

func TestRowSummaries(t *testing.T) {
	r := Row{Families: 3, Budgets: []Budget{{K: 2, Score: -1, Gap: 5}, {K: 3, Score: 10, Gap: 0.5}, {K: 4, Score: 4, Gap: 1}}}
	if got := r.WorstGap(); got != 0.25 {
		t.Errorf("WorstGap = %g, want 0.25 (scores ≤ 0 left out)", got)
	}
	if got := r.PlantedGap(); got != 0.05 {
		t.Errorf("PlantedGap = %g, want 0.05", got)
	}
	if got := (Row{}).WorstGap(); !math.IsNaN(got) {
		t.Errorf("WorstGap of no budget = %g, want NaN", got)
	}
}
