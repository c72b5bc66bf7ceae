package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
)

// Formats are the image formats every figure is written in.
var Formats = []string{"png", "svg"}

// figureSet collects figures in order, by file base name, with captions.
type figureSet struct {
	names    []string
	figs     map[string]Figure
	captions map[string]string
}

// add records figure f under name, or returns err naming the figure.
func (s *figureSet) add(name, caption string, f Figure, err error) error {
	if err != nil {
		return fmt.Errorf("figure %s: %w", name, err)
	}
	if s.figs == nil {
		s.figs, s.captions = map[string]Figure{}, map[string]string{}
	}
	s.names = append(s.names, name)
	s.figs[name], s.captions[name] = f, caption
	return nil
}

// addAffinity adds the heat maps of a's matrices, their rows and columns
// ordered and outlined by groups (none: in task order; caption says
// what the groups are), and its trajectory.
func (s *figureSet) addAffinity(a *experiment.AffinitySummary, tasks []string, groups [][]string, caption string) error {
	opt := HeatmapOptions{Groups: groups, Value: "Ẑ(i→j): share of j's loss removed by i's step"}
	f, err := HeatmapWith(a.Affinity, "Inter-task affinity Ẑ(i→j)", opt)
	if err := s.add("affinity", "Lookahead inter-task affinity (row i helps column j when positive)."+caption, f, err); err != nil {
		return err
	}
	if a.Cosine != nil {
		opt.Value = "cosine of the task gradients"
		f, err := HeatmapWith(a.Cosine, "Gradient cosine similarity", opt)
		if err := s.add("cosine", "Cosine similarity of per-task gradients on the shared parameters (CS baseline)."+caption, f, err); err != nil {
			return err
		}
	}
	if len(a.Trajectory) > 0 {
		f, err := Trajectories(a.Trajectory, tasks)
		if err := s.add("trajectory", "Per-epoch mean affinity onto each task.", f, err); err != nil {
			return err
		}
	}
	return nil
}

// heatmapGroups are the groups that order the heat maps of a report: the
// recommended groups when the recommendation is a grouping, else the
// recommended grouping (Analysis.Consensus) of the budget with the lowest
// loss, else tag's at its largest budget; with a caption that says which.
// None when no grouping ran.
func heatmapGroups(r *experiment.Results) ([][]string, string) {
	if rec := r.Recommendation; rec != nil && len(rec.Groups) > 1 && len(rec.Groups) < len(r.Tasks) {
		return rec.Groups, fmt.Sprintf(" Tasks ordered by the recommended groups (%s), each outlined.", rec.Option)
	}
	if a := r.Analysis; a != nil && len(a.Consensus) > 0 {
		// The grouping with the lowest loss among the budgets.
		best := a.Consensus[0]
		loss := func(c experiment.Consensus) float64 { return r.Methods[c.Method].Budgets[c.Budget].TotalTestLoss }
		for _, c := range a.Consensus[1:] {
			if loss(c) < loss(best) {
				best = c
			}
		}
		return best.Groups, fmt.Sprintf(" Tasks ordered by %s's groups at budget %s (its lowest loss), each outlined.", best.Method, best.Budget)
	}
	m := r.Methods["tag"]
	if m == nil {
		return nil, ""
	}
	best := -1
	for k := range m.Budgets {
		if b, err := strconv.Atoi(k); err == nil && b > best && len(m.Budgets[k].Groups) > 0 {
			best = b
		}
	}
	if best < 0 {
		return nil, ""
	}
	return m.Budgets[strconv.Itoa(best)].Groups, fmt.Sprintf(" Tasks ordered by tag's groups at budget %d, each outlined.", best)
}

