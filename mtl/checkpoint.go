package mtl

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/internal/atomicfile"
)

// CheckpointFile is the name of the checkpoint inside Options.CheckpointDir.
const CheckpointFile = "checkpoint.gob"

// runState is everything a resumed run needs to continue exactly.
type runState struct {
	Fingerprint string
	// Epoch is the current epoch, StepInEpoch the next step within it and
	// Step the number of steps done.
	Epoch, StepInEpoch, Step int
	Params, State            [][]float32
	// Best holds the parameters of BestEpoch, the lowest validation loss
	// BestLoss; BadEpochs counts the epochs since.
	Best      [][]float32
	BestLoss  float64
	BestEpoch int
	BadEpochs int
	Stopped   bool
	// EpochLoss sums the weighted training losses of the EpochSteps steps
	// done in the current epoch.
	EpochLoss  float64
	EpochSteps int
	History    []EpochRecord
	Acc        *affinity.Accumulator
	// GradNorm is GradNorm's state (Config.UpdateRule "gradnorm" only); UW's
	// log-variances are among Params.
	GradNorm *gradNormState
	// Snapshot are the parameters after SnapshotStep steps
	// (Options.SnapshotStep), once taken.
	Snapshot     [][]float32
	SnapshotStep int
	// StopState is the StopRule's own state (StopRule.State).
	StopState []byte
	Seconds   float64
	Done      bool
	Result    *Result
}

// loadCheckpoint returns the state stored in the run's checkpoint
// folder, nil when there is none, or an error if it belongs to another
// run. A damaged checkpoint (its checksum differs, it does not decode, or
// its state does not fit the run) is never used: the run is told through
// Options.Warn, the file is removed and training restarts from scratch,
// which gives the result an undisturbed run would have.
func (r *run) loadCheckpoint(fingerprint string) (*runState, error) {
	dir := r.opt.CheckpointDir
	if dir == "" {
		return nil, nil
	}
	path := filepath.Join(dir, CheckpointFile)
	b, err := atomicfile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var ce *atomicfile.ChecksumError
	if err != nil && !errors.As(err, &ce) {
		return nil, err
	}
	if ce != nil {
		err = fmt.Errorf("its content does not match %s", filepath.Base(ce.Sidecar))
	}
	var st runState
	if err == nil {
		if err = gob.NewDecoder(bytes.NewReader(b)).Decode(&st); err == nil && st.Fingerprint != fingerprint {
			return nil, fmt.Errorf("checkpoint %s belongs to another run (different configuration, tasks or data); "+
				"use another directory or remove it", path)
		}
	}
	if err == nil {
		err = r.checkState(&st)
	}
	if err == nil {
		return &st, nil
	}
	if rerr := atomicfile.Remove(path); rerr != nil {
		return nil, fmt.Errorf("checkpoint %s is damaged (%v) and cannot be removed: %w; remove it by hand to restart this network", path, err, rerr)
	}
	r.warn(fmt.Sprintf("checkpoint %s is damaged (%v): removed it, training this network from scratch", path, err))
	return nil, nil
}

// warn hands a line to Options.Warn, or writes it to standard error.
func (r *run) warn(line string) {
	if r.opt.Warn != nil {
		r.opt.Warn(line)
		return
	}
	fmt.Fprintln(os.Stderr, "warning: "+line)
}

// checkState refuses a decoded state that does not fit the run: another
// number or size of parameters, optimizer slots, affinity sums or task
// weights than this network has, or impossible counters. A checkpoint
// without a checksum file (written before checksums) is only checked here.
func (r *run) checkState(st *runState) error {
	specs := r.eng.m.specs
	fits := func(what string, vs [][]float32, per int) error {
		if len(vs) != len(specs)*per {
			return fmt.Errorf("%d %s arrays, want %d", len(vs), what, len(specs)*per)
		}
		for k, v := range vs {
			if len(v) != specs[k/per].size() {
				return fmt.Errorf("%s array %d has %d values, want %d", what, k, len(v), specs[k/per].size())
			}
		}
		return nil
	}
	if err := fits("parameter", st.Params, 1); err != nil {
		return err
	}
	if st.State != nil {
		if err := fits("optimizer state", st.State, r.eng.opt.slots()); err != nil {
			return err
		}
	}
	if st.Best != nil {
		if err := fits("best-epoch parameter", st.Best, 1); err != nil {
			return err
		}
	}
	if st.Snapshot != nil {
		if err := fits("snapshot parameter", st.Snapshot, 1); err != nil {
			return err
		}
	}
	if st.Epoch < 0 || st.StepInEpoch < 0 || st.Step < 0 || st.EpochSteps < 0 || st.BadEpochs < 0 {
		return fmt.Errorf("negative counters (epoch %d, step %d)", st.Epoch, st.Step)
	}
	if (st.Acc == nil) != (r.opt.Affinity == nil) {
		return errors.New("affinity sums present in one of the run and the checkpoint only")
	}
	if st.Acc != nil {
		if err := st.Acc.Validate(); err != nil {
			return err
		}
		if !slices.Equal(st.Acc.Tasks, r.tasks) {
			return fmt.Errorf("affinity sums of tasks %v, want %v", st.Acc.Tasks, r.tasks)
		}
	}
	if g := st.GradNorm; g != nil && (len(g.Weights) != len(r.tasks) || g.Initial != nil && len(g.Initial) != len(r.tasks)) {
		return fmt.Errorf("GradNorm state of %d tasks, want %d", len(g.Weights), len(r.tasks))
	}
	return nil
}

// checkpoint writes the current state atomically (no-op without a
// checkpoint directory).
func (r *run) checkpoint() error {
	if r.opt.CheckpointDir == "" {
		return nil
	}
	st := r.st
	var err error
	if st.Params, err = r.eng.copyParams(); err != nil {
		return err
	}
	if st.State, err = r.eng.copyState(); err != nil {
		return err
	}
	st.GradNorm = r.eng.gn.clone()
	if s := r.opt.Stop; s != nil && s.State != nil {
		st.StopState = s.State()
	}
	st.Seconds = r.elapsed().Seconds()
	if err := mkdirAllRetry(r.opt.CheckpointDir); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(r.opt.CheckpointDir, CheckpointFile), func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(st)
	})
}

// mkdirAllRetry is os.MkdirAll that tries again when a parent folder
// vanished while it ran: another process sharing the run directory may
// remove an empty parent (an experiment removes its empty checkpoints
// folder when it ends) between MkdirAll's check of the parent and its
// creation of the child. Once the child exists the parent is not empty and
// cannot be removed that way.
func mkdirAllRetry(dir string) error {
	var err error
	for range 5 {
		if err = os.MkdirAll(dir, 0o755); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return err
}
