package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Cell is one paired measurement of two methods in one (budget, seed)
// cell of an experiment: A and B are their totals (losses).
type Cell struct {
	Budget int
	Seed   int
	A, B   float64
}

// Pooled is a paired difference A − B pooled over (budget, seed) cells.
type Pooled struct {
	// Mean is the mean of A − B over all cells.
	Mean float64
	// BySeed treats seeds as the independent replicates: each seed's mean
	// difference over the budgets is one value, and the interval is taken
	// over seeds. Budgets of one seed share that seed's affinity run, so
	// their differences are not independent; this is the interval to
	// judge by.
	BySeed Interval
	// ByCell treats every cell as independent (n = budgets × seeds); it is
	// narrower and optimistic when cells of a seed are correlated.
	ByCell Interval
	// Budgets and Seeds list the distinct budgets and seeds in increasing
	// order.
	Budgets, Seeds []int
}

// PooledDifference pools the paired differences A − B of cells over
// budgets and seeds (see Pooled). The design must be complete: every seed
// has exactly one cell for every budget that occurs; the error names the
// first missing or repeated cell. With a single seed, BySeed has no
// interval and the error is ErrTooFew (Mean and ByCell are still filled
// when there are two cells or more).
func PooledDifference(cells []Cell, level float64) (Pooled, error) {
	if len(cells) == 0 {
		return Pooled{}, errors.New("stats: no cells to pool")
	}
	var p Pooled
	seen := map[[2]int]bool{}
	for _, c := range cells {
		if seen[[2]int{c.Budget, c.Seed}] {
			return Pooled{}, fmt.Errorf("stats: cell (budget %d, seed %d) appears twice", c.Budget, c.Seed)
		}
		seen[[2]int{c.Budget, c.Seed}] = true
		if !slices.Contains(p.Budgets, c.Budget) {
			p.Budgets = append(p.Budgets, c.Budget)
		}
		if !slices.Contains(p.Seeds, c.Seed) {
			p.Seeds = append(p.Seeds, c.Seed)
		}
	}
	slices.Sort(p.Budgets)
	slices.Sort(p.Seeds)
	for _, s := range p.Seeds {
		for _, b := range p.Budgets {
			if !seen[[2]int{b, s}] {
				return Pooled{}, fmt.Errorf("stats: no cell for budget %d and seed %d (every seed needs every budget)", b, s)
			}
		}
	}
	diffs := make([]float64, len(cells))
	perSeed := make([]float64, len(p.Seeds))
	for i, c := range cells {
		diffs[i] = c.A - c.B
		perSeed[slices.Index(p.Seeds, c.Seed)] += diffs[i] / float64(len(p.Budgets))
	}
	p.Mean = Mean(diffs)
	var errCell, errSeed error
	p.ByCell, errCell = MeanInterval(diffs, level)
	p.BySeed, errSeed = MeanInterval(perSeed, level)
	if errCell != nil && !errors.Is(errCell, ErrTooFew) {
		return Pooled{}, errCell
	}
	return p, errSeed
}

// Outcome is the result of comparing two methods.
type Outcome int

const (
	// CannotTell: the interval of the difference contains 0 (or there
	// are too few seeds for an interval); the methods are within noise.
	CannotTell Outcome = iota
	// ABetter: A's total loss is significantly lower than B's.
	ABetter
	// BBetter: B's total loss is significantly lower than A's.
	BBetter
)

// String returns "cannot tell", "A better" or "B better".
func (o Outcome) String() string {
	switch o {
	case ABetter:
		return "A better"
	case BBetter:
		return "B better"
	}
	return "cannot tell"
}

// Verdict compares two methods measured under the same seeds.
type Verdict struct {
	// A and B name the methods.
	A, B string
	// Outcome says which is better, or that the data cannot tell.
	Outcome Outcome
	// Diff is the interval of the mean paired difference A − B (its
	// bounds are NaN with fewer than two seeds).
	Diff Interval
	// Relative is Diff.Mean as a fraction of B's mean total.
	Relative float64
	// Text states the verdict in one sentence, with the interval.
	Text string
}

// Compare says whether method A or method B has the lower total loss,
// from their totals paired by seed (totalsA[i] and totalsB[i] under seed
// i): A is better when the whole interval of A − B at the given level lies
// below 0, B when it lies above 0, and otherwise the verdict is that the
// data cannot tell (within noise). With fewer than two seeds the outcome
// is CannotTell and the text says why; an error means mismatched inputs or
// an invalid level.
func Compare(a, b string, totalsA, totalsB []float64, level float64) (Verdict, error) {
	v := Verdict{A: a, B: b}
	d, err := Differences(totalsA, totalsB)
	if err != nil {
		return v, fmt.Errorf("comparing %s with %s: %w", a, b, err)
	}
	if len(d) == 0 {
		return v, fmt.Errorf("comparing %s with %s: no seeds", a, b)
	}
	v.Diff, err = MeanInterval(d, level)
	if err != nil && !errors.Is(err, ErrTooFew) {
		return v, fmt.Errorf("comparing %s with %s: %w", a, b, err)
	}
	v.Relative = v.Diff.Mean / Mean(totalsB)
	pct := fmt.Sprintf("%.0f%%", 100*level)
	switch {
	case errors.Is(err, ErrTooFew):
		v.Text = fmt.Sprintf("%s vs %s: cannot tell from one seed (%s − %s = %+.4g); repeat with more seeds for an interval", a, b, a, b, v.Diff.Mean)
	case v.Diff.Hi < 0:
		v.Outcome = ABetter
		v.Text = fmt.Sprintf("%s better than %s: total loss lower by %.4g (%.1f%%); %s interval of %s − %s [%+.4g, %+.4g] over %d seeds",
			a, b, -v.Diff.Mean, -100*v.Relative, pct, a, b, v.Diff.Lo, v.Diff.Hi, v.Diff.N)
	case v.Diff.Lo > 0:
		v.Outcome = BBetter
		v.Text = fmt.Sprintf("%s better than %s: total loss lower by %.4g (%.1f%%); %s interval of %s − %s [%+.4g, %+.4g] over %d seeds",
			b, a, v.Diff.Mean, 100*v.Diff.Mean/Mean(totalsA), pct, a, b, v.Diff.Lo, v.Diff.Hi, v.Diff.N)
	default:
		v.Text = fmt.Sprintf("%s vs %s: cannot tell (within noise); %s − %s = %+.4g, %s interval [%+.4g, %+.4g] over %d seeds contains 0",
			a, b, a, b, v.Diff.Mean, pct, v.Diff.Lo, v.Diff.Hi, v.Diff.N)
	}
	return v, nil
}

