package affinityrun

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/dirlock"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/report"
	"github.com/tagroup/tag/taskmatrix"
)

// Record is DIR/run.json of an affinity run (`tag affinity`) or of an
// update of one (`tag update`).
type Record struct {
	Data string `json:"data"`
	// Source says how to open the data again (an update opens it with
	// the added tasks as further targets).
	Source *catalog.Spec `json:"source,omitempty"`
	// DataDigest fingerprints the data's content (data.Digest), so that
	// an update refuses other data.
	DataDigest string                 `json:"data_digest"`
	Tasks      []string               `json:"tasks"`
	Features   []string               `json:"features,omitempty"`
	Leakage    []string               `json:"leakage_warnings,omitempty"`
	Config     mtl.Config             `json:"config"`
	Affinity   affinity.Options       `json:"affinity"`
	Seed       uint64                 `json:"seed"`
	Versions   map[string]string      `json:"versions"`
	Seconds    float64                `json:"seconds"`
	Steps      int                    `json:"steps"`
	Epochs     int                    `json:"epochs"`
	BestEpoch  int                    `json:"best_epoch"`
	Validation map[string]mtl.Metrics `json:"validation"`
	Test       map[string]mtl.Metrics `json:"test"`
	History    []mtl.EpochRecord      `json:"history"`
	Finished   time.Time              `json:"finished"`
	// Stop is set when a stop rule watched a from-scratch run: why its
	// measurement ended, and the steps it saved.
	Stop *StopRecord `json:"stop,omitempty"`
	// Update is set when an update made the run: Steps and Seconds are
	// then the update's alone.
	Update *UpdateRecord `json:"update,omitempty"`
}

// Files are what an affinity run writes besides run.json, and what an
// update continues from.
type Files struct {
	// Sums are the per-pair sums and counts behind affinity.csv and
	// cosine.csv.
	Sums       *affinity.PairSums
	Trajectory []taskmatrix.Point
	// Weights are the network's parameters after its last step.
	Weights *mtl.Parameters
	// Snapshot are its parameters after 1/SnapshotDivisor of the planned
	// steps of the run from scratch (weights-quarter.gob; an update keeps
	// the one of the run it continued); nil when that run stopped before
	// that step or was made by an older tag.
	Snapshot *mtl.Parameters
}

// InputError is a refusal of the input (an option, a run folder, a task
// name, data that differ from a run's): nothing was written. Commands
// exit with status 2 for it.
type InputError struct{ Err error }

// Error returns the reason for the refusal.
func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// BadInput marks the error as the user's: commands exit with status 2.
func (e *InputError) BadInput() {}

func inputf(format string, args ...any) error {
	return &InputError{fmt.Errorf(format, args...)}
}

// IsInput reports whether err is (or wraps) an InputError.
func IsInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// Versions are the versions of Go, of this module and of GoMLX in the
// running binary, for Record.Versions.
func Versions() map[string]string {
	v := map[string]string{"go": runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v["tag"] = bi.Main.Version
		for _, d := range bi.Deps {
			if strings.HasPrefix(d.Path, "github.com/gomlx/") {
				v[d.Path] = d.Version
			}
		}
	}
	return v
}

// PrepareDir readies l.Dir for a run with configuration conf (a value that
// encodes as a JSON object: data, tasks, recipe, seed, ...): it refuses to
// overwrite a finished or started run unless resume or force is given
// (InputError), then joins the processes at work in l.Dir under conf, or
// refuses if they work with another configuration (InputError naming the
// fields that differ; see dirlock), removes the temporary files of killed
// writers and, with force, the earlier files. Nothing is written before a
// refusal. The lock is held until Release or the end of the process.
func PrepareDir(l experiment.Layout, resume, force bool, conf any) (*dirlock.Lock, error) {
	checkpoint := filepath.Join(l.Dir, mtl.CheckpointFile)
	started := exists(checkpoint)
	finished := exists(l.RunRecord())
	switch {
	case resume && force:
		return nil, inputf("-resume and -force exclude each other")
	case resume && !started:
		return nil, inputf("-resume: %s holds no checkpoint", l.Dir)
	case !resume && !force && finished:
		return nil, inputf("%s holds a finished run; use -resume to rewrite its results or -force to start over", l.Dir)
	case !resume && !force && started:
		return nil, inputf("%s holds a started run; use -resume to continue it or -force to start over", l.Dir)
	}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := dirlock.Acquire(l.Dir, conf)
	var conflict *dirlock.ConflictError
	if errors.As(err, &conflict) {
		return nil, &InputError{err}
	}
	if err != nil {
		return nil, err
	}
	if _, err := atomicfile.RemoveStaleTree(l.Dir); err != nil && !atomicfile.ReadOnly(err) {
		lock.Release()
		return nil, err
	}
	if force {
		for _, p := range append([]string{checkpoint}, l.AffinityOutputs()...) {
			if err := os.RemoveAll(p); err != nil {
				lock.Release()
				return nil, err
			}
			if err := os.RemoveAll(atomicfile.Sidecar(p)); err != nil {
				lock.Release()
				return nil, err
			}
		}
	}
	return lock, nil
}

