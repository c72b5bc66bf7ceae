package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/stats"
)

// cell is one table entry: its text and, for numeric cells that compete
// for the column's best, the value.
type cell struct {
	text  string
	value float64
	rank  bool // take part in the column's minimum
	// seeds are the per-seed values behind value, paired by seed across
	// the column; the column's minimum is marked only when it is
	// significantly below the next lowest on them.
	seeds []float64
}

// table is a titled grid; columns listed in best have their lowest ranked
// cell marked.
type table struct {
	title  string
	note   string
	header []string
	rows   [][]cell
	best   []int
	// textCols is the number of leading left-aligned columns (default 1);
	// the others are numbers, right-aligned in markdown.
	textCols int
}

func txt(s string) cell { return cell{text: s} }

// marks returns the cells (row, column) to mark as their column's best:
// in each column of t.best, the lowest ranked cell, provided it is
// significantly lower than the next lowest, paired by seed (see
// stats.Compare at experiment.Level). With one seed nothing is marked: the
// data cannot tell.
func (t *table) marks() map[[2]int]bool {
	out := map[[2]int]bool{}
	for _, c := range t.best {
		var rows []int
		for i, r := range t.rows {
			if c < len(r) && r[c].rank {
				rows = append(rows, i)
			}
		}
		if len(rows) < 2 {
			continue
		}
		slices.SortStableFunc(rows, func(a, b int) int { return cmpFloat(t.rows[a][c].value, t.rows[b][c].value) })
		first, second := t.rows[rows[0]][c], t.rows[rows[1]][c]
		v, err := stats.Compare("first", "second", first.seeds, second.seeds, experiment.Level)
		if err == nil && v.Outcome == stats.ABetter {
			out[[2]int{rows[0], c}] = true
		}
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeText renders t as aligned plain text; the best cells get a '*'.
func (t *table) writeText(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", t.title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	marks := t.marks()
	for ri, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = c.text
			if marks[[2]int{ri, i}] {
				cells[i] += " *"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if t.note != "" {
		fmt.Fprintln(w, t.note)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// mdEscape escapes the characters that break a markdown table cell.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`).Replace(s)
}

// writeMarkdown renders t as a markdown table; the best cells are bold.
func (t *table) writeMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "### %s\n\n", t.title)
	row := func(cells []string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }
	hdr := make([]string, len(t.header))
	sep := make([]string, len(t.header))
	for i, h := range t.header {
		hdr[i], sep[i] = mdEscape(h), "---"
		if i >= max(1, t.textCols) {
			sep[i] = "---:"
		}
	}
	row(hdr)
	row(sep)
	marks := t.marks()
	for ri, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = mdEscape(c.text)
			if marks[[2]int{ri, i}] {
				cells[i] = "**" + cells[i] + "**"
			}
		}
		row(cells)
	}
	if t.note != "" {
		fmt.Fprintf(w, "\n%s\n", t.note)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// methodsIn lists r's methods in the report order of experiment.Methods.
func methodsIn(r *experiment.Results) []string {
	var out []string
	for _, m := range experiment.Methods {
		if _, ok := r.Methods[m]; ok {
			out = append(out, m)
		}
	}
	return out
}

// budgetResult returns the outcome of method m at budget k: mtl and stl
// have one outcome for every budget.
func budgetResult(r *experiment.Results, m string, k int) *experiment.BudgetResult {
	mr := r.Methods[m]
	if b, ok := mr.Budgets[experiment.AllBudgets]; ok {
		return b
	}
	return mr.Budgets[strconv.Itoa(k)]
}

// budgetsOf returns the budget columns: r.Budgets, or one "all" column
// when only mtl and stl ran.
func budgetsOf(r *experiment.Results) []int {
	if len(r.Budgets) > 0 {
		return r.Budgets
	}
	return []int{0}
}

func budgetLabel(k int) string {
	if k == 0 {
		return experiment.AllBudgets
	}
	return fmt.Sprintf("k=%d", k)
}

// metricTable is the methods × budgets table of total test loss (error
// when useError), the paper's main table.
func metricTable(r *experiment.Results, useError bool) *table {
	name, digits := "loss", 4
	if useError {
		name = "error"
	}
	ks := budgetsOf(r)
	t := &table{
		title:  fmt.Sprintf("Total test %s (sum over %d tasks; lower is better)", name, len(r.Tasks)),
		header: []string{"method"},
		note: fmt.Sprintf("Divide by %d for the mean per task. Methods that train one set of networks (mtl, stl, uw, gradnorm, pcgrad) "+
			"do not depend on the budget. A column's lowest value is marked only when it is significantly lower (%.0f%%, paired by seed) "+
			"than the next lowest; with one seed nothing is marked.", len(r.Tasks), 100*experiment.Level),
	}
	if len(r.Seeds) > 1 {
		t.note = fmt.Sprintf("Mean over %d seeds [%.0f%% interval of the mean]. ", len(r.Seeds), 100*experiment.Level) + t.note
	}
	if _, ok := r.Methods[experiment.Random]; ok {
		t.note = "Random (and random-sized, random groupings with tag's group sizes): mean ± standard deviation between its groupings (within a seed). " + t.note
	}
	for i, k := range ks {
		t.header = append(t.header, budgetLabel(k))
		t.best = append(t.best, i+1)
	}
	for _, m := range methodsIn(r) {
		row := []cell{txt(m)}
		for _, k := range ks {
			b := budgetResult(r, m, k)
			if b == nil {
				row = append(row, txt("—"))
				continue
			}
			v, std, seeds := b.TotalTestLoss, b.TotalTestLossStd, b.TotalTestLossSeeds
			if useError {
				v, std, seeds = b.TotalTestError, b.TotalTestErrorStd, b.TotalTestErrorSeeds
			}
			s := strconv.FormatFloat(v, 'f', digits, 64)
			if std != nil {
				s += " ± " + strconv.FormatFloat(*std, 'f', digits, 64)
			} else if iv, err := stats.MeanInterval(seeds, experiment.Level); err == nil {
				s += fmt.Sprintf(" [%.*f, %.*f]", digits, iv.Lo, digits, iv.Hi)
			}
			row = append(row, cell{text: s, value: v, rank: true, seeds: seeds})
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// timingTable is the cost of reaching each method's grouping, relative to
// TAG's.
func timingTable(r *experiment.Results) *table {
	t := &table{
		title:  "Cost of reaching the groups",
		header: []string{"method", "networks trained", "seconds", "steps", "seconds ÷ TAG's"},
		note: "tag and cs: the one affinity run; hoa: every pair and single task; optimal: every subset. " +
			"Seconds are summed over networks, whatever ran in parallel.",
	}
	tag, hasTag := r.Methods[experiment.TAG]
	for _, m := range methodsIn(r) {
		mr := r.Methods[m]
		if mr.GroupingUnits == 0 {
			continue
		}
		ratio := "—"
		if hasTag && tag.GroupingSeconds > 0 {
			ratio = fmt.Sprintf("%.1f×", mr.GroupingSeconds/tag.GroupingSeconds)
		}
		t.rows = append(t.rows, []cell{txt(m), txt(strconv.Itoa(mr.GroupingUnits)),
			txt(fmt.Sprintf("%.1f", mr.GroupingSeconds)), txt(strconv.FormatInt(mr.GroupingSteps, 10)), txt(ratio)})
	}
	return t
}

// groupsTable lists the groups each method chose for each budget: per
// seed where the seeds' groups differ, with their stability for the
// recommended grouping, and random's first grouping (its groupings are the
// same under every seed).
func groupsTable(r *experiment.Results) *table {
	t := &table{
		title:    "Chosen groups",
		header:   []string{"method", "budget", "groups", "train seconds"},
		textCols: 3,
		note: "Groups that differ between seeds are listed seed by seed. Random: the first of its groupings, which are drawn once " +
			"and trained under every seed. A task in two groups is served by the one with its lower validation loss.",
	}
	stable := map[string]experiment.Consensus{}
	if r.Analysis != nil {
		for _, c := range r.Analysis.Consensus {
			stable[c.Method+"/"+c.Budget] = c
		}
		if len(r.Analysis.Consensus) > 0 && len(r.Seeds) > 1 {
			t.note += fmt.Sprintf(" %s: %% after a group is the share of seeds whose own tag grouping put its tasks together; boot, the share of %d "+
				"groupings selected on bootstrap resamples of the measured trajectories' epochs.", r.Analysis.Consensus[0].Method, experiment.BootstrapResamples)
		}
	}
	for _, m := range methodsIn(r) {
		keys := slices.SortedFunc(maps.Keys(r.Methods[m].Budgets), compareBudgetKeys)
		for _, k := range keys {
			b := r.Methods[m].Budgets[k]
			text := experiment.FormatStable(b.Groups, nil, nil)
			switch c, ok := stable[m+"/"+k]; {
			case ok && len(r.Seeds) > 1:
				text = experiment.FormatStable(c.Groups, c.Together, c.TogetherBootstrap)
			case m == experiment.Random && len(r.Seeds) > 0 && len(b.SeedGroups) >= len(r.Seeds):
				text += fmt.Sprintf(" (first of %d groupings)", len(b.SeedGroups)/len(r.Seeds))
			case len(b.GroupsBySeed) > 0:
				parts := make([]string, len(b.GroupsBySeed))
				for i, g := range b.GroupsBySeed {
					parts[i] = fmt.Sprintf("seed %d: %s", r.Seed+uint64(i), experiment.FormatStable(g, nil, nil))
				}
				text = strings.Join(parts, "; ")
			}
			t.rows = append(t.rows, []cell{txt(m), txt(k), txt(text), txt(fmt.Sprintf("%.1f", b.TrainSeconds))})
		}
	}
	return t
}

// compareBudgetKeys orders "2" < "10" < "all".
func compareBudgetKeys(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return x - y
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// perTaskTable gives each task's test loss under every method at budget k.
func perTaskTable(r *experiment.Results, k int) *table {
	ms := methodsIn(r)
	t := &table{title: fmt.Sprintf("Test loss per task, %s", budgetLabel(k)), header: append([]string{"task"}, ms...)}
	for _, task := range r.Tasks {
		row := []cell{txt(task)}
		for _, m := range ms {
			b := budgetResult(r, m, k)
			if b == nil {
				row = append(row, txt("—"))
				continue
			}
			row = append(row, txt(strconv.FormatFloat(b.PerTask[task].TestLoss, 'f', 4, 64)))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// WriteTable writes the plain-text tables a terminal shows at the end of a
// run: total test loss and error per method and budget, and the cost of
// reaching the groups.
func WriteTable(w io.Writer, r *experiment.Results) error {
	if r.Analysis != nil {
		fmt.Fprintf(w, "%s\n\n", r.Analysis.Verdict)
	}
	for _, t := range []*table{metricTable(r, false), metricTable(r, true), timingTable(r), comparisonTable(r)} {
		if len(t.rows) == 0 {
			continue
		}
		if err := t.writeText(w); err != nil {
			return err
		}
	}
	return nil
}

// comparisonTable lists the paired differences of the analysis: per
// grouping method and baseline, the mean difference of total test loss over
// seeds with its interval and outcome at each budget, pooled over budgets,
// and against random the method's percentile among random groupings.
func comparisonTable(r *experiment.Results) *table {
	a := r.Analysis
	t := &table{title: "Paired differences of total test loss (method − baseline)", textCols: 2}
	if a == nil || len(a.Comparisons) == 0 {
		return t
	}
	t.header = []string{"method", "baseline"}
	ks := budgetsOf(r)
	for _, k := range ks {
		t.header = append(t.header, budgetLabel(k))
	}
	t.header = append(t.header, "pooled", "percentile among random")
	t.note = fmt.Sprintf("Mean difference over %d seeds [%.0f%% interval], then better / worse / cannot tell (the interval holds 0). "+
		"Negative: the method's loss is lower. Pooled: over budgets, seeds as replicates. Percentile: share of the same seed's random "+
		"groupings with a lower total (0: the method beats all).", a.Seeds, 100*a.Level)
	type key struct{ m, b string }
	rows := map[key][]cell{}
	var order []key
	format := func(c experiment.Comparison) cell {
		s := fmt.Sprintf("%+.4f", c.Mean)
		if c.Lo != nil {
			s += fmt.Sprintf(" [%+.4f, %+.4f]", *c.Lo, *c.Hi)
		}
		return txt(s + " " + c.Outcome)
	}
	for _, c := range a.Comparisons {
		k := key{c.Method, c.Baseline}
		if _, ok := rows[k]; !ok {
			order = append(order, k)
			rows[k] = make([]cell, len(t.header))
			for i := range rows[k] {
				rows[k][i] = txt("—")
			}
			rows[k][0], rows[k][1] = txt(c.Method), txt(c.Baseline)
		}
		for i, kk := range ks {
			if budgetLabel(kk) == "k="+c.Budget {
				rows[k][2+i] = format(c)
			}
		}
		if c.Percentile != nil {
			last := rows[k][len(t.header)-1].text
			if last == "—" {
				last = ""
			} else {
				last += ", "
			}
			rows[k][len(t.header)-1] = txt(fmt.Sprintf("%s%s: %.0f", last, "k="+c.Budget, *c.Percentile))
		}
	}
	for _, p := range a.Pooled {
		if row, ok := rows[key{p.Method, p.Baseline}]; ok {
			row[len(t.header)-2] = format(p)
		}
	}
	for _, k := range order {
		t.rows = append(t.rows, rows[k])
	}
	return t
}
