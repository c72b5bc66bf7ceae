package stats

import (
	"math"
	"testing"
)

// TestGroupingEffectByHand checks the two-way analysis against arithmetic
// written out here.
func TestGroupingEffectByHand(t *testing.T) {
	// Three groupings × two seeds. Row means 1.5, 2.5, 4; column means
	// 2.5, 17/6; grand mean 16/6.
	x := [][]float64{{1, 2}, {2, 3}, {4.5, 3.5}}
	g, err := GroupingEffect(x, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	rows := []float64{1.5, 2.5, 4}
	cols := []float64{(1 + 2 + 4.5) / 3, (2 + 3 + 3.5) / 3}
	grand := (1 + 2 + 2 + 3 + 4.5 + 3.5) / 6
	var ssG, ssR float64
	for i, r := range rows {
		ssG += 2 * (r - grand) * (r - grand)
		for s := range 2 {
			e := x[i][s] - r - cols[s] + grand
			ssR += e * e
		}
	}
	// ssG = 2·((1.5−2.6667)² + (2.5−2.6667)² + (4−2.6667)²) = 6.3333;
	// residuals ∓1/3, ∓1/3, ±2/3: ssR = 4/9 + 4/9 = 4/3 on 2 df.
	wantF := (ssG / 2) / (ssR / 2)
	if math.Abs(ssG-6.333333333) > 1e-6 || math.Abs(ssR-4.0/3) > 1e-9 {
		t.Fatalf("hand arithmetic: ssG %g ssR %g", ssG, ssR)
	}
	if math.Abs(g.Ratio-wantF) > 1e-9 || math.Abs(g.SpreadSeeds-math.Sqrt(ssR/2)) > 1e-12 {
		t.Errorf("F %g noise %g, want %g %g", g.Ratio, g.SpreadSeeds, wantF, math.Sqrt(ssR/2))
	}
	// F = 4.75 on (2, 2) df, where P(F > f) = 1/(1+f): p = 0.1739.
	if math.Abs(g.P-1.0/(1+wantF)) > 1e-9 {
		t.Errorf("p %g, want %g", g.P, 1/(1+wantF))
	}
	if !g.Decided || g.Matters != (g.P < 0.05) {
		t.Errorf("verdict %+v", g)
	}
	if math.Abs(g.SpreadGroupings-StdDev(rows)) > 1e-12 {
		t.Errorf("spread of groupings %g, want %g", g.SpreadGroupings, StdDev(rows))
	}
}

// TestGroupingEffectSeedShift checks that a shift common to all groupings
// under one seed is not counted as noise: groupings that differ by a
// constant under every seed are decided to matter.
func TestGroupingEffectSeedShift(t *testing.T) {
	x := [][]float64{{1, 2, 0.5}, {1.1, 2.1, 0.6}, {1.21, 2.2, 0.71}}
	g, err := GroupingEffect(x, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Matters {
		t.Errorf("constant differences under large seed shifts not detected: %s", g.Text)
	}
	if _, err := GroupingEffect([][]float64{{1, 2}, {1}}, 0.95); err == nil {
		t.Error("ragged input accepted")
	}
	if g, _ := GroupingEffect([][]float64{{1}, {2}}, 0.95); g.Decided {
		t.Error("one seed decided")
	}
}
