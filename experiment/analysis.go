package experiment

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tagroup/tag/stats"
)

// Level is the confidence level of every interval and verdict.
const Level = 0.95

// Analysis is the statistical reading of a run's results: does grouping
// measurably matter on this data, and does each grouping method beat random
// groupings and the one-network and one-network-per-task baselines, with
// the confidence stated. Every comparison pairs totals by seed.
type Analysis struct {
	// Level is the confidence level of the intervals (0.95).
	Level float64 `json:"level"`
	// Seeds is the number of repetitions behind every interval.
	Seeds int `json:"seeds"`
	// Grouping says, per budget, whether the spread between random
	// groupings exceeds the seed-to-seed noise of one grouping.
	Grouping []GroupingCheck `json:"grouping,omitempty"`
	// Comparisons holds, per grouping method and budget, its paired
	// difference to each baseline (random, random-best, mtl, stl, and for
	// tag random-sized).
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// Pooled holds each method-baseline difference pooled over budgets,
	// with seeds as the replicates.
	Pooled []Comparison `json:"pooled,omitempty"`
	// Consensus holds, per budget, the recommended grouping and its
	// stability across seeds.
	Consensus []Consensus `json:"consensus,omitempty"`
	// Verdict is a paragraph that states all of the above in words.
	Verdict string `json:"verdict"`
}

// GroupingCheck is stats.GroupingEffect at one budget: the random
// groupings, each trained under every seed.
type GroupingCheck struct {
	Budget string `json:"budget"`
	// Decided is false when there are too few groupings or seeds.
	Decided bool `json:"decided"`
	// Matters is true when random groupings differ by more than noise.
	Matters bool `json:"matters"`
	// SpreadGroupings is the standard deviation of the random groupings'
	// mean totals; SpreadSeeds the noise of one grouping's total under one
	// seed (the two-way residual).
	// Each is absent when it cannot be estimated.
	SpreadGroupings *float64 `json:"spread_groupings,omitempty"`
	SpreadSeeds     *float64 `json:"spread_seeds,omitempty"`
	// P is the one-sided p-value of the variance-ratio test.
	P *float64 `json:"p,omitempty"`
}

// Comparison is the paired difference of a method's total test loss to a
// baseline's, over seeds.
type Comparison struct {
	Method   string `json:"method"`
	Baseline string `json:"baseline"`
	// Budget is the budget, or "pooled" for a difference pooled over
	// budgets.
	Budget string `json:"budget"`
	// Mean is the mean difference method − baseline (negative: the method
	// has the lower loss); Lo and Hi bound its interval (absent with one
	// seed).
	Mean float64  `json:"mean"`
	Lo   *float64 `json:"lo,omitempty"`
	Hi   *float64 `json:"hi,omitempty"`
	// StdErr is the standard error of Mean (absent with one seed).
	StdErr *float64 `json:"std_err,omitempty"`
	// Relative is Mean as a fraction of the baseline's mean total.
	Relative float64 `json:"relative"`
	// Outcome is "better", "worse" or "cannot tell" (for the method).
	Outcome string `json:"outcome"`
	// Percentile, against random and random-sized only, is the method's mean percentile
	// among the random groupings of the same seed (0: better than all).
	Percentile *float64 `json:"percentile,omitempty"`
}

// Outcomes of a comparison, from the method's side.
const (
	Better     = "better"
	Worse      = "worse"
	CannotTell = "cannot tell"
)

// baselines are the methods every grouping method is compared with, in
// order; random-sized, which takes tag's group sizes, only with tag.
var baselines = []string{Random, RandomSized, RandomBest, MTL, STL}

// Analyze computes the Analysis of r.
func Analyze(r *Results) *Analysis {
	a := &Analysis{Level: Level, Seeds: len(r.Seeds)}
	var budgets []string
	for _, k := range r.Budgets {
		budgets = append(budgets, strconv.Itoa(k))
	}
	total := func(m, k string) []float64 {
		mr, ok := r.Methods[m]
		if !ok {
			return nil
		}
		if b, ok := mr.Budgets[AllBudgets]; ok {
			return b.TotalTestLossSeeds
		}
		if b, ok := mr.Budgets[k]; ok {
			return b.TotalTestLossSeeds
		}
		return nil
	}
	if rnd, ok := r.Methods[Random]; ok {
		for _, k := range budgets {
			g, err := stats.GroupingEffect(transpose(rnd.Budgets[k].TotalTestLossDraws), Level)
			if err != nil {
				continue
			}
			a.Grouping = append(a.Grouping, GroupingCheck{Budget: k, Decided: g.Decided, Matters: g.Matters,
				SpreadGroupings: finite(g.SpreadGroupings), SpreadSeeds: finite(g.SpreadSeeds), P: finite(g.P)})
		}
	}
	for _, m := range Methods {
		mr, ok := r.Methods[m]
		if !ok || slices.Contains(baselines, m) {
			continue
		}
		if _, fixed := mr.Budgets[AllBudgets]; fixed {
			continue // a one-network method is compared as a baseline only
		}
		for _, base := range baselines {
			if _, ok := r.Methods[base]; !ok || base == RandomSized && m != TAG {
				continue
			}
			var cells []stats.Cell
			for _, k := range budgets {
				x, y := total(m, k), total(base, k)
				if len(x) == 0 || len(x) != len(y) {
					continue
				}
				c := compare(m, base, k, x, y)
				if base == Random || base == RandomSized {
					c.Percentile = percentile(x, r.Methods[base].Budgets[k].TotalTestLossDraws)
				}
				a.Comparisons = append(a.Comparisons, c)
				kk, _ := strconv.Atoi(k)
				for s := range x {
					cells = append(cells, stats.Cell{Budget: kk, Seed: s, A: x[s], B: y[s]})
				}
			}
			if len(budgets) > 1 && len(cells) > 0 {
				a.Pooled = append(a.Pooled, pooled(m, base, cells))
			}
		}
	}
	a.Consensus = consensusOf(r)
	a.Verdict = a.verdict()
	return a
}

