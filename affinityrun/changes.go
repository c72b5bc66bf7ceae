package affinityrun

import (
	"fmt"
	"io"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/report"
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
		fmt.Fprintf(w, "- removed: %s\n- added: %s\n", report.ListOrNone(u.Removed), report.ListOrNone(u.Added))
		fmt.Fprintf(w, "- tasks after (%d): %s\n", len(rec.Tasks), strings.Join(rec.Tasks, ", "))
		fmt.Fprintf(w, "- training steps of the update: %d (%.1f%% of the %d steps of a from-scratch run with this recipe), %.1f s; stop: %s\n",
			rec.Steps, 100*u.StepRatio, u.ScratchSteps, rec.Seconds, u.Stop)
		if u.StopReason != "" {
			fmt.Fprintf(w, "- why the measurement ended: %s\n", u.StopReason)
		}
		if u.StopRule != nil {
			fmt.Fprintf(w, "- stop rule: %s\n", u.StopRule)
		}
		if len(u.Added) > 0 {
			old := "kept as saved"
			if u.Refresh {
				old = "saved sums plus the update's measurements"
			}
			start := "the initialization of seed %d, as the saved run started (-start init; its saved weights unused)"
			switch u.Start {
			case StartQuarter:
				start = "the saved run's weights a quarter of the way through its training (-start quarter, weights-quarter.gob; a fresh head per added task, fresh optimizer state), seed %d"
			case StartFinal:
				start = "the saved weights of the run continued after its last step (-start final, -warm; a fresh head per added task, fresh optimizer state), seed %d"
			}
			fmt.Fprintf(w, "- pairs involving an added task: measured by the update, training all tasks from "+start+"; the other pairs: %s\n", rec.Seed, old)
		}
		if u.StartNote != "" {
			fmt.Fprintf(w, "- start: %s\n", u.StartNote)
		}
		fmt.Fprintf(w, "\n## Groupings\n\nEach budget's groups before and after (the rule of `tag group`, default options). ")
		fmt.Fprintf(w, "An unchanged group's network can be kept; the others must be trained anew.\n\n")
		fmt.Fprintln(w, "| budget | before | after | unchanged groups | networks to train anew |")
		fmt.Fprintln(w, "| ---: | --- | --- | --- | --- |")
		for _, g := range u.Groupings {
			fmt.Fprintf(w, "| %d | %s | %s | %s | %d: %s |\n", g.Budget, GroupsText(g.Before), GroupsText(g.After),
				GroupsText(g.Unchanged), len(g.Anew), GroupsText(g.Anew))
		}
		writeChecks(w, u.Checks)
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

// writeChecks writes the stop rule's checks as a table: the groups at
// each budget with their score margin, the half agreement (the lowest
// adjusted Rand index of a half's groups against the groups), the
// split-half reliability of the watched pairs' ranks, and the run of
// steady checks.
func writeChecks(w io.Writer, checks []Check) {
	if len(checks) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Checks of the stop rule\n\n")
	fmt.Fprintln(w, "| step | measurements | groups per budget (score margin over the best alternative) | half agreement (lowest ARI) | split-half reliability of the watched pairs' ranks | same groups as before | steady in a row |")
	fmt.Fprintln(w, "| ---: | ---: | --- | ---: | ---: | --- | ---: |")
	for _, c := range checks {
		parts := make([]string, len(c.Groups))
		for i, g := range c.Groups {
			margin := "–"
			if g.Margin != nil {
				margin = fmt.Sprintf("%.3g", *g.Margin)
			}
			parts[i] = fmt.Sprintf("k=%d: %s (%s)", g.Budget, GroupsText(g.Groups), margin)
		}
		rank, half := "–", "–"
		if c.Reliability != nil {
			rank = fmt.Sprintf("%.3f", *c.Reliability)
		}
		if c.HalfAgreement != nil {
			half = fmt.Sprintf("%.3f", *c.HalfAgreement)
		}
		same := "no"
		if c.Same {
			same = "yes"
		}
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %s | %d |\n", c.Step, c.Measurements, strings.Join(parts, "; "), half, rank, same, c.Run)
	}
}