// GroupingVerdict says whether the choice of grouping measurably changes
// the total loss on a data set.
type GroupingVerdict struct {
	// Decided is false when there are too few values for the test (fewer
	// than two groupings or two seeds).
	Decided bool
	// Matters is true when the spread between groupings is significantly
	// larger than the seed-to-seed noise.
	Matters bool
	// SpreadGroupings is the standard deviation of the totals of different
	// groupings (pooled within seeds by GroupingMattersBySeed);
	// SpreadSeeds that of one grouping's totals over seeds.
	SpreadGroupings, SpreadSeeds float64
	// NGroupings and NSeeds count the values behind each spread.
	NGroupings, NSeeds int
	// Ratio is the variance ratio SpreadGroupings²/SpreadSeeds², P its
	// one-sided p-value under F(NGroupings−1, NSeeds−1) (F(Σ(n_s−1),
	// NSeeds−1) when pooled over seeds), and Critical the ratio the test
	// needs at the given level.
	Ratio, P, Critical float64
	// Text states the verdict in one sentence.
	Text string
}

// GroupingMatters compares the spread between random groupings (the totals
// of different groupings, trained like any other) with the seed-to-seed
// noise of one grouping (its totals under several seeds), by the one-sided
// F test of two variances at the given level (see the package comment).
// Grouping measurably matters when the variance ratio exceeds the F
// quantile at level; otherwise the differences between groupings are not
// distinguishable from training noise with these numbers of values.
func GroupingMatters(groupings, seeds []float64, level float64) (GroupingVerdict, error) {
	return GroupingMattersBySeed([][]float64{groupings}, seeds, level)
}

// GroupingMattersBySeed is GroupingMatters with random groupings drawn and
// trained under several seeds: groupings[s] holds the totals of the
// groupings of seed s, and their spread is the pooled within-seed variance
// Σ_s Σ_g (x_sg − mean_s)² / Σ_s (n_s − 1), so that seed-to-seed shifts of
// the level do not count as differences between groupings. Seeds with a
// single grouping add nothing.
func GroupingMattersBySeed(groupings [][]float64, seeds []float64, level float64) (GroupingVerdict, error) {
	if !(level > 0 && level < 1) {
		return GroupingVerdict{}, fmt.Errorf("stats: confidence level %v (want 0 < level < 1, e.g. 0.95)", level)
	}
	var ss float64
	dfG := 0
	g := GroupingVerdict{NSeeds: len(seeds), SpreadSeeds: StdDev(seeds)}
	for s, xs := range groupings {
		if err := checkFinite(fmt.Sprintf("grouping total of seed %d", s), xs); err != nil {
			return GroupingVerdict{}, err
		}
	}
	if err := checkFinite("seed total", seeds); err != nil {
		return GroupingVerdict{}, err
	}
	for _, xs := range groupings {
		g.NGroupings += len(xs)
		if len(xs) < 2 {
			continue
		}
		m := Mean(xs)
		for _, x := range xs {
			ss += (x - m) * (x - m)
		}
		dfG += len(xs) - 1
	}
	if dfG < 1 || len(seeds) < 2 {
		g.SpreadGroupings = math.NaN()
		if dfG >= 1 {
			g.SpreadGroupings = math.Sqrt(ss / float64(dfG))
		}
		g.Text = fmt.Sprintf("cannot tell whether grouping matters: %d groupings and %d seeds (need at least 2 of each)", g.NGroupings, len(seeds))
		return g, nil
	}
	g.SpreadGroupings = math.Sqrt(ss / float64(dfG))
	g.Decided = true
	d1, d2 := float64(dfG), float64(len(seeds)-1)
	g.Critical, _ = FQuantile(level, d1, d2)
	vg, vs := g.SpreadGroupings*g.SpreadGroupings, g.SpreadSeeds*g.SpreadSeeds
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
	var b strings.Builder
	if g.Matters {
		b.WriteString("grouping measurably matters")
	} else {
		b.WriteString("grouping does not measurably matter")
	}
	fmt.Fprintf(&b, ": spread between %d groupings (std %.4g) vs seed-to-seed noise over %d seeds (std %.4g), variance ratio %.3g, p = %.3g",
		g.NGroupings, g.SpreadGroupings, g.NSeeds, g.SpreadSeeds, g.Ratio, g.P)
	if !g.Matters {
		fmt.Fprintf(&b, " (a ratio above %.3g would be needed at %.0f%%)", g.Critical, 100*level)
	}
	g.Text = b.String()
	return g, nil
}

// checkFinite reports the first NaN or infinite value of xs.
func checkFinite(what string, xs []float64) error {
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("stats: %s %d is %v", what, i, x)
		}
	}
	return nil
}
