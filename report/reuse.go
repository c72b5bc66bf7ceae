package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
)

// WriteReuseFile writes r, what the run in out reused (WriteReuse), to
// out's reuse.md under a heading naming the run it continued (report.md
// holds it too).
func WriteReuseFile(out experiment.Layout, r *experiment.Reuse) error {
	return atomicfile.Write(out.Reuse(), func(w io.Writer) error {
		fmt.Fprintf(w, "# tag run -from %s\n\n", r.From)
		return WriteReuse(w, r)
	})
}

// WriteReuse writes, in Markdown, what a run continued from another
// (`tag run -from`, Results.Reuse) reused: the networks reused and
// trained, the training time against a full re-run's, and whether each
// seed's affinity run was continued, with its steps against a run from
// scratch (and, on a line of its own, why it did not start where asked:
// AffinityReuse.StartNote).
func WriteReuse(w io.Writer, r *experiment.Reuse) error {
	fmt.Fprintf(w, "Continued from %s: removed %s, added %s.\n\n", mdEscape(r.From), mdEscape(ListOrNone(r.Removed)), mdEscape(ListOrNone(r.Added)))
	fmt.Fprintf(w, "- networks reused from %s: %d (their training took %.1f s there)\n", mdEscape(r.From), r.NetworksReused, r.SecondsReused)
	fmt.Fprintf(w, "- networks trained: %d (%.1f s)\n", r.NetworksTrained, r.SecondsTrained)
	if r.FullSeconds > 0 {
		fmt.Fprintf(w, "- training time against a full re-run: %.1f s of an estimated %.1f s (%.0f%%)\n", r.SecondsTrained, r.FullSeconds, 100*r.TimeFraction)
	}
	for _, a := range r.Affinity {
		if !a.Continued {
			fmt.Fprintf(w, "- affinity run, seed %d: %d steps; not continued: %s\n", a.Seed, a.Steps, mdEscape(a.Reason))
			continue
		}
		fmt.Fprintf(w, "- affinity run, seed %d: continued for %d steps (%.0f%% of the %d steps from scratch)", a.Seed, a.Steps, 100*a.StepRatio, a.ScratchSteps)
		if a.StopReason != "" {
			fmt.Fprintf(w, "; %s", mdEscape(a.StopReason))
		}
		fmt.Fprintln(w)
		if a.StartNote != "" {
			fmt.Fprintf(w, "- affinity run, seed %d, start: %s\n", a.Seed, mdEscape(a.StartNote))
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// ListOrNone joins xs with commas, or says "none".
func ListOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