// figures returns the figures r supports: the heat maps and trajectory
// when an affinity run is present, the bars when a grouping method ran.
func figures(r *experiment.Results) (*figureSet, error) {
	s := &figureSet{}
	if r.Affinity != nil {
		groups, caption := heatmapGroups(r)
		if err := s.addAffinity(r.Affinity, r.Tasks, groups, caption); err != nil {
			return nil, err
		}
	}
	if bars, _ := splitByBudget(r); len(r.Budgets) > 0 && len(bars) > 0 {
		f, err := MethodBars(r)
		if err := s.add("methods", "Total test loss per method and budget (mean over seeds); error bars: random's spread between groupings, the other methods' 95% interval over seeds.", f, err); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// WriteMarkdown writes the report: data, tables and links to the figures
// (paths relative to the report, under plots/).
func WriteMarkdown(w io.Writer, r *experiment.Results) error {
	s, err := figures(r)
	if err != nil {
		return err
	}
	return writeMarkdown(w, r, s.names, s.captions)
}

func writeMarkdown(w io.Writer, r *experiment.Results, figs []string, captions map[string]string) error {
	title := "Task grouping experiment"
	if n, ok := r.Data["name"].(string); ok {
		title += ": " + n
	}
	fmt.Fprintf(w, "# %s\n\n", mdEscape(title))
	if r.Analysis != nil {
		for _, para := range strings.Split(r.Analysis.Verdict, "\n\n") {
			fmt.Fprintf(w, "%s\n\n", strings.ReplaceAll(mdEscape(para), "\n", "  \n"))
		}
	}
	fmt.Fprintf(w, "Tasks (%d): %s.  \nSeed %d, configuration hash `%s`.\n\n", len(r.Tasks), mdEscape(strings.Join(r.Tasks, ", ")), r.Seed, r.ConfigHash)
	if len(r.Data) > 0 {
		keys := slices.Sorted(maps.Keys(r.Data))
		fmt.Fprintln(w, "Data:")
		for _, k := range keys {
			if k == "name" {
				continue // in the title
			}
			if notes, ok := stringList(r.Data[k]); ok && k == "notes" {
				fmt.Fprintf(w, "- %s:\n", mdEscape(k))
				for _, n := range foldNotes(notes) {
					fmt.Fprintf(w, "  - %s\n", mdEscape(n))
				}
				continue
			}
			fmt.Fprintf(w, "- %s: %s\n", mdEscape(k), mdEscape(dataValue(r.Data[k])))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "Every method's groups are trained from scratch with the same recipe; each task is served by "+
		"the chosen network with its lowest validation loss and reported on the test split.\n\n")
	if r.Recipe != nil {
		b, err := json.MarshalIndent(r.Recipe, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding the recipe: %w", err)
		}
		if text := recipeText(r.Recipe); text != "" {
			fmt.Fprintf(w, "%s\n\n", mdEscape(text))
		}
		fmt.Fprintf(w, "<details><summary>Training recipe (as in results.json)</summary>\n\n```json\n%s\n```\n\n</details>\n\n", b)
	}
	if r.Selection != nil {
		text, err := selectionText(r.Selection)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n\n", mdEscape(text))
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintln(w, "Methods left out at this task count:")
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "- %s: %s\n", mdEscape(s.Method), mdEscape(s.Reason))
		}
		fmt.Fprintln(w)
	}
	if r.Reuse != nil {
		fmt.Fprint(w, "## Reuse\n\n")
		if err := WriteReuse(w, r.Reuse); err != nil {
			return err
		}
	}
	fmt.Fprint(w, "## Results\n\n")
	tables := []*table{metricTable(r, false), metricTable(r, true), comparisonTable(r), timingTable(r), groupsTable(r)}
	for _, k := range budgetsOf(r) {
		tables = append(tables, perTaskTable(r, k))
	}
	for _, t := range tables {
		if len(t.rows) == 0 {
			continue
		}
		if err := t.writeMarkdown(w); err != nil {
			return err
		}
	}
	if len(figs) > 0 {
		fmt.Fprint(w, "## Figures\n\n")
	}
	for _, f := range figs {
		var l experiment.Layout
		fmt.Fprintf(w, "![%s](%s)\n\n%s ([SVG](%s))\n\n", f, l.PlotRef(f, "png"), captions[f], l.PlotRef(f, "svg"))
	}
	return nil
}

// Write writes dir/report.md and every figure as dir/plots/NAME.png and
// .svg, each file atomically. It returns the paths written.
func Write(dir string, r *experiment.Results) ([]string, error) {
	s, err := figures(r)
	if err != nil {
		return nil, err
	}
	paths, err := s.write(dir)
	if err != nil {
		return paths, err
	}
	p := experiment.Layout{Dir: dir}.Report()
	if err := atomicfile.Write(p, func(w io.Writer) error { return writeMarkdown(w, r, s.names, s.captions) }); err != nil {
		return paths, err
	}
	return append(paths, p), nil
}

// write writes each figure as dir/plots/NAME.png and .svg, each file
// atomically, and returns the paths written.
func (s *figureSet) write(dir string) ([]string, error) {
	l := experiment.Layout{Dir: dir}
	if err := os.MkdirAll(l.Plots(), 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, n := range s.names {
		for _, format := range Formats {
			p := l.Plot(n, format)
			if err := atomicfile.Write(p, func(w io.Writer) error { return s.figs[n].WriteTo(w, format) }); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// WriteAffinityPlots writes the figures of one affinity run on its own
// (the affinity and cosine heat maps, ordered and outlined by groups when
// given, and the affinity trajectory) as dir/plots/NAME.png and .svg, as
// `tag affinity` does. It returns the paths written.
func WriteAffinityPlots(dir string, a *experiment.AffinitySummary, tasks []string, groups [][]string) ([]string, error) {
	s := &figureSet{}
	caption := ""
	if len(groups) > 0 {
		caption = " Tasks ordered by the given groups, each outlined."
	}
	if err := s.addAffinity(a, tasks, groups, caption); err != nil {
		return nil, err
	}
	return s.write(dir)
}

// dataValue renders one entry of the data description: scalars as they
// are, a list of task descriptions as "name (kind)" items, anything else
// as compact JSON.
func dataValue(v any) string {
	switch x := v.(type) {
	case string, bool, int, int64, float64:
		return fmt.Sprint(x)
	case []string:
		return foldList(x, "; ")
	case []any:
		if items, ok := taskItems(x); ok {
			return foldList(items, ", ")
		}
		if lines, ok := stringItems(x); ok {
			return foldList(lines, "; ")
		}
	case []map[string]any:
		xs := make([]any, len(x))
		for i := range x {
			xs[i] = x[i]
		}
		if items, ok := taskItems(xs); ok {
			return strings.Join(items, ", ")
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// stringList returns v as a list of strings ([]string, or []any of
// strings as decoded from JSON).
func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		return stringItems(x)
	}
	return nil, false
}

// taskItems renders task descriptions ({"name": ..., "kind": ...}) as
// "name (kind)"; ok is false if xs is not such a list.
func taskItems(xs []any) (items []string, ok bool) {
	for _, x := range xs {
		m, isMap := x.(map[string]any)
		if !isMap {
			return nil, false
		}
		name, hasName := m["name"].(string)
		kind, hasKind := m["kind"].(string)
		if !hasName || !hasKind {
			return nil, false
		}
		items = append(items, fmt.Sprintf("%s (%s)", name, kind))
	}
	return items, true
}

// stringItems returns xs as strings; ok is false if any item is not one.
func stringItems(xs []any) (items []string, ok bool) {
	for _, x := range xs {
		s, isString := x.(string)
		if !isString {
			return nil, false
		}
		items = append(items, s)
	}
	return items, true
}
