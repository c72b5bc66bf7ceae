package affinityrun

import (
	"time"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// Fresh is an affinity run from scratch (`tag affinity`): one network
// trained on all Tasks of Data while the affinity is measured, its
// measurement ended early by Stop when set. Conf, Options, Record and
// Write are its steps around mtl.Train.
type Fresh struct {
	Data     data.Dataset
	Tasks    []string
	Config   mtl.Config
	Affinity affinity.Options
	Seed     uint64
	// Stop ends the measurement (and the training) once the groups at its
	// budgets are stable; nil trains the recipe's epochs.
	Stop *GroupStability
	// Source is how the data was opened (catalog.Recorded), kept in the
	// record so that an update can open it again.
	Source *catalog.Spec

	digest  string
	stopper *Stopper
}

// Conf is what the run's files depend on, for PrepareDir: two processes
// on one folder must agree on it. It fingerprints the data (data.Digest).
func (f *Fresh) Conf() (map[string]any, error) {
	digest, err := data.Digest(f.Data)
	if err != nil {
		return nil, err
	}
	f.digest = digest
	var rule any // the stop rule, or null
	if f.Stop != nil {
		rule = *f.Stop
	}
	return map[string]any{"data": f.Data.Name(), "data_digest": digest, "tasks": f.Tasks, "recipe": f.Config,
		"affinity": f.Affinity, "seed": f.Seed, "until_stable": rule}, nil
}

// Options are the options of mtl.Train for the run, with its checkpoint
// in dir and its snapshot after SnapshotStep.
func (f *Fresh) Options(dir string) mtl.Options {
	aopt := f.Affinity
	opt := mtl.Options{CheckpointDir: dir, Affinity: &aopt, SnapshotStep: SnapshotStep(f.Data, f.Config)}
	if f.Stop != nil {
		f.stopper = NewStopper(*f.Stop)
		opt.Stop = f.stopper.StopRule()
	}
	return opt
}

// Record is the run's run.json after mtl.Train returned res (Conf must
// have been called before): with the stop rule's record when Stop is set.
func (f *Fresh) Record(res *mtl.Result) (Record, error) {
	run := Record{Data: f.Data.Name(), DataDigest: f.digest, Tasks: f.Tasks, Config: f.Config, Affinity: f.Affinity,
		Seed: f.Seed, Versions: Versions(), Seconds: res.Seconds, Steps: res.Steps, Epochs: res.Epochs,
		BestEpoch: res.BestEpoch, Validation: res.Validation, Test: res.Test, History: res.History,
		Finished: time.Now().UTC(), Source: f.Source}
	run.Features, run.Leakage = data.Inputs(f.Data)
	if f.stopper != nil {
		var err error
		if run.Stop, err = f.stopper.Record(res, f.Config.Epochs, mtl.StepsPerEpoch(f.Data, f.Config)); err != nil {
			return run, err
		}
	}
	return run, nil
}

// WriteResult writes the run's files and run.json into l. A result
// without sums or weights (a run finished by an older tag, resumed) is
// refused as an InputError.
func WriteResult(l experiment.Layout, res *mtl.Result, run Record) error {
	if res.Sums == nil || res.Parameters == nil {
		return inputf("%s holds a run finished by an older tag without its affinity sums and weights; use -force to start over", l.Dir)
	}
	return Write(l, FilesOf(res), run)
}

// FilesOf are the files of a finished training res: its pair sums,
// trajectory, parameters and snapshot.
func FilesOf(res *mtl.Result) Files {
	return Files{Sums: res.Sums.PairSums(), Trajectory: res.Trajectory, Weights: res.Parameters, Snapshot: res.Snapshot}
}
