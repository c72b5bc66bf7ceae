package experiment

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// handResults builds results over four tasks and three seeds: mtl, stl,
// tag-consensus at k = 2 and 3 and tag with the given totals, and random
// groupings at both budgets whose draws spread by spread between
// groupings (seed noise about 0.01) around 2, or around 1.1 when spread
// is 0.
func handResults(mtl, stl, k2, k3 []float64, spread float64) *Results {
	base := 2.0
	if spread == 0 {
		base = 1.1
	}
	b := func(groups [][]string, seeds []float64) *BudgetResult {
		return &BudgetResult{Groups: groups, TotalTestLossSeeds: seeds}
	}
	rnd := func() *BudgetResult {
		r := b(nil, []float64{base, base, base})
		noise := []float64{0.01, -0.01, 0.005}
		for s := range 3 {
			var row []float64
			for g := range 4 {
				row = append(row, base+spread*float64(g)+noise[(s+g)%3])
			}
			r.TotalTestLossDraws = append(r.TotalTestLossDraws, row)
		}
		return r
	}
	g2 := [][]string{{"a", "b"}, {"c", "d"}}
	g3 := [][]string{{"a", "b"}, {"c"}, {"d"}}
	tag2 := b(g2, k2)
	tag2.GroupsBySeed = [][][]string{g2, g2, {{"a", "b", "c"}, {"d"}}}
	return &Results{
		Tasks:   []string{"a", "b", "c", "d"},
		Seeds:   []uint64{1, 2, 3},
		Budgets: []int{2, 3},
		Methods: map[string]*MethodResult{
			MTL:          {Budgets: map[string]*BudgetResult{AllBudgets: b(nil, mtl)}},
			STL:          {Budgets: map[string]*BudgetResult{AllBudgets: b(nil, stl)}},
			TAGConsensus: {Budgets: map[string]*BudgetResult{"2": b(g2, k2), "3": b(g3, k3)}},
			TAG:          {Budgets: map[string]*BudgetResult{"2": tag2, "3": b(g3, k3)}},
			Random:       {Budgets: map[string]*BudgetResult{"2": rnd(), "3": rnd()}},
		},
	}
}

// TestRecommendGroupingMatters: k = 2 is as good as the best (stl) and
// mtl is significantly worse: two networks, grouping matters.
func TestRecommendGroupingMatters(t *testing.T) {
	r := handResults([]float64{3, 3.2, 3.1}, []float64{1.0, 1.1, 1.05}, []float64{1.02, 1.08, 1.06}, []float64{1.01, 1.12, 1.04}, 0.5)
	a := Analyze(r)
	rec := Recommend(r, a)
	if rec.Budget != 2 || rec.Option != "tag-consensus k=2" || !rec.GroupingMatters {
		t.Fatalf("recommendation %+v, want tag-consensus k=2 with grouping matters", rec)
	}
	// {a, b} together under all three seeds; {c, d} under two of three.
	if !slices.Equal(rec.Together, []float64{1, 2.0 / 3}) {
		t.Errorf("together %v, want [1 0.667]", rec.Together)
	}
	for _, want := range []string{"Rule: the fewest networks", "Saving: 2 networks", "measurably matters at k = 2, 3"} {
		if !strings.Contains(rec.Reason, want) {
			t.Errorf("reason lacks %q: %s", want, rec.Reason)
		}
	}
}

// TestRecommendGroupingDoesNotMatter: every option within noise of the
// best and random groupings no more spread than seeds: one network, and the
// reason says grouping does not measurably matter.
func TestRecommendGroupingDoesNotMatter(t *testing.T) {
	r := handResults([]float64{1.0, 1.3, 1.1}, []float64{1.1, 1.1, 1.05}, []float64{1.05, 1.2, 1.0}, []float64{1.0, 1.25, 1.1}, 0)
	a := Analyze(r)
	rec := Recommend(r, a)
	if rec.Budget != 1 || rec.Option != "mtl" || rec.GroupingMatters {
		t.Fatalf("recommendation %+v, want mtl, grouping does not matter", rec)
	}
	if !strings.Contains(rec.Reason, "does not measurably matter") || !strings.Contains(rec.Reason, "cheapest") {
		t.Errorf("reason %q", rec.Reason)
	}
}

// TestRecommendSTLBest: one network per task is significantly better than
// every grouping: stl, n networks.
func TestRecommendSTLBest(t *testing.T) {
	r := handResults([]float64{3, 3.2, 3.1}, []float64{1.0, 1.1, 1.05}, []float64{2.0, 2.1, 2.05}, []float64{1.5, 1.62, 1.54}, 0.5)
	rec := Recommend(r, Analyze(r))
	if rec.Budget != 4 || rec.Option != "stl" || len(rec.Groups) != 4 {
		t.Fatalf("recommendation %+v, want stl", rec)
	}
	if !strings.Contains(rec.Reason, "every option with fewer networks is significantly worse") ||
		!strings.Contains(rec.Reason, "If fewer networks must serve, the best grouping measured is tag-consensus k=3: {a, b} 100% {c} 100% {d} 100%") {
		t.Errorf("reason %q", rec.Reason)
	}
}

