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
	a.Verdict = a.verdict(r)
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

// verdict states the analysis in a few lines: the recommendation first
// (at most five lines), then one line per budget (does grouping matter;
// the recommended grouping with its stability; the main method against
// random, mtl and stl), then the pooled line. Every pairwise comparison
// is in Comparisons and Pooled.
func (a *Analysis) verdict(r *Results) string {
	var lines []string
	if rec := Recommend(r, a); rec != nil {
		lines = append(lines, fmt.Sprintf("Recommendation: serve %s: %s (%s).", networksWord(rec.Budget), FormatStable(rec.Groups, rec.Together, rec.TogetherBootstrap), rec.Option))
		lines = append(lines, rec.Reason)
		switch {
		case len(rec.Together) > 0 && len(rec.TogetherBootstrap) > 0:
			lines = append(lines, fmt.Sprintf("(%%: share of the seeds whose own tag grouping put the group's tasks together; boot: share of %d bootstrap resamples of the measured trajectories' epochs.)", BootstrapResamples))
		case len(rec.Together) > 0:
			lines = append(lines, "(%: share of the seeds whose own tag grouping put the group's tasks together.)")
		}
	}
	if len(lines) > 0 {
		lines[len(lines)-1] += "\n" // a blank line after the recommendation
	}
	if a.Seeds < 2 {
		lines = append(lines, "One seed: no difference below can be told from training noise; rerun with -seeds 3 or more before deciding.")
	} else {
		lines = append(lines, fmt.Sprintf("Over %d seeds, %.0f%% intervals, differences paired by seed:", a.Seeds, 100*a.Level))
	}
	main := a.mainMethod()
	matters, _ := a.groupingMatters()
	checks := map[string]GroupingCheck{}
	for _, g := range a.Grouping {
		checks[g.Budget] = g
	}
	cons := map[string]Consensus{}
	for _, c := range a.Consensus {
		cons[c.Budget] = c
	}
	for _, k := range r.Budgets {
		key := strconv.Itoa(k)
		var parts []string
		if g, ok := checks[key]; ok {
			switch {
			case !g.Decided:
				parts = append(parts, "whether grouping matters cannot be told")
			case g.Matters:
				parts = append(parts, "grouping matters (random groupings differ by more than seeds do)")
			case slices.Contains(matters, key):
				parts = append(parts, fmt.Sprintf("grouping matters (%s beats random groupings, although they differ no more than seeds do)", main))
			default:
				parts = append(parts, "grouping does not measurably matter (random groupings differ no more than seeds do)")
			}
		}
		if c, ok := cons[key]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", c.Method, FormatStable(c.Groups, c.Together, c.TogetherBootstrap)))
		}
		if vs := a.against(main, key, a.Comparisons); vs != "" {
			parts = append(parts, main+" "+vs)
		}
		if len(parts) > 0 {
			lines = append(lines, fmt.Sprintf("k = %d: %s.", k, strings.Join(parts, "; ")))
		}
	}
	if vs := a.against(main, "pooled", a.Pooled); vs != "" {
		lines = append(lines, fmt.Sprintf("Pooled over budgets: %s %s.", main, vs))
	}
	return strings.Join(lines, "\n")
}

// mainMethod is the method the verdict's budget lines speak of:
// tag-consensus when it ran, else tag, else the first grouping method
// compared.
func (a *Analysis) mainMethod() string {
	for _, m := range []string{TAGConsensus, TAG} {
		for _, c := range a.Comparisons {
			if c.Method == m {
				return m
			}
		}
	}
	if len(a.Comparisons) > 0 {
		return a.Comparisons[0].Method
	}
	return ""
}

// against states method m's comparisons at budget key with random, mtl
// and stl: "vs random better −2.7% [−0.080, −0.008], vs mtl …".
func (a *Analysis) against(m, key string, cs []Comparison) string {
	var parts []string
	for _, base := range []string{Random, MTL, STL} {
		for _, c := range cs {
			if c.Method != m || c.Baseline != base || c.Budget != key {
				continue
			}
			s := fmt.Sprintf("vs %s %s %+.1f%%", base, c.Outcome, 100*c.Relative)
			if c.Lo != nil {
				s += fmt.Sprintf(" [%+.3g, %+.3g]", *c.Lo, *c.Hi)
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// FormatStable writes groups as "{a, b} {c}", each followed by its
// stability in percent when together is set ("{a, b} 100%"), and by its
// stability across bootstrap resamples when boot is set ("{a, b} 100%
// (boot 95%)").
func FormatStable(groups [][]string, together, boot []float64) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = "{" + strings.Join(g, ", ") + "}"
		if i < len(together) {
			parts[i] += fmt.Sprintf(" %.0f%%", 100*together[i])
		}
		if i < len(boot) {
			parts[i] += fmt.Sprintf(" (boot %.0f%%)", 100*boot[i])
		}
	}
	return strings.Join(parts, " ")
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
