package report

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tagroup/tag/experiment"
)

// cell is one table entry: its text and, for numeric cells that compete
// for the column's best, the value.
type cell struct {
	text  string
	value float64
	rank  bool // take part in the column's minimum
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

// minima returns, per column in t.best, the lowest ranked value.
func (t *table) minima() map[int]float64 {
	m := map[int]float64{}
	for _, c := range t.best {
		m[c] = math.Inf(1)
		for _, r := range t.rows {
			if c < len(r) && r[c].rank {
				m[c] = min(m[c], r[c].value)
			}
		}
	}
	return m
}

// isBest reports whether cell c of column col is the column's minimum.
func isBest(minima map[int]float64, col int, c cell) bool {
	v, ok := minima[col]
	return ok && c.rank && c.value == v
}

// writeText renders t as aligned plain text; the best cells get a '*'.
func (t *table) writeText(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", t.title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	minima := t.minima()
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = c.text
			if isBest(minima, i, c) {
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
	minima := t.minima()
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = mdEscape(c.text)
			if isBest(minima, i, c) {
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
		note: fmt.Sprintf("Divide by %d for the mean per task. mtl and stl do not depend on the budget. "+
			"The best value of each column is marked.", len(r.Tasks)),
	}
	if _, ok := r.Methods[experiment.Random]; ok {
		t.note = "Random: mean ± sample standard deviation over its seeds. " + t.note
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
			v, std := b.TotalTestLoss, b.TotalTestLossStd
			if useError {
				v, std = b.TotalTestError, b.TotalTestErrorStd
			}
			s := strconv.FormatFloat(v, 'f', digits, 64)
			if std != nil {
				s += " ± " + strconv.FormatFloat(*std, 'f', digits, 64)
			}
			row = append(row, cell{text: s, value: v, rank: true})
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

// formatGroups writes a grouping as "{a, b} {c}".
func formatGroups(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = "{" + strings.Join(g, ", ") + "}"
	}
	return strings.Join(parts, " ")
}

// groupsTable lists the groups each method chose for each budget.
func groupsTable(r *experiment.Results) *table {
	t := &table{
		title:    "Chosen groups",
		header:   []string{"method", "budget", "groups", "train seconds"},
		textCols: 3,
		note:     "Random shows its first seed's grouping. A task in two groups is served by the one with its lower validation loss.",
	}
	for _, m := range methodsIn(r) {
		keys := slices.SortedFunc(maps.Keys(r.Methods[m].Budgets), compareBudgetKeys)
		for _, k := range keys {
			b := r.Methods[m].Budgets[k]
			t.rows = append(t.rows, []cell{txt(m), txt(k), txt(formatGroups(b.Groups)), txt(fmt.Sprintf("%.1f", b.TrainSeconds))})
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
	for _, t := range []*table{metricTable(r, false), metricTable(r, true), timingTable(r)} {
		if len(t.rows) == 0 {
			continue
		}
		if err := t.writeText(w); err != nil {
			return err
		}
	}
	return nil
}
