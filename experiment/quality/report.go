package quality

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tagroup/tag/experiment"
)

// find returns the comparison of method with baseline at budget ("pooled"
// for the one pooled over budgets).
func find(a *experiment.Analysis, method, baseline, budget string) *experiment.Comparison {
	if a == nil {
		return nil
	}
	for _, list := range [][]experiment.Comparison{a.Comparisons, a.Pooled} {
		for i, c := range list {
			if c.Method == method && c.Baseline == baseline && c.Budget == budget {
				return &list[i]
			}
		}
	}
	return nil
}

// pooledCell renders a pooled comparison as "−3.1% [lo, hi] better".
func pooledCell(c *experiment.Comparison) string {
	if c == nil {
		return "—"
	}
	s := fmt.Sprintf("%+.1f%%", 100*c.Relative)
	if c.Lo != nil {
		s += fmt.Sprintf(" [%+.3f, %+.3f]", *c.Lo, *c.Hi)
	}
	return s + " " + c.Outcome
}

// Summary is one row of the benchmark's summary table.
type Summary struct {
	Suite       string `json:"suite"`
	Tasks       string `json:"tasks"`
	Matters     string `json:"grouping_matters"`
	TagRandom   string `json:"tag_minus_random"`
	TagSized    string `json:"tag_minus_random_sized"`
	TagWorseAt  string `json:"tag_worse_than_random_at"`
	PaperRandom string `json:"tag_paper_minus_random"`
	Refine      string `json:"tag_refine_minus_random_best"`
	TagMTL      string `json:"tag_minus_mtl"`
	TagSTL      string `json:"tag_minus_stl"`
	Percentile  string `json:"tag_percentile_among_random"`
	// ConsensusRandom is tag-consensus − random pooled, ConsensusWorseAt
	// and ConsensusPercentile what TagWorseAt and Percentile are for tag,
	// and Recommended the run's recommendation (experiment.Recommend; ", not
	// settled" where Recommendation.Settled is false), when
	// tag-consensus ran.
	ConsensusRandom     string `json:"tag_consensus_minus_random,omitempty"`
	ConsensusWorseAt    string `json:"tag_consensus_worse_than_random_at,omitempty"`
	ConsensusPercentile string `json:"tag_consensus_percentile_among_random,omitempty"`
	Recommended         string `json:"recommended,omitempty"`

	// tag and consensus hold what the checks read, of tag and of
	// tag-consensus.
	tag, consensus checkInputs
}

// checkInputs are what the acceptance checks read of one method's
// comparisons with random on one suite.
type checkInputs struct {
	ran, worseAnywhere, plantedBetter, pooledBetter bool
	pooledWithinSE, hasPooled, hasPlantedVerdict    bool
}

// readChecks reads method's comparisons with random in a; worse lists the
// budgets where it is significantly worse and pct its percentiles.
func readChecks(a *experiment.Analysis, method string, budgets []int, planted int) (ci checkInputs, worse, pct []string) {
	p := find(a, method, experiment.Random, "pooled")
	if p != nil && p.StdErr != nil {
		ci.hasPooled = true
		ci.pooledWithinSE = p.Mean <= *p.StdErr
		ci.pooledBetter = p.Outcome == experiment.Better
	}
	for _, k := range budgets {
		c := find(a, method, experiment.Random, fmt.Sprint(k))
		if c == nil {
			continue
		}
		ci.ran = true
		if c.Outcome == experiment.Worse {
			worse = append(worse, fmt.Sprint(k))
		}
		if c.Percentile != nil {
			pct = append(pct, fmt.Sprintf("%.0f", *c.Percentile))
		}
		if k == planted {
			ci.hasPlantedVerdict = true
			ci.plantedBetter = c.Outcome == experiment.Better
		}
	}
	ci.worseAnywhere = len(worse) > 0
	return ci, worse, pct
}

