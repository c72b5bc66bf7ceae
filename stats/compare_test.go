package stats

import (
	"errors"
	"strings"
	"testing"
)

// Two budgets × three seeds. Differences A − B:
//
//	seed 1: k=2 0.1, k=3 0.3 → seed mean 0.2
//	seed 2: k=2 0.0, k=3 0.2 → 0.1
//	seed 3: k=2 0.4, k=3 0.2 → 0.3
//
// Mean 1.2/6 = 0.2. By seed: values 0.2, 0.1, 0.3, std 0.1, se 0.057735,
// half-width 4.302653·0.057735 = 0.248414. By cell: values
// 0.1,0.3,0.0,0.2,0.4,0.2, squared deviations .01+.01+.04+0+.04+0 = 0.10,
// std sqrt(0.02) = 0.141421, se 0.057735, t_{0.975,5} = 2.570582, half-width
// 0.148413.
func TestPooledDifference(t *testing.T) {
	cells := []Cell{
		{3, 1, 1.3, 1.0}, {2, 1, 1.1, 1.0},
		{2, 2, 2.0, 2.0}, {3, 2, 2.2, 2.0},
		{2, 3, 0.9, 0.5}, {3, 3, 0.7, 0.5},
	}
	p, err := PooledDifference(cells, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(p.Mean, 0.2, 1e-12) || p.BySeed.N != 3 || p.ByCell.N != 6 {
		t.Fatalf("pooled %+v", p)
	}
	if !closeTo(p.BySeed.Hi-p.BySeed.Mean, 0.248414, 1e-5) || !closeTo(p.BySeed.StdErr, 0.057735, 1e-5) {
		t.Errorf("by seed %+v", p.BySeed)
	}
	if !closeTo(p.ByCell.Hi-p.ByCell.Mean, 0.148413, 1e-5) {
		t.Errorf("by cell %+v", p.ByCell)
	}
	if len(p.Budgets) != 2 || p.Budgets[0] != 2 || len(p.Seeds) != 3 {
		t.Errorf("budgets %v seeds %v", p.Budgets, p.Seeds)
	}
	if _, err := PooledDifference(cells[:5], 0.95); err == nil || !strings.Contains(err.Error(), "budget 3 and seed 3") {
		t.Errorf("incomplete design: %v", err)
	}
	if _, err := PooledDifference(append(cells, Cell{2, 1, 0, 0}), 0.95); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeated cell: %v", err)
	}
	one, err := PooledDifference(cells[:2], 0.95)
	if !errors.Is(err, ErrTooFew) || !closeTo(one.Mean, 0.2, 1e-12) || one.ByCell.N != 2 {
		t.Errorf("one seed: %+v, %v", one, err)
	}
}

// A − B = -0.1,-0.2,-0.3: mean -0.2, std 0.1, se 0.057735, half-width
// 0.248414: interval [-0.448, 0.048] contains 0, cannot tell. A − B =
// -0.20,-0.21,-0.19: mean -0.2, std 0.01, half-width 0.024841:
// [-0.2248, -0.1752], A better; relative -0.2/2 = -10%.
func TestCompare(t *testing.T) {
	v, err := Compare("tag", "random", []float64{1.9, 1.8, 1.7}, []float64{2, 2, 2}, 0.95)
	if err != nil || v.Outcome != CannotTell || !strings.Contains(v.Text, "cannot tell (within noise)") {
		t.Errorf("within noise: %+v, %v", v, err)
	}
	v, err = Compare("tag", "random", []float64{1.8, 1.79, 1.81}, []float64{2, 2, 2}, 0.95)
	if err != nil || v.Outcome != ABetter || !closeTo(v.Diff.Hi, -0.175159, 1e-5) || !closeTo(v.Relative, -0.1, 1e-12) {
		t.Errorf("A better: %+v, %v", v, err)
	}
	if !strings.HasPrefix(v.Text, "tag better than random: total loss lower by 0.2 (10.0%)") {
		t.Errorf("text %q", v.Text)
	}
	v, _ = Compare("tag", "mtl", []float64{2, 2, 2}, []float64{1.8, 1.79, 1.81}, 0.95)
	if v.Outcome != BBetter || !strings.HasPrefix(v.Text, "mtl better than tag") {
		t.Errorf("B better: %+v", v)
	}
	v, err = Compare("tag", "mtl", []float64{1}, []float64{3}, 0.95)
	if err != nil || v.Outcome != CannotTell || !strings.Contains(v.Text, "one seed") {
		t.Errorf("one seed: %+v, %v", v, err)
	}
	if _, err := Compare("tag", "mtl", []float64{1, 2}, []float64{3}, 0.95); err == nil || !strings.Contains(err.Error(), "tag with mtl") {
		t.Errorf("mismatch: %v", err)
	}
}

