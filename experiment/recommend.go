package experiment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Consensus is the grouping recommended at one budget and how stable it
// is: how often the seeds' own tag groupings agreed with it.
type Consensus struct {
	Budget string `json:"budget"`
	// Method is the method whose groups these are: tag-consensus, or tag
	// (its first seed's groups) when tag-consensus did not run.
	Method string     `json:"method"`
	Groups [][]string `json:"groups"`
	// Together holds, for each group, the share of seeds whose own tag
	// grouping put its tasks together (see Together); absent when tag did
	// not run.
	Together []float64 `json:"together,omitempty"`
	// TogetherBootstrap is the share of bootstrap resamples of the measured
	// trajectories whose consensus put each group's tasks together
	// (BudgetResult.TogetherBootstrap; tag-consensus only).
	TogetherBootstrap []float64 `json:"together_bootstrap,omitempty"`
}

// Recommendation is what to serve: the number of networks, their groups,
// and why.
type Recommendation struct {
	// Budget is the number of networks to serve.
	Budget int `json:"budget"`
	// Option names the option recommended: "mtl" (one network for all
	// tasks), "stl" (one per task), or the method and budget of a grouping
	// ("tag-consensus k=3").
	Option string     `json:"option"`
	Groups [][]string `json:"groups"`
	// Together and TogetherBootstrap are the stability of each group
	// (Consensus.Together, Consensus.TogetherBootstrap).
	Together          []float64 `json:"together,omitempty"`
	TogetherBootstrap []float64 `json:"together_bootstrap,omitempty"`
	// GroupingMatters is true when, at some budget, random groupings
	// differ by more than one grouping's seed-to-seed noise.
	GroupingMatters bool `json:"grouping_matters"`
	// Settled is false when the recommended option is not the best one
	// measured and its mean total is worse than the best's by more than
	// RecommendMargin, so that it is recommended only because the seeds
	// cannot tell the two apart: more seeds could change the
	// recommendation. With one seed nothing is settled.
	Settled bool `json:"settled"`
	// Reason states the rule, the best option measured, the saving and
	// whether grouping matters, in a few sentences.
	Reason string `json:"reason"`
}

// option is one way to serve the tasks that Recommend weighs.
type option struct {
	label    string
	budget   string // the budget's key, "" for mtl and stl
	networks int
	groups   [][]string
	together []float64
	boot     []float64
	totals   []float64
}

func (o option) mean() float64 {
	var s float64
	for _, v := range o.totals {
		s += v / float64(len(o.totals))
	}
	return s
}

// Together returns, for each group of groups, the share of the groupings
// bySeed that put its tasks together: for a group of two or more, the mean
// over its pairs of the share of groupings with both tasks in one group;
// for a task alone, the share of groupings that leave it alone. It is nil
// without groupings.
func Together(groups [][]string, bySeed [][][]string) []float64 {
	if len(bySeed) == 0 {
		return nil
	}
	same := func(g [][]string, a, b string) bool {
		return slices.ContainsFunc(g, func(x []string) bool {
			return slices.Contains(x, a) && slices.Contains(x, b) && (a != b || len(x) == 1)
		})
	}
	out := make([]float64, len(groups))
	for i, g := range groups {
		var sum float64
		var pairs int
		for a := range g {
			for b := a + 1; b < len(g); b++ {
				pairs++
				for _, s := range bySeed {
					if same(s, g[a], g[b]) {
						sum++
					}
				}
			}
		}
		if len(g) == 1 {
			pairs = 1
			for _, s := range bySeed {
				if same(s, g[0], g[0]) {
					sum++
				}
			}
		}
		out[i] = sum / float64(pairs*len(bySeed))
	}
	return out
}

// seedGroups returns the grouping of every seed of b.
func seedGroups(b *BudgetResult, seeds int) [][][]string {
	if len(b.GroupsBySeed) > 0 {
		return b.GroupsBySeed
	}
	out := make([][][]string, seeds)
	for i := range out {
		out[i] = b.Groups
	}
	return out
}

// consensusOf returns the recommended grouping at each budget of r: the
// groups of tag-consensus (or of tag's first seed), with their stability
// across tag's per-seed groupings.
func consensusOf(r *Results) []Consensus {
	src := TAGConsensus
	if _, ok := r.Methods[src]; !ok {
		src = TAG
	}
	mr, ok := r.Methods[src]
	if !ok {
		return nil
	}
	var out []Consensus
	for _, k := range r.Budgets {
		key := strconv.Itoa(k)
		b, ok := mr.Budgets[key]
		if !ok || len(b.Groups) == 0 {
			continue
		}
		c := Consensus{Budget: key, Method: src, Groups: b.Groups, TogetherBootstrap: b.TogetherBootstrap}
		if tag, ok := r.Methods[TAG]; ok && tag.Budgets[key] != nil {
			c.Together = Together(b.Groups, seedGroups(tag.Budgets[key], max(len(r.Seeds), 1)))
		}
		out = append(out, c)
	}
	return out
}

