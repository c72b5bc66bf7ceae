package affinityrun

import (
	"context"
	"fmt"
	"slices"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/taskmatrix"
)

// Continue is the measurement of an update on its own, without run
// folders: what `tag update` trains, and what the affinity run of `tag
// run -from` trains when it continues the earlier run's.
type Continue struct {
	// Tasks are the new task list (the old tasks less Removed, then
	// Added); Old the continued run's files.
	Tasks          []string
	Added, Removed []string
	Old            *Files
	// Config and Affinity are the recipe (the continued run's).
	Config   mtl.Config
	Affinity affinity.Options
	// Steps > 0 measures for exactly that many steps; 0 until Rule is
	// met, for at most MaxEpochs epochs (0: the recipe's). Rule.Every 0
	// means the default interval of GroupStability.WithDefaultEvery over
	// the recipe's planned steps.
	Steps, MaxEpochs int
	Rule             GroupStability
	// Refresh adds the measurements of the old pairs to their sums.
	Refresh bool
	// Start is where the training of all tasks starts (StartInit,
	// StartQuarter or StartFinal; "" is StartInit): the initialization of
	// the run's seed, as the saved run started; the saved run's snapshot a
	// quarter of the way through its training; or its weights after its
	// last step. From weights, the kept heads are the saved ones and each
	// added task gets a fresh head; the optimizer state starts fresh
	// (SnapshotDivisor says why a quarter). A StartQuarter without a
	// snapshot in Old (a run made by an older tag, or stopped before the
	// snapshot's step) falls back to StartInit, which Continued says.
	Start string
	// CheckpointDir keeps the training's checkpoint (an interrupted
	// measurement continues from it).
	CheckpointDir string
	Progress      func(mtl.Progress)
}

// Continued is the outcome of Continue.Run.
type Continued struct {
	// Files are the new run's sums, trajectory and weights.
	Files Files
	// Result is the training's (nil when nothing was added: no training).
	Result *mtl.Result
	// Stop says why the measurement ended.
	Stop StopRecord
	// Start is where the training started (Continue.Start after a
	// fallback; "" when nothing was trained), StartNote why it is not the
	// start asked for ("" when it is).
	Start, StartNote string
}

// NoSnapshot is Continued.StartNote when a StartQuarter fell back to
// StartInit.
const NoSnapshot = "the run continued has no snapshot of its weights a quarter of the way through its training " +
	"(made by an older tag, or stopped before that step): trained from the initialization of its seed instead"

// start returns the start of the training, the weights it starts from
// (nil: the seed's initialization) and the note of a fallback, given the
// old weights and snapshot less the removed tasks' heads.
func (c Continue) start(weights, snapshot *mtl.Parameters) (string, *mtl.Parameters, string) {
	switch c.Start {
	case StartFinal:
		return StartFinal, weights, ""
	case StartQuarter:
		if snapshot == nil {
			return StartInit, nil, NoSnapshot
		}
		return StartQuarter, snapshot, ""
	}
	return StartInit, nil, ""
}

// Run drops the removed tasks from the old sums, trajectory and weights
// and, when tasks are added, trains all tasks (from the seed's
// initialization, or from the old snapshot or weights, Start) while measuring, keeping the new pairs' sums (and the old pairs' with
// Refresh) until the stop rule is met.
func (c Continue) Run(ctx context.Context, ds data.Dataset) (*Continued, error) {
	kept, err := c.Old.Sums.Without(c.Removed)
	if err != nil {
		return nil, err
	}
	traj := keepTasks(c.Old.Trajectory, c.Tasks)
	weights := c.Old.Weights.Without(c.Removed)
	// The snapshot goes forward, so that an update of this one can start
	// from it too.
	var snapshot *mtl.Parameters
	if c.Old.Snapshot != nil {
		snapshot = c.Old.Snapshot.Without(c.Removed)
	}
	if len(c.Added) == 0 {
		return &Continued{Files: Files{Sums: kept, Trajectory: traj, Weights: weights, Snapshot: snapshot}, Stop: StopRecord{Stop: StopNothingAdded}}, nil
	}
	window := c.Config
	opt := mtl.Options{CheckpointDir: c.CheckpointDir, Affinity: &c.Affinity, Progress: c.Progress}
	start, init, note := c.start(weights, snapshot)
	opt.Init = init
	stepsPerEpoch := max(mtl.StepsPerEpoch(ds, c.Config), 1)
	var stopper *Stopper
	if c.Steps > 0 {
		opt.MaxSteps = c.Steps
		window.Epochs = (c.Steps + stepsPerEpoch - 1) / stepsPerEpoch
	} else {
		if c.MaxEpochs > 0 {
			window.Epochs = c.MaxEpochs
		}
		rule := c.Rule.WithDefaultEvery(max(c.Affinity.Every, 1), c.Config.Epochs*stepsPerEpoch)
		refresh := c.Refresh
		stopper = &Stopper{&tracker{rule: rule, watched: c.Added, matrix: func(acc *affinity.Accumulator) (*taskmatrix.Matrix, error) {
			sums, err := kept.Merge(acc, refresh)
			if err != nil {
				return nil, err
			}
			return sums.Affinity(), nil
		}}}
		opt.Stop = stopper.StopRule()
	}
	res, err := mtl.Train(ctx, ds, c.Tasks, window, opt)
	if err != nil {
		return nil, err
	}
	if res.Sums == nil || res.Parameters == nil {
		return nil, inputf("%s holds an update finished by an older tag; use -force to start over", c.CheckpointDir)
	}
	sums, err := kept.Merge(res.Sums, c.Refresh)
	if err != nil {
		return nil, err
	}
	offset := 0
	for _, p := range c.Old.Trajectory {
		offset = max(offset, p.Epoch+1)
	}
	for _, p := range res.Trajectory {
		p.Epoch += offset
		traj = append(traj, p)
	}
	out := &Continued{Files: Files{Sums: sums, Trajectory: traj, Weights: res.Parameters, Snapshot: snapshot}, Result: res,
		Start: start, StartNote: note}
	if stopper == nil {
		out.Stop = StopRecord{Stop: StopSteps, StopReason: fmt.Sprintf("a fixed number of steps (-steps %d)", c.Steps)}
		return out, nil
	}
	r, err := stopper.Record(res, window.Epochs, stepsPerEpoch)
	if err != nil {
		return nil, err
	}
	out.Stop = *r
	return out, nil
}

// keepTasks returns the points whose source and target are both in tasks.
func keepTasks(pts []taskmatrix.Point, tasks []string) []taskmatrix.Point {
	var out []taskmatrix.Point
	for _, p := range pts {
		if slices.Contains(tasks, p.Source) && slices.Contains(tasks, p.Target) {
			out = append(out, p)
		}
	}
	return out
}