// d1 = d2 = 2 (three groupings, three seeds): P(F > f) = 1/(1 + f) and the
// 95% critical ratio is 19. Groupings 1,3,5 have variance 4; seeds
// 2,2.5,3 have variance 0.25: ratio 16, p = 1/17 = 0.0588 — not
// significant. Groupings 0,4,8 have variance 16: ratio 64, p = 1/65 =
// 0.0154 — grouping matters.
func TestGroupingMatters(t *testing.T) {
	seeds := []float64{2, 2.5, 3}
	g, err := GroupingMatters([]float64{1, 3, 5}, seeds, 0.95)
	if err != nil || !g.Decided || g.Matters || !closeTo(g.Ratio, 16, 1e-12) || !closeTo(g.P, 1.0/17, 1e-12) || !closeTo(g.Critical, 19, 1e-9) {
		t.Errorf("not significant: %+v, %v", g, err)
	}
	if !strings.HasPrefix(g.Text, "grouping does not measurably matter") || !strings.Contains(g.Text, "above 19") {
		t.Errorf("text %q", g.Text)
	}
	g, _ = GroupingMatters([]float64{0, 4, 8}, seeds, 0.95)
	if !g.Matters || !closeTo(g.P, 1.0/65, 1e-12) || !strings.HasPrefix(g.Text, "grouping measurably matters") {
		t.Errorf("significant: %+v", g)
	}
	g, _ = GroupingMatters([]float64{0, 4, 8}, []float64{1}, 0.95)
	if g.Decided || !strings.HasPrefix(g.Text, "cannot tell") {
		t.Errorf("one seed: %+v", g)
	}
	g, _ = GroupingMatters([]float64{0, 4}, []float64{1, 1}, 0.95)
	if !g.Matters || g.P != 0 {
		t.Errorf("no seed noise: %+v", g)
	}
}

// Groupings of two seeds, 1,3,5 and 2,4,6: within-seed sums of squares
// 8 and 8, pooled variance 16/(2+2) = 4 with 4 degrees of freedom (the
// shift of 1 between seeds does not count). Noise 2,2.5,3: variance 0.25,
// 2 degrees of freedom. Ratio 16; with d2 = 2, P(F > 16) = 1 − (1 − x)²
// for x = 2/(2 + 4·16) = 2/66: 1 − (64/66)² = 0.059688.
func TestGroupingMattersBySeed(t *testing.T) {
	g, err := GroupingMattersBySeed([][]float64{{1, 3, 5}, {2, 4, 6}}, []float64{2, 2.5, 3}, 0.95)
	if err != nil || !g.Decided || g.Matters || g.NGroupings != 6 || !closeTo(g.SpreadGroupings, 2, 1e-12) {
		t.Fatalf("%+v, %v", g, err)
	}
	if !closeTo(g.Ratio, 16, 1e-12) || !closeTo(g.P, 1-(64.0/66)*(64.0/66), 1e-12) {
		t.Errorf("ratio %v p %v, want 16 and 0.059688", g.Ratio, g.P)
	}
	g, _ = GroupingMattersBySeed([][]float64{{1}, {2}}, []float64{2, 3}, 0.95)
	if g.Decided || !strings.HasPrefix(g.Text, "cannot tell") {
		t.Errorf("one grouping per seed: %+v", g)
	}
}
