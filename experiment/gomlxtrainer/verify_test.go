package gomlxtrainer

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/faultfile"
	"github.com/tagroup/tag/mtl"
)

// The first reproduction of issue 21: the affinity run of an experiment is
// interrupted, 64 zero bytes are written into the middle of its
// checkpoint, and the run is repeated. The damaged checkpoint is not used:
// the network is trained from scratch and its affinity matrix equals the
// undisturbed run's (before checksums it held a row of zeros).
func TestDamagedAffinityCheckpointRetrains(t *testing.T) {
	_, tr := plantedSetup(t)
	tr.Config.Epochs = 3
	tasks := []string{"a0", "a1", "b0", "b1"}
	want, err := tr.AffinityRun(context.Background(), experiment.Job{Tasks: tasks, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	job := experiment.Job{Tasks: tasks, Seed: 1, CheckpointDir: filepath.Join(t.TempDir(), "unit")}
	ctx, cancel := context.WithCancel(context.Background())
	tr.Progress = func(_ experiment.Job, p mtl.Progress) {
		if p.Epoch >= 1 {
			cancel()
		}
	}
	if _, err := tr.AffinityRun(ctx, job); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	if err := faultfile.ZeroMiddle(filepath.Join(job.CheckpointDir, mtl.CheckpointFile), 64); err != nil {
		t.Fatal(err)
	}
	tr.Progress = nil
	got, err := tr.AffinityRun(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Affinity, want.Affinity) || !reflect.DeepEqual(got.Tasks, want.Tasks) {
		t.Errorf("after a damaged checkpoint: affinity %v, want %v", got.Affinity.Values, want.Affinity.Values)
	}
}
