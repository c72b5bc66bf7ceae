package report

import (
	"strings"
	"testing"

	"github.com/tagroup/tag/experiment"
)

// A continued affinity run that could not start where asked says why on a
// line of its own, once; one that did has no such line.
func TestWriteReuseStartNote(t *testing.T) {
	r := &experiment.Reuse{From: "old", Added: []string{"a2"}, Affinity: []experiment.AffinityReuse{
		{Seed: 1, Continued: true, Steps: 50, ScratchSteps: 1500, StepRatio: 50.0 / 1500, StartNote: "no weights-quarter.gob: started from the initialization"},
		{Seed: 2, Continued: true, Steps: 60, ScratchSteps: 1500, StepRatio: 60.0 / 1500},
	}}
	var b strings.Builder
	if err := WriteReuse(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "- affinity run, seed 1, start: no weights-quarter.gob: started from the initialization\n") != 1 || strings.Contains(out, "seed 2, start:") {
		t.Errorf("WriteReuse:\n%s", out)
	}
}
