package affinityrun

import (
	"fmt"
	"io"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
)

// WriteChanges writes changes.md of an update (rec.Update set) to path,
// atomically: the task sets, the cost of the measurement, the groupings
// before and after per budget and, with from-scratch runs to compare
// with, the agreement with them. old is the record of the run continued.
func WriteChanges(path string, old, rec *Record) error {
	u := rec.Update
	return atomicfile.Write(path, func(w io.Writer) error {
		fmt.Fprintf(w, "# tag update of %s\n\n", u.From)
		fmt.Fprintf(w, "- tasks before (%d): %s\n", len(old.Tasks), strings.Join(old.Tasks, ", "))
		fmt.Fprintf(w, "- removed: %s\n- added: %s\n", ListOrNone(u.Removed), ListOrNone(u.Added))
		fmt.Fprintf(w, "- tasks after (%d): %s\n", len(rec.Tasks), strings.Join(rec.Tasks, ", "))
		fmt.Fprintf(w, "- training steps of the update: %d (%.1f%% of the %d steps of a from-scratch run with this recipe), %.1f s; stop: %s\n",
			rec.Steps, 100*u.StepRatio, u.ScratchSteps, rec.Seconds, u.Stop)
		if c := u.Criterion; c != nil {
			fmt.Fprintf(w, "- criterion: the running means of the pairs involving an added task change by at most %g (relative L2) over each of %d consecutive epochs\n",
				c.Tolerance, c.Checks)
		}
		if len(u.Changes) > 0 {
			parts := make([]string, len(u.Changes))
			for k, c := range u.Changes {
				parts[k] = fmt.Sprintf("%.3f", c)
			}
			fmt.Fprintf(w, "- changes after epochs 2..%d: %s\n", len(u.Changes)+1, strings.Join(parts, ", "))
		}
		if len(u.Added) > 0 {
			old := "kept as saved"
			if u.Refresh {
				old = "saved sums plus the update's measurements"
			}
			fmt.Fprintf(w, "- pairs involving an added task: measured by the update; the other pairs: %s\n", old)
		}
		fmt.Fprintf(w, "\n## Groupings\n\nEach budget's groups before and after (the rule of `tag group`, default options). ")
		fmt.Fprintf(w, "An unchanged group's network can be kept; the others must be trained anew.\n\n")
		fmt.Fprintln(w, "| budget | before | after | unchanged groups | networks to train anew |")
		fmt.Fprintln(w, "| ---: | --- | --- | --- | --- |")
		for _, g := range u.Groupings {
			fmt.Fprintf(w, "| %d | %s | %s | %s | %d: %s |\n", g.Budget, GroupsText(g.Before), GroupsText(g.After),
				GroupsText(g.Unchanged), len(g.Anew), GroupsText(g.Anew))
		}
		if c := u.Compare; c != nil {
			fmt.Fprintf(w, "\n## Agreement with from-scratch runs\n\n")
			fmt.Fprintf(w, "Spearman rank correlation of the affinities, over the ordered pairs involving an added task and over all ordered pairs.\n\n")
			fmt.Fprintln(w, "| runs | steps | new pairs | all pairs |")
			fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
			for _, r := range c.Runs {
				fmt.Fprintf(w, "| this update vs %s (seed %d) | %d vs %d | %s | %.3f |\n", r.Dir, r.Seed, rec.Steps, r.Steps, newPairsText(r.Agreement), r.RankAllPairs)
			}
			for _, p := range c.Yardstick {
				fmt.Fprintf(w, "| yardstick: %s vs %s | | %s | %.3f |\n", p.A, p.B, newPairsText(p.Agreement), p.RankAllPairs)
			}
		}
		return nil
	})
}

// ListOrNone joins xs with commas, or says none.
func ListOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// GroupsText writes groups as {a b} {c d}, or – for none.
func GroupsText(gs [][]string) string {
	if len(gs) == 0 {
		return "–"
	}
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = "{" + strings.Join(g, " ") + "}"
	}
	return strings.Join(parts, " ")
}

// newPairsText is the new pairs' rank correlation and their number.
func newPairsText(a Agreement) string {
	if a.RankNewPairs == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f (%d)", *a.RankNewPairs, a.NewPairs)
}
