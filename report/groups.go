package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tagroup/tag/selection"
)

// Grouping is the answer of `tag group` for one budget: one line of its
// -json output, and one row of its table.
type Grouping struct {
	Rule       string         `json:"rule"`
	Budget     any            `json:"budget"`
	Groups     [][]string     `json:"groups"`
	Score      float64        `json:"score"`
	Optimal    bool           `json:"optimal"`
	Bound      float64        `json:"bound"`
	Gap        float64        `json:"gap"`
	Assignment map[string]int `json:"assignment"`
	// CappedAt is set when the budget was more networks than tasks: the
	// number of tasks, the most networks that can be used.
	CappedAt int `json:"capped_at,omitempty"`
	// Elapsed is the solver's time for the budget (in the table only).
	Elapsed time.Duration `json:"-"`
}

// Groupings names the answer of selection under rule for each budget:
// results[i] is budgets[i]'s, over the tasks named tasks.
func Groupings(rule string, budgets []selection.BudgetEntry, results []*selection.Result, tasks []string) []Grouping {
	outs := make([]Grouping, len(budgets))
	for i, res := range results {
		outs[i] = Grouping{Rule: rule, Budget: budgets[i].Value, Groups: res.GroupNames(tasks), Score: res.Score,
			Optimal: res.Optimal, Bound: res.Bound, Gap: res.Gap, Assignment: map[string]int{}, Elapsed: res.Elapsed}
		if k, ok := budgets[i].Value.(int); ok && k > len(tasks) {
			outs[i].CappedAt = len(tasks)
		}
		for j, t := range tasks {
			outs[i].Assignment[t] = res.Assignment[j]
		}
	}
	return outs
}

// WriteGroupings prints gs, the answers under rule, as an aligned table:
// with list, every group by name; otherwise the number of groups, their
// sizes and the solver's time for each budget.
func WriteGroupings(w io.Writer, gs []Grouping, rule string, list bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if list {
		fmt.Fprintf(tw, "budget\t%s\tproof\tgroups\n", selection.ScoreName(rule))
	} else {
		fmt.Fprintf(tw, "budget\t%s\tproof\ttime\tgroups (sizes; -list-groups or -json for the names)\n", selection.ScoreName(rule))
	}
	for _, o := range gs {
		budget := fmt.Sprint(o.Budget)
		if o.CappedAt > 0 {
			budget += fmt.Sprintf(" (capped at %d)", o.CappedAt)
		}
		proof := "optimal"
		if !o.Optimal {
			proof = fmt.Sprintf("gap %.4g (bound %.6g)", o.Gap, o.Bound)
			if o.Score > 0 {
				proof = fmt.Sprintf("gap %.4g = %.2f%% (bound %.6g)", o.Gap, 100*o.Gap/o.Score, o.Bound)
			}
		}
		if !list {
			fmt.Fprintf(tw, "%s\t%.6g\t%s\t%v\t%s\n", budget, o.Score, proof, o.Elapsed.Round(time.Millisecond), groupSizes(o.Groups))
			continue
		}
		groups := make([]string, len(o.Groups))
		for i, g := range o.Groups {
			groups[i] = "{" + strings.Join(g, " ") + "}"
		}
		fmt.Fprintf(tw, "%s\t%.6g\t%s\t%s\n", budget, o.Score, proof, strings.Join(groups, " "))
	}
	return tw.Flush()
}

// groupSizes summarises groups as their count and sizes, largest first,
// repeated sizes written once with a count: "12 groups: 11×10, 9, 2×1".
func groupSizes(groups [][]string) string {
	sizes := make([]int, len(groups))
	for i, g := range groups {
		sizes[i] = len(g)
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	var parts []string
	for i := 0; i < len(sizes); {
		j := i
		for j < len(sizes) && sizes[j] == sizes[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%d×%d", j-i, sizes[i]))
		} else {
			parts = append(parts, strconv.Itoa(sizes[i]))
		}
		i = j
	}
	return fmt.Sprintf("%d groups: %s", len(groups), strings.Join(parts, ", "))
}