// summarize reads one suite's analysis.
func summarize(s SuiteResult) Summary {
	r := s.Results
	a := r.Analysis
	row := Summary{Suite: s.Suite.Name, Tasks: fmt.Sprint(len(r.Tasks))}
	var yes []string
	for _, g := range a.Grouping {
		if g.Matters {
			yes = append(yes, g.Budget)
		}
	}
	row.Matters = "none"
	if len(yes) > 0 {
		row.Matters = "k = " + strings.Join(yes, ", ")
	}
	row.TagRandom = pooledCell(find(a, experiment.TAG, experiment.Random, "pooled"))
	var worse, pct []string
	row.tag, worse, pct = readChecks(a, experiment.TAG, r.Budgets, s.Suite.Planted)
	row.TagWorseAt, row.Percentile = worseAt(worse), strings.Join(pct, " / ")
	row.consensus, worse, pct = readChecks(a, experiment.TAGConsensus, r.Budgets, s.Suite.Planted)
	if row.consensus.ran {
		row.ConsensusRandom = pooledCell(find(a, experiment.TAGConsensus, experiment.Random, "pooled"))
		row.ConsensusWorseAt, row.ConsensusPercentile = worseAt(worse), strings.Join(pct, " / ")
	}
	if rec := r.Recommendation; rec != nil {
		row.Recommended = fmt.Sprintf("%d (%s)", rec.Budget, rec.Option)
		if !rec.Settled {
			row.Recommended += ", not settled"
		}
	}
	row.TagSized = pooledCell(find(a, experiment.TAG, experiment.RandomSized, "pooled"))
	row.PaperRandom = pooledCell(find(a, experiment.TAGPaper, experiment.Random, "pooled"))
	row.Refine = pooledCell(find(a, experiment.TAGRefine, experiment.RandomBest, "pooled"))
	row.TagMTL = pooledCell(find(a, experiment.TAG, experiment.MTL, "pooled"))
	row.TagSTL = pooledCell(find(a, experiment.TAG, experiment.STL, "pooled"))
	return row
}

// WriteMarkdown writes the benchmark's summary table, the acceptance
// checks, and each suite's verdict with a link to its full report.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	o := rep.Options
	fmt.Fprintf(w, "# Quality benchmark\n\n%d seeds, budgets %v, %d random groupings per budget (each trained under every seed), %d candidates for tag-refine and random-best. "+
		"random-sized: as many random groupings with tag's group sizes (under each seed and budget), which tells tag's choice of tasks from its choice of sizes. "+
		"Differences are of total test loss, method − baseline, paired by seed and pooled over budgets (seeds as replicates), as %% of the baseline "+
		"with the 95%% interval of the absolute difference; negative is better for the method.\n\n",
		o.Seeds, o.Budgets, o.RandomSeeds, max(o.Candidates, experiment.DefaultCandidates))
	if o.BudgetAsMaximum {
		fmt.Fprint(w, "With -spend-budget=false: tag, cs and tag-refine may use fewer networks than the budget allows.\n\n")
	}
	if o.TrainingBatches {
		fmt.Fprint(w, "With -training-batches: the affinity runs measure Eq. 1 on the training batch of the step.\n\n")
	}
	header := []string{"data set", "tasks", "grouping matters at", "tag − random", "tag-consensus − random", "tag worse than random at",
		"tag-consensus worse than random at", "tag percentile among random (per k)", "tag-consensus percentile among random (per k)", "tag − random-sized", "tag-paper − random", "tag-refine − random-best", "tag − mtl", "tag − stl", "recommended networks"}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat(" --- |", len(header)))
	var rows []Summary
	for _, s := range rep.Suites {
		if s.Results == nil {
			fmt.Fprintf(w, "| %s | skipped: %s |%s\n", s.Suite.Name, s.Skipped, strings.Repeat(" |", len(header)-2))
			continue
		}
		row := summarize(s)
		rows = append(rows, row)
		fmt.Fprintf(w, "| %s |\n", strings.Join([]string{row.Suite, row.Tasks, row.Matters, row.TagRandom, orDash(row.ConsensusRandom), row.TagWorseAt,
			orDash(row.ConsensusWorseAt), row.Percentile, orDash(row.ConsensusPercentile), row.TagSized, row.PaperRandom, row.Refine, row.TagMTL, row.TagSTL, orDash(row.Recommended)}, " | "))
	}
	fmt.Fprintln(w)
	rep.writeChecks(w, rows)
	fmt.Fprint(w, "## Per data set\n\n")
	for _, s := range rep.Suites {
		if s.Results == nil {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n%s. Full report: [%s/report.md](%s/report.md).\n\n%s\n\n", s.Suite.Name, s.Suite.About,
			s.Suite.Name, s.Suite.Name, strings.ReplaceAll(s.Results.Analysis.Verdict, "\n", "  \n"))
	}
	return nil
}

// worseAt renders the budgets where a method is significantly worse
// than random: "nowhere" or "k = 2, 4".
func worseAt(budgets []string) string {
	if len(budgets) == 0 {
		return "nowhere"
	}
	return "k = " + strings.Join(budgets, ", ")
}