// TestRecommendOneSeed: nothing can be tested; the lowest mean is named
// and the reason says so.
func TestRecommendOneSeed(t *testing.T) {
	r := handResults([]float64{3}, []float64{1.2}, []float64{1.1}, []float64{1.3}, 0.5)
	r.Seeds = r.Seeds[:1]
	for _, m := range r.Methods {
		for _, b := range m.Budgets {
			b.GroupsBySeed = nil
			if b.TotalTestLossDraws != nil {
				b.TotalTestLossDraws = b.TotalTestLossDraws[:1]
			}
		}
	}
	rec := Recommend(r, Analyze(r))
	if rec.Option != "tag-consensus k=2" || !strings.Contains(rec.Reason, "One seed") {
		t.Fatalf("recommendation %+v", rec)
	}
}

// TestTogether checks the stability of groups against hand-counted
// groupings, a task alone included.
func TestTogether(t *testing.T) {
	bySeed := [][][]string{
		{{"a", "b", "c"}, {"d"}},
		{{"a", "b"}, {"c", "d"}},
		{{"a", "c"}, {"b"}, {"d"}},
		{{"a", "b", "c", "d"}},
	}
	// {a, b, c}: pairs ab 3/4, ac 3/4, bc 2/4 → 8/12; {d}: alone in 2 of 4.
	got := Together([][]string{{"a", "b", "c"}, {"d"}}, bySeed)
	if math.Abs(got[0]-8.0/12) > 1e-12 || got[1] != 0.5 {
		t.Errorf("Together = %v, want [0.667 0.5]", got)
	}
}

// TestPooledAffinity: the pooled matrix weighs every seed the same
// whatever its scale, and the consensus on it follows the structure the
// seeds share although each seed alone is noisy.
func TestPooledAffinity(t *testing.T) {
	tasks := []string{"a", "b", "c", "d"}
	mk := func(scale float64, v [][]float64) *taskmatrix.Matrix {
		m := taskmatrix.New(tasks)
		for i := range v {
			for j := range v[i] {
				m.Values[i][j] = scale * v[i][j]
			}
		}
		return m
	}
	// Seed 1 (tiny scale) pairs a with b and c with d; seed 2 (a large
	// scale) pairs a with b and, weakly, c with d.
	s1 := mk(1e-3, [][]float64{{0, 3, 1, 0}, {3, 0, 0, 1}, {1, 0, 0, 3}, {0, 1, 3, 0}})
	s2 := mk(1e3, [][]float64{{0, 3, 0, 1}, {3, 0, 1, 0}, {1, 0, 0, 2}, {0, 1, 2, 0}})
	p := PooledAffinity([]*taskmatrix.Matrix{s1, s2})
	z1, z2 := selection.Standardize(s1.Values), selection.Standardize(s2.Values)
	for i := range tasks {
		for j := range tasks {
			if want := (z1[i][j] + z2[i][j]) / 2; math.Abs(p.Values[i][j]-want) > 1e-12 {
				t.Fatalf("pooled[%d][%d] = %g, want %g", i, j, p.Values[i][j], want)
			}
		}
	}
	res, err := selection.SolveMatrix(p, selection.RuleZSum, selection.MaxNetworks(2), selection.Options{SpendBudget: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.GroupNames(tasks); !slices.EqualFunc(got, [][]string{{"a", "b"}, {"c", "d"}}, slices.Equal) {
		t.Errorf("consensus groups %v, want {a b} {c d}", got)
	}
}

// TestRecommendNotSettled: mtl's mean is far above stl's but the seeds
// cannot tell them apart: mtl is recommended, not settled, and the reason
// names the safe option.
func TestRecommendNotSettled(t *testing.T) {
	r := handResults([]float64{1.0, 2.2, 1.1}, []float64{1.0, 1.05, 1.02}, []float64{1.3, 1.9, 1.2}, []float64{1.2, 1.8, 1.3}, 0)
	rec := Recommend(r, Analyze(r))
	if rec.Option != "mtl" || rec.Settled {
		t.Fatalf("recommendation %+v, want mtl, not settled", rec)
	}
	if !strings.Contains(rec.Reason, "Not settled: its mean is +40.") || !strings.Contains(rec.Reason, "serve stl to be safe") {
		t.Errorf("reason %q", rec.Reason)
	}
	// The same mtl with a mean within the margin is settled.
	r = handResults([]float64{1.0, 1.06, 1.02}, []float64{1.0, 1.05, 1.02}, []float64{1.3, 1.9, 1.2}, []float64{1.2, 1.8, 1.3}, 0)
	if rec := Recommend(r, Analyze(r)); rec.Option != "mtl" || !rec.Settled || strings.Contains(rec.Reason, "Not settled") {
		t.Errorf("recommendation %+v, want mtl, settled", rec)
	}
}
