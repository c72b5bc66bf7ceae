package affinityrun

import (
	"slices"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/mtl"
)

// Starts of an update's training (Continue.Start, UpdateOptions.Start):
// the weights all tasks are trained from while the added pairs are
// measured.
const (
	// StartInit is the initialization of the run's seed, as the saved run
	// started.
	StartInit = "init"
	// StartQuarter is the snapshot of the saved run's weights a quarter of
	// the way through its training (Files.Snapshot), with a fresh head per
	// added task.
	StartQuarter = "quarter"
	// StartFinal is the saved run's weights after its last step
	// (Files.Weights), with a fresh head per added task (-warm).
	StartFinal = "final"
	// DefaultStart is the start of an update that names none: the
	// initialization. From StartQuarter the added pairs agree better with
	// from-scratch runs on most data measured, but on glyphs with left,
	// wide and vowel added the update stopped with groups that score a
	// tenth of the families' on every from-scratch run's matrix; from the
	// initialization it found the families in every case measured
	// (docs/update-stop-rule.md).
	DefaultStart = StartInit
)

// starts lists the starts an update accepts.
var starts = []string{StartInit, StartQuarter, StartFinal}

// SnapshotDivisor places the snapshot an affinity run keeps for later
// updates (Files.Snapshot, weights-quarter.gob): after 1/SnapshotDivisor
// of its planned steps. An update measures the added pairs in a window of
// training from some weights. From the initialization the window sees
// only early training, and the added pairs agreed with from-scratch runs
// less than two from-scratch seeds agree with each other (glyphs: rank
// correlation 0.33 against a yardstick of 0.53). From the final weights
// the network has converged (on a planted CSV with Adam, overfit), and
// tasks of one family fit at nearby optima can hinder each other where
// they helped each other while the representation formed: the planted
// families were missed. A quarter of the way through, the representation
// is formed and not yet overfit: from this snapshot the update found the
// planted families at k = 3 on glyphs, planted data and three planted CSV
// files, and its added pairs agreed with from-scratch runs at least as
// two from-scratch seeds do on glyphs and planted data (0.572 against
// 0.533 at 23% of a from-scratch run's steps, 0.723 against 0.705 at 6.7%,
// under the default stop rule). With other tasks left out and added it
// missed the glyphs families in one of three cases (DefaultStart says why it is
// not the default; docs/update-stop-rule.md has every figure).
const SnapshotDivisor = 4

// SnapshotStep is the step after which an affinity run of cfg on ds keeps
// its snapshot: a quarter of its planned steps (epochs × steps per
// epoch); 0 (no snapshot) for a run of fewer than SnapshotDivisor steps.
func SnapshotStep(ds data.Dataset, cfg mtl.Config) int {
	return cfg.Epochs * mtl.StepsPerEpoch(ds, cfg) / SnapshotDivisor
}

// validStart refuses a start other than starts (InputError naming
// -start).
func validStart(start string) error {
	if slices.Contains(starts, start) {
		return nil
	}
	return inputf("-start %q: want %s, %s or %s", start, StartInit, StartQuarter, StartFinal)
}