// Written lists the outputs present in l.Dir.
func Written(l experiment.Layout) []string {
	var out []string
	for _, p := range l.AffinityOutputs() {
		if exists(p) {
			out = append(out, p)
		}
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Write writes the matrices, the trajectory, the plots, the weights, the
// sums and, last, run.json into l.Dir: a folder with run.json is
// complete.
func Write(l experiment.Layout, f Files, rec Record) error {
	summary := &experiment.AffinitySummary{Affinity: f.Sums.Affinity(), Cosine: f.Sums.CosineMean(), Trajectory: f.Trajectory}
	if err := experiment.WriteAffinityFiles(l, summary); err != nil {
		return err
	}
	if _, err := report.WriteAffinityPlots(l.Dir, summary, f.Sums.Tasks, nil); err != nil {
		return err
	}
	if err := writeWeightsSums(l, f); err != nil {
		return err
	}
	return writeJSON(l.RunRecord(), rec)
}

// writeWeightsSums writes the weights, the snapshot (when f has one)
// and the sums of f into l.Dir.
func writeWeightsSums(l experiment.Layout, f Files) error {
	if err := writeParameters(l.Weights(), f.Weights); err != nil {
		return err
	}
	if f.Snapshot != nil {
		if err := writeParameters(l.WeightsQuarter(), f.Snapshot); err != nil {
			return err
		}
	}
	// The sums are for tag update, not for reading: without indentation,
	// which put each of the 3n² numbers on a line of its own.
	if err := atomicfile.Write(l.AffinitySums(), func(w io.Writer) error { return json.NewEncoder(w).Encode(f.Sums) }); err != nil {
		return err
	}
	return nil
}

// WriteState writes what a continuation needs of an affinity run into
// the folder dir: its weights, snapshot, per-pair sums and trajectory (the files
// of Write of those names), for ReadState.
func WriteState(dir string, f Files) error {
	l := experiment.Layout{Dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := taskmatrix.WriteTrajectoryFile(l.TrajectoryCSV(), f.Trajectory); err != nil {
		return err
	}
	return writeWeightsSums(l, f)
}

// ReadState reads what WriteState wrote in dir.
func ReadState(dir string) (*Files, error) {
	return readFiles(experiment.Layout{Dir: dir})
}

// writeJSON writes v as indented JSON to path, atomically.
func writeJSON(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// Read reads what Write wrote in l.Dir, each file verified against its
// checksum file when it has one (runs written before checksums are read
// unverified) and the sums checked for their domain. Errors are input
// errors that say what is missing or damaged.
func Read(l experiment.Layout) (*Record, *Files, error) {
	b, err := atomicfile.ReadFile(l.RunRecord())
	if err != nil {
		return nil, nil, inputf("%s is not a finished tag affinity run: %v", l.Dir, redo(err))
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, nil, inputf("%s: %v", l.RunRecord(), err)
	}
	if rec.DataDigest == "" || len(rec.Tasks) == 0 {
		return nil, nil, inputf("%s is not a tag affinity run that can be updated (no data_digest or tasks; rerun tag affinity)", l.RunRecord())
	}
	f, err := readFiles(l)
	if err == nil && !slices.Equal(f.Sums.Tasks, rec.Tasks) {
		err = fmt.Errorf("%s: tasks %v, but run.json has %v", filepath.Base(l.AffinitySums()), f.Sums.Tasks, rec.Tasks)
	}
	if err != nil {
		return nil, nil, inputf("%s is not a tag affinity run that can be updated: %v", l.Dir, err)
	}
	return &rec, f, nil
}

// readFiles reads the sums, weights and trajectory in l.Dir; an error
// names the file.
func readFiles(l experiment.Layout) (*Files, error) {
	f := &Files{Sums: &affinity.PairSums{}}
	b, err := atomicfile.ReadFile(l.AffinitySums())
	if err == nil {
		err = json.Unmarshal(b, f.Sums)
	}
	if err == nil {
		err = f.Sums.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(l.AffinitySums()), redo(err))
	}
	if f.Weights, err = readParameters(l.Weights()); err != nil {
		return nil, err
	}
	if exists(l.WeightsQuarter()) {
		if f.Snapshot, err = readParameters(l.WeightsQuarter()); err != nil {
			return nil, err
		}
	}
	if f.Trajectory, err = taskmatrix.ReadTrajectoryFile(l.TrajectoryCSV()); err != nil {
		return nil, redo(err)
	}
	return f, nil
}

// writeParameters writes p into path with its checksum file, for
// readParameters.
func writeParameters(path string, p *mtl.Parameters) error {
	return atomicfile.Write(path, func(w io.Writer) error { return gob.NewEncoder(w).Encode(p) })
}

// readParameters reads the parameters in path, verified against its
// checksum file; an error names the file.
func readParameters(path string) (*mtl.Parameters, error) {
	p := &mtl.Parameters{}
	b, err := atomicfile.ReadFile(path)
	if err == nil {
		err = gob.NewDecoder(bytes.NewReader(b)).Decode(p)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), redo(err))
	}
	return p, nil
}

// redo turns a damaged file of a finished affinity run into a message that
// says how to repair it: no file of the run can be redone alone.
func redo(err error) error {
	var ce *atomicfile.ChecksumError
	if !errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%s is damaged (its SHA-256 no longer matches %s); redo the run: the tag affinity command that made it, with -force",
		ce.Path, filepath.Base(ce.Sidecar))
}