// RecommendMargin is the share of the best option's total test loss
// within which Recommend counts an option as good as the best even when
// the difference is significant: a consistent difference of under 1% is not
// worth a network more.
const RecommendMargin = 0.01

// RecommendRule states how Recommend chooses.
const RecommendRule = "the fewest networks whose total test loss is not significantly worse (95%, paired by seed) than the best option measured, or worse by less than 1% of it"

// Recommend returns what to serve, from r and its analysis a: among one
// network for all tasks (mtl), the recommended grouping of each budget
// (a.Consensus) and one network per task (stl), the option with the fewest
// networks whose total test loss is not significantly worse than that of
// the option with the lowest mean (ties: the lower mean). With one seed
// nothing can be tested and the lowest mean is recommended. It returns nil
// when none of these options ran.
func Recommend(r *Results, a *Analysis) *Recommendation {
	n := len(r.Tasks)
	var opts []option
	if b := allBudgets(r, MTL); b != nil {
		opts = append(opts, option{label: "mtl", networks: 1, groups: [][]string{r.Tasks}, totals: b.TotalTestLossSeeds})
	}
	for _, c := range a.Consensus {
		b := r.Methods[c.Method].Budgets[c.Budget]
		opts = append(opts, option{label: c.Method + " k=" + c.Budget, budget: c.Budget, networks: len(c.Groups),
			groups: c.Groups, together: c.Together, boot: c.TogetherBootstrap, totals: b.TotalTestLossSeeds})
	}
	if b := allBudgets(r, STL); b != nil {
		groups := make([][]string, n)
		for i, t := range r.Tasks {
			groups[i] = []string{t}
		}
		opts = append(opts, option{label: "stl", networks: n, groups: groups, totals: b.TotalTestLossSeeds})
	}
	opts = slices.DeleteFunc(opts, func(o option) bool { return len(o.totals) == 0 })
	if len(opts) == 0 {
		return nil
	}
	best := opts[0]
	for _, o := range opts[1:] {
		if o.mean() < best.mean() {
			best = o
		}
	}
	tested := a.Seeds >= 2
	pick := best
	var pickCmp Comparison
	if tested {
		for _, o := range opts {
			if len(o.totals) != len(best.totals) {
				continue
			}
			c := compare(o.label, best.label, "", o.totals, best.totals)
			if c.Outcome == Worse && c.Relative >= RecommendMargin {
				continue
			}
			if o.networks < pick.networks || o.networks == pick.networks && o.mean() < pick.mean() {
				pick, pickCmp = o, c
			}
		}
	}
	rec := &Recommendation{Budget: pick.networks, Option: pick.label, Groups: pick.groups, Together: pick.together, TogetherBootstrap: pick.boot}
	matters, flat := a.groupingMatters()
	rec.GroupingMatters = len(matters) > 0
	var why []string
	names := func(o option) string {
		switch o.label {
		case "mtl":
			return "One network for all tasks (mtl)"
		case "stl":
			return fmt.Sprintf("One network per task (stl, %d networks)", n)
		}
		return fmt.Sprintf("%s (%d networks)", o.label, o.networks)
	}
	if !tested {
		why = append(why, fmt.Sprintf("One seed: no difference can be told from training noise, so this is only the lowest total test loss measured (%.4g); rerun with -seeds 3 or more before deciding.", best.mean()))
	} else {
		why = append(why, fmt.Sprintf("Rule: %s (%s, total %.4g), among %s.", RecommendRule, best.label, best.mean(), optionList(opts)))
		fewest := slices.MinFunc(opts, func(x, y option) int { return x.networks - y.networks }).networks
		switch {
		case pick.label == best.label && pick.networks == fewest:
			why = append(why, fmt.Sprintf("%s has the lowest loss and the fewest networks.", names(pick)))
		case pick.label == best.label:
			why = append(why, fmt.Sprintf("%s has the lowest loss, and every option with fewer networks is significantly worse.", names(pick)))
		default:
			within := "not significantly worse"
			if pickCmp.Outcome == Worse {
				within = "within the 1% margin"
			}
			why = append(why, fmt.Sprintf("%s: %+.1f%% total test loss against %s, %s.", names(pick), 100*pickCmp.Relative, best.label, within))
		}
	}
	rec.Settled = tested
	if tested && pick.label != best.label && pickCmp.Relative > RecommendMargin && pickCmp.Hi != nil {
		rec.Settled = false
		why = append(why, fmt.Sprintf("Not settled: its mean is %+.1f%% above %s's, recommended only because the seeds cannot tell the two apart (the 95%% interval reaches %+.1f%%); rerun with more seeds (-seeds) to settle it, or serve %s to be safe.",
			100*pickCmp.Relative, best.label, 100**pickCmp.Hi/best.mean(), best.label))
	}
	if pick.networks < n {
		why = append(why, fmt.Sprintf("Saving: %s to train and serve instead of %d (one per task).", networksWord(pick.networks), n))
	} else if g, ok := bestGrouping(opts); ok && tested {
		why = append(why, fmt.Sprintf("If fewer networks must serve, the best grouping measured is %s: %s, %+.1f%% against %s.",
			g.label, FormatStable(g.groups, g.together, g.boot), 100*(g.mean()-pick.mean())/pick.mean(), pick.label))
	}
	switch {
	case len(matters) == 0 && len(flat) > 0:
		why = append(why, fmt.Sprintf("Which tasks share a network does not measurably matter here: random groupings differ no more than seeds do at k = %s", strings.Join(flat, ", ")))
		if pick.budget != "" {
			why[len(why)-1] += fmt.Sprintf("; any %d groups are expected to serve as well as these.", pick.networks)
		} else {
			why[len(why)-1] += "; the cheapest option that is not worse is recommended."
		}
	case pick.budget != "" && slices.Contains(flat, pick.budget):
		why = append(why, fmt.Sprintf("Grouping matters at k = %s but not measurably at k = %s: any %s groups are expected to serve as well as these.", strings.Join(matters, ", "), pick.budget, pick.budget))
	case len(matters) > 0:
		why = append(why, fmt.Sprintf("Grouping measurably matters at k = %s.", strings.Join(matters, ", ")))
	}
	rec.Reason = strings.Join(why, " ")
	return rec
}