// compare is the paired comparison of x (method) with y (baseline).
func compare(m, base, k string, x, y []float64) Comparison {
	c := Comparison{Method: m, Baseline: base, Budget: k, Outcome: CannotTell}
	v, err := stats.Compare(m, base, x, y, Level)
	if err != nil {
		return c
	}
	c.Mean, c.Relative = v.Diff.Mean, v.Relative
	c.Lo, c.Hi, c.StdErr = finite(v.Diff.Lo), finite(v.Diff.Hi), finite(v.Diff.StdErr)
	switch v.Outcome {
	case stats.ABetter:
		c.Outcome = Better
	case stats.BBetter:
		c.Outcome = Worse
	}
	return c
}

// pooled is the difference of m to base pooled over budgets, seeds as
// replicates.
func pooled(m, base string, cells []stats.Cell) Comparison {
	c := Comparison{Method: m, Baseline: base, Budget: "pooled", Outcome: CannotTell}
	p, err := stats.PooledDifference(cells, Level)
	if err != nil && !errors.Is(err, stats.ErrTooFew) {
		return c
	}
	c.Mean = p.Mean
	var bsum float64
	for _, cell := range cells {
		bsum += cell.B / float64(len(cells))
	}
	c.Relative = p.Mean / bsum
	if err == nil {
		c.Lo, c.Hi, c.StdErr = finite(p.BySeed.Lo), finite(p.BySeed.Hi), finite(p.BySeed.StdErr)
		switch {
		case p.BySeed.Hi < 0:
			c.Outcome = Better
		case p.BySeed.Lo > 0:
			c.Outcome = Worse
		}
	}
	return c
}

// percentile is the mean over seeds of stats.Percentile of x[s] among the
// random groupings of seed s.
func percentile(x []float64, draws [][]float64) *float64 {
	if len(draws) != len(x) {
		return nil
	}
	var sum float64
	for s := range x {
		sum += stats.Percentile(x[s], draws[s]) / float64(len(x))
	}
	return finite(sum)
}

// finite returns &v, or nil for NaN and infinities (which JSON cannot hold).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// verdict states the analysis in one paragraph.
func (a *Analysis) verdict() string {
	var b strings.Builder
	if a.Seeds < 2 {
		fmt.Fprintf(&b, "One seed: no difference below can be told from training noise; rerun with -seeds 3 or more before deciding. ")
	} else {
		fmt.Fprintf(&b, "Over %d seeds, %.0f%% intervals, differences paired by seed. ", a.Seeds, 100*a.Level)
	}
	var yes, no, undecided []string
	for _, g := range a.Grouping {
		switch {
		case !g.Decided:
			undecided = append(undecided, g.Budget)
		case g.Matters:
			yes = append(yes, g.Budget)
		default:
			no = append(no, g.Budget)
		}
	}
	if len(yes)+len(no) > 0 {
		b.WriteString("Does grouping matter on this data? ")
		if len(yes) > 0 {
			fmt.Fprintf(&b, "yes at k = %s (random groupings differ by more than one network's seed-to-seed noise)", strings.Join(yes, ", "))
		}
		if len(no) > 0 {
			if len(yes) > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "not measurably at k = %s (random groupings differ no more than seeds do: no method can be expected to find better groups there)", strings.Join(no, ", "))
		}
		b.WriteString(". ")
	} else if len(undecided) > 0 {
		b.WriteString("Whether grouping matters cannot be told (too few seeds or random groupings). ")
	}
	type key struct{ m, base string }
	by := map[key]map[string][]string{}
	var order []key
	for _, c := range a.Comparisons {
		k := key{c.Method, c.Baseline}
		if by[k] == nil {
			by[k] = map[string][]string{}
			order = append(order, k)
		}
		by[k][c.Outcome] = append(by[k][c.Outcome], c.Budget)
	}
	for _, k := range order {
		var parts []string
		for _, o := range []string{Better, Worse, CannotTell} {
			if ks := by[k][o]; len(ks) > 0 {
				parts = append(parts, fmt.Sprintf("%s at k = %s", o, strings.Join(ks, ", ")))
			}
		}
		line := fmt.Sprintf("%s vs %s: %s", k.m, k.base, strings.Join(parts, "; "))
		for _, p := range a.Pooled {
			if p.Method == k.m && p.Baseline == k.base {
				if p.Lo != nil {
					line += fmt.Sprintf(" (pooled over budgets: %s, %+.1f%% [%+.4g, %+.4g])", p.Outcome, 100*p.Relative, *p.Lo, *p.Hi)
				} else {
					line += fmt.Sprintf(" (pooled over budgets: %+.1f%%)", 100*p.Relative)
				}
			}
		}
		b.WriteString(line + ". ")
	}
	return strings.TrimSpace(b.String())
}

// transpose turns per-seed rows of per-grouping totals into per-grouping
// rows of per-seed totals (nil for ragged or empty input).
func transpose(bySeed [][]float64) [][]float64 {
	if len(bySeed) == 0 {
		return nil
	}
	out := make([][]float64, len(bySeed[0]))
	for g := range out {
		for _, row := range bySeed {
			if len(row) != len(out) {
				return nil
			}
			out[g] = append(out[g], row[g])
		}
	}
	return out
}
