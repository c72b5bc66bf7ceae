package experiment

import (
	"math"
	"strings"
	"testing"
)

// TestAnalyzeByHand checks the analysis of hand-made results over three
// seeds against arithmetic written out here.
func TestAnalyzeByHand(t *testing.T) {
	b := func(seeds ...float64) *BudgetResult { return &BudgetResult{TotalTestLossSeeds: seeds} }
	rnd := b(1.2, 1.3, 1.15)
	// The three random groupings under each seed: seed means 1.2, 1.3,
	// 1.15.
	rnd.TotalTestLossDraws = [][]float64{{1.1, 1.3, 1.2}, {1.3, 1.2, 1.4}, {1.15, 1.05, 1.25}}
	r := &Results{
		Seeds:   []uint64{1, 2, 3},
		Budgets: []int{2},
		Methods: map[string]*MethodResult{
			TAG:    {Budgets: map[string]*BudgetResult{"2": b(1.0, 1.15, 0.9)}},
			Random: {Budgets: map[string]*BudgetResult{"2": rnd}},
			MTL:    {Budgets: map[string]*BudgetResult{AllBudgets: b(1.05, 1.1, 1.0)}},
		},
	}
	a := Analyze(r)
	var vsRandom, vsMTL *Comparison
	for i, c := range a.Comparisons {
		switch {
		case c.Method == TAG && c.Baseline == Random:
			vsRandom = &a.Comparisons[i]
		case c.Method == TAG && c.Baseline == MTL:
			vsMTL = &a.Comparisons[i]
		}
	}
	if vsRandom == nil || vsMTL == nil {
		t.Fatalf("comparisons %+v", a.Comparisons)
	}
	// tag − random = (−0.2, −0.15, −0.25): mean −0.2, sd 0.05, se
	// 0.05/√3 = 0.0288675; t(0.975, 2) = 4.302653: half-width 0.124210.
	if math.Abs(vsRandom.Mean+0.2) > 1e-12 || math.Abs(*vsRandom.Lo+0.324210) > 1e-5 || math.Abs(*vsRandom.Hi+0.075790) > 1e-5 {
		t.Errorf("tag − random = %g [%g, %g], want −0.2 [−0.32421, −0.07579]", vsRandom.Mean, *vsRandom.Lo, *vsRandom.Hi)
	}
	if vsRandom.Outcome != Better {
		t.Errorf("tag vs random: %s, want better", vsRandom.Outcome)
	}
	// Percentiles: each seed's tag total is below all three random
	// groupings of that seed (1.0, 1.15, 0.9): 0 at every seed.
	if vsRandom.Percentile == nil || *vsRandom.Percentile != 0 {
		t.Errorf("percentile %v, want 0", vsRandom.Percentile)
	}
	// tag − mtl = (−0.05, 0.05, −0.1): mean −0.0333, sd 0.076376, se
	// 0.044096, half-width 0.189733: the interval holds 0.
	if vsMTL.Outcome != CannotTell || math.Abs(vsMTL.Mean+0.1/3) > 1e-12 || math.Abs(*vsMTL.Hi-(-0.1/3+0.189733)) > 1e-5 {
		t.Errorf("tag − mtl = %+v, want cannot tell, −0.0333 with hi 0.1564", *vsMTL)
	}
	// Grouping, two-way (groupings × seeds): grouping means 1.1833,
	// 1.1833, 1.2833 (sd 0.057735), seed means 1.2, 1.3, 1.15, grand mean
	// 1.216667; residuals −1/15, 1/30, 1/30 | 2/15, −1/15, −1/15 |
	// −1/15, 1/30, 1/30: SS_R = 0.04 on 4 df, noise √0.01 = 0.1;
	// SS_G = 3·(2·(1/30)² + (1/15)²) = 0.02 on 2 df: F = 1, not shown to
	// matter.
	if len(a.Grouping) != 1 || !a.Grouping[0].Decided || a.Grouping[0].Matters ||
		math.Abs(*a.Grouping[0].SpreadGroupings-0.057735) > 1e-6 || math.Abs(*a.Grouping[0].SpreadSeeds-0.1) > 1e-9 {
		t.Errorf("grouping check %+v", a.Grouping)
	}
	for _, want := range []string{"Over 3 seeds", "k = 2: grouping matters (tag beats random groupings, although they differ no more than seeds do)", "tag vs random better -16.4%", "vs mtl cannot tell"} {
		if !strings.Contains(a.Verdict, want) {
			t.Errorf("verdict lacks %q:\n%s", want, a.Verdict)
		}
	}
}

// TestAnalyzeOneSeed checks that one seed never yields a decided
// comparison and that the verdict says so.
func TestAnalyzeOneSeed(t *testing.T) {
	r := &Results{
		Seeds:   []uint64{1},
		Budgets: []int{2},
		Methods: map[string]*MethodResult{
			TAG:    {Budgets: map[string]*BudgetResult{"2": {TotalTestLossSeeds: []float64{1}}}},
			Random: {Budgets: map[string]*BudgetResult{"2": {TotalTestLossSeeds: []float64{2}, TotalTestLossDraws: [][]float64{{2, 2.1}}}}},
		},
	}
	a := Analyze(r)
	for _, c := range a.Comparisons {
		if c.Outcome != CannotTell || c.Lo != nil {
			t.Errorf("one seed decided %+v", c)
		}
	}
	if !strings.Contains(a.Verdict, "One seed") {
		t.Errorf("verdict %q does not warn about one seed", a.Verdict)
	}
}
