package stats

import (
	"fmt"
	"math"
)

// GroupingEffect tests whether groupings differ by more than training
// noise when every grouping was trained under every seed: x[g][s] is the
// total loss of grouping g under seed s. It is the two-way analysis of
// variance without replication (groupings × seeds, additive model): the
// grouping mean square MS_G = S·Σ_g (x̄_g − x̄)²/(G−1) against the residual
// mean square MS_R = Σ_gs (x_gs − x̄_g − x̄_s + x̄)²/((G−1)(S−1)), which is
// the seed-to-seed noise of one grouping once each seed's common shift is
// removed. Grouping measurably matters when F = MS_G/MS_R exceeds the F
// quantile at level on (G−1, (G−1)(S−1)) degrees of freedom.
//
// In the returned verdict SpreadGroupings is the standard deviation of the
// groupings' mean totals and SpreadSeeds the noise of one grouping's total
// under one seed, √MS_R. With fewer than two groupings or seeds it is not
// decided.
func GroupingEffect(x [][]float64, level float64) (GroupingVerdict, error) {
	if !(level > 0 && level < 1) {
		return GroupingVerdict{}, fmt.Errorf("stats: confidence level %v (want 0 < level < 1, e.g. 0.95)", level)
	}
	G := len(x)
	g := GroupingVerdict{NGroupings: G}
	if G == 0 {
		return g, fmt.Errorf("stats: no groupings")
	}
	S := len(x[0])
	g.NSeeds = S
	for i, row := range x {
		if len(row) != S {
			return GroupingVerdict{}, fmt.Errorf("stats: grouping %d has %d seeds, grouping 0 has %d (every grouping needs every seed)", i, len(row), S)
		}
		if err := checkFinite(fmt.Sprintf("total of grouping %d, seed", i), row); err != nil {
			return GroupingVerdict{}, err
		}
	}
	rowMean := make([]float64, G)
	colMean := make([]float64, S)
	var grand float64
	for i, row := range x {
		for s, v := range row {
			rowMean[i] += v / float64(S)
			colMean[s] += v / float64(G)
			grand += v / float64(G*S)
		}
	}
	g.SpreadGroupings = StdDev(rowMean)
	if G < 2 || S < 2 {
		g.SpreadSeeds = math.NaN()
		g.Text = fmt.Sprintf("cannot tell whether grouping matters: %d groupings under %d seeds (need at least 2 of each)", G, S)
		return g, nil
	}
	var ssG, ssR float64
	for i, row := range x {
		ssG += float64(S) * (rowMean[i] - grand) * (rowMean[i] - grand)
		for s, v := range row {
			r := v - rowMean[i] - colMean[s] + grand
			ssR += r * r
		}
	}
	d1, d2 := float64(G-1), float64((G-1)*(S-1))
	msG, msR := ssG/d1, ssR/d2
	g.SpreadSeeds = math.Sqrt(msR)
	g.varianceRatio(msG, msR, d1, d2, level)
	verb := "does not measurably matter"
	if g.Matters {
		verb = "measurably matters"
	}
	g.Text = fmt.Sprintf("grouping %s: %d groupings × %d seeds, std of the groupings' means %.4g, noise of one grouping's total %.4g, F = %.3g on (%g, %g) df, p = %.3g",
		verb, G, S, g.SpreadGroupings, g.SpreadSeeds, g.Ratio, d1, d2, g.P)
	return g, nil
}

// varianceRatio decides g by the one-sided F test of variance vg (d1
// degrees of freedom) against vs (d2) at level: it sets Decided, Critical,
// Ratio, P and Matters.
func (g *GroupingVerdict) varianceRatio(vg, vs, d1, d2, level float64) {
	g.Decided = true
	g.Critical, _ = FQuantile(level, d1, d2)
	switch {
	case vs > 0:
		g.Ratio = vg / vs
		g.P = FSurvival(g.Ratio, d1, d2)
	case vg > 0:
		g.Ratio, g.P = math.Inf(1), 0
	default:
		g.Ratio, g.P = math.NaN(), 1
	}
	g.Matters = g.P < 1-level
}