// bestGrouping returns the budget option (a grouping, not mtl or stl)
// with the lowest mean total.
func bestGrouping(opts []option) (option, bool) {
	var best option
	found := false
	for _, o := range opts {
		if o.budget != "" && (!found || o.mean() < best.mean()) {
			best, found = o, true
		}
	}
	return best, found
}

// groupingMatters returns the budgets at which grouping measurably matters
// (random groupings differ by more than seeds do, or the recommended
// grouping's method is significantly better than random groupings) and
// those at which it was tested and does not.
func (a *Analysis) groupingMatters() (matters, flat []string) {
	main := a.mainMethod()
	beats := map[string]bool{}
	for _, c := range a.Comparisons {
		if c.Method == main && c.Baseline == Random && c.Outcome == Better {
			beats[c.Budget] = true
		}
	}
	for _, g := range a.Grouping {
		switch {
		case g.Decided && g.Matters || beats[g.Budget]:
			matters = append(matters, g.Budget)
		case g.Decided:
			flat = append(flat, g.Budget)
		}
	}
	return matters, flat
}

// networksWord is "1 network" or "k networks".
func networksWord(k int) string {
	if k == 1 {
		return "1 network"
	}
	return fmt.Sprintf("%d networks", k)
}

// optionList names the options weighed, budgets folded into one item.
func optionList(opts []option) string {
	var parts, ks []string
	method := ""
	for _, o := range opts {
		if o.budget == "" {
			if len(ks) > 0 {
				parts = append(parts, fmt.Sprintf("%s at k = %s", method, strings.Join(ks, ", ")))
				ks = nil
			}
			parts = append(parts, o.label)
			continue
		}
		method = strings.TrimSuffix(o.label, " k="+o.budget)
		ks = append(ks, o.budget)
	}
	if len(ks) > 0 {
		parts = append(parts, fmt.Sprintf("%s at k = %s", method, strings.Join(ks, ", ")))
	}
	return strings.Join(parts, ", ")
}

// allBudgets returns the result of a method that does not depend on the
// budget (mtl, stl), or nil.
func allBudgets(r *Results, m string) *BudgetResult {
	if mr, ok := r.Methods[m]; ok {
		return mr.Budgets[AllBudgets]
	}
	return nil
}