// orDash is s, or "—" when empty.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Check is one acceptance condition of the benchmark for the default TAG.
type Check struct {
	Met  bool   `json:"met"`
	Text string `json:"text"`
}

// Checks evaluates, for the default TAG, the acceptance conditions of the
// benchmark on the summary rows.
func (rep *Report) Checks(rows []Summary) []Check {
	return rep.checks(rows, func(r Summary) checkInputs { return r.tag })
}

// ConsensusChecks evaluates the same conditions for tag-consensus (none
// when it ran on no suite).
func (rep *Report) ConsensusChecks(rows []Summary) []Check {
	if !slices.ContainsFunc(rows, func(r Summary) bool { return r.consensus.ran }) {
		return nil
	}
	return rep.checks(rows, func(r Summary) checkInputs { return r.consensus })
}

// checks evaluates the acceptance conditions on what of reads of each row.
func (rep *Report) checks(rows []Summary, of func(Summary) checkInputs) []Check {
	known := map[string]Suite{}
	for _, s := range rep.Suites {
		known[s.Suite.Name] = s.Suite
	}
	var worse, notWithin, plantedFail []string
	better, knownCount := 0, 0
	for _, row := range rows {
		r := of(row)
		if r.worseAnywhere {
			worse = append(worse, row.Suite)
		}
		if r.hasPooled && !r.pooledWithinSE {
			notWithin = append(notWithin, row.Suite)
		}
		if s := known[row.Suite]; s.Known {
			knownCount++
			if r.pooledBetter {
				better++
			}
		}
		if r.hasPlantedVerdict && !r.plantedBetter {
			plantedFail = append(plantedFail, row.Suite)
		}
	}
	return []Check{
		{len(worse) == 0, "never significantly worse than random at any budget" + listIf(" (worse on: ", worse)},
		{len(plantedFail) == 0, "significantly better than random at the planted budget of the data with a planted grouping" + listIf(" (not on: ", plantedFail)},
		{len(notWithin) == 0, "pooled over budgets and seeds, never worse than random by more than one standard error" + listIf(" (exceeded on: ", notWithin)},
		{2*better >= knownCount && knownCount > 0, fmt.Sprintf("significantly better than random, pooled, on at least half of the data sets with known structure (%d of %d)", better, knownCount)},
	}
}

// writeChecks writes the checks as a list, met or not.
func (rep *Report) writeChecks(w io.Writer, rows []Summary) {
	for _, part := range []struct {
		title  string
		checks []Check
	}{{"the default TAG", rep.Checks(rows)}, {"tag-consensus (one grouping per budget, selected on the affinity pooled over seeds)", rep.ConsensusChecks(rows)}} {
		if len(part.checks) == 0 {
			continue
		}
		fmt.Fprintf(w, "Checks for %s:\n\n", part.title)
		for _, c := range part.checks {
			mark := "met"
			if !c.Met {
				mark = "NOT met"
			}
			fmt.Fprintf(w, "- %s: %s\n", mark, c.Text)
		}
		fmt.Fprintln(w)
	}
}

// Rows returns the summary row of every suite that ran.
func (rep *Report) Rows() []Summary {
	var rows []Summary
	for _, s := range rep.Suites {
		if s.Results != nil {
			rows = append(rows, summarize(s))
		}
	}
	return rows
}

// WriteJSON writes the benchmark's summary rows, checks and skipped suites
// as JSON (quality.json), for comparing benchmark runs by program.
func (rep *Report) WriteJSON(w io.Writer) error {
	rows := rep.Rows()
	skipped := map[string]string{}
	for _, s := range rep.Suites {
		if s.Results == nil {
			skipped[s.Suite.Name] = s.Skipped
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Seeds           int               `json:"seeds"`
		Budgets         []int             `json:"budgets"`
		RandomSeeds     int               `json:"random_seeds"`
		BudgetAsMaximum bool              `json:"budget_as_maximum,omitempty"`
		TrainingBatches bool              `json:"training_batches,omitempty"`
		Rows            []Summary         `json:"rows"`
		Checks          []Check           `json:"checks"`
		ConsensusChecks []Check           `json:"consensus_checks,omitempty"`
		Skipped         map[string]string `json:"skipped,omitempty"`
	}{rep.Options.Seeds, rep.Options.Budgets, rep.Options.RandomSeeds, rep.Options.BudgetAsMaximum, rep.Options.TrainingBatches, rows, rep.Checks(rows),
		rep.ConsensusChecks(rows), skipped})
}

func listIf(prefix string, xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return prefix + strings.Join(slices.Sorted(slices.Values(xs)), ", ") + ")"
}
