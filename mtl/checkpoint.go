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
	// Best holds the weights of BestEpoch, the lowest validation loss
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
	// GradNorm is GradNorm's state (Config.Balance "gradnorm" only); UW's
	// log-variances are among Params.
	GradNorm *gradNormState
	// StopState is the StopRule's own state (StopRule.State).
	StopState []byte
	Seconds   float64
	Done      bool
	Result    *Result
}

// loadCheckpoint returns the state stored in dir, nil when there is none,
// or an error if it belongs to another run or cannot be read.
func loadCheckpoint(dir, fingerprint string) (*runState, error) {
	if dir == "" {
		return nil, nil
	}
	path := filepath.Join(dir, CheckpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st runState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&st); err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w", path, err)
	}
	if st.Fingerprint != fingerprint {
		return nil, fmt.Errorf("checkpoint %s belongs to another run (different configuration, tasks or data); "+
			"use another directory or remove it", path)
	}
	return &st, nil
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
