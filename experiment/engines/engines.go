// Package engines connects the experiment package's small interfaces to
// this repository's engines: a Trainer backed by mtl.Train (the GoMLX
// multi-task training engine, with lookahead affinity from package affinity
// for the affinity run) on a data.Dataset, and a Selector backed by package
// selection (exact or anytime network selection under a budget of at most
// k networks, TAG §2 of Fifty et al., NeurIPS 2021).
//
// It is a separate package so that package experiment, and its tests, stay
// free of GoMLX.
package engines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// Trainer trains every unit with mtl.Train on one data set and recipe.
// It is safe for concurrent use, as mtl.Train is.
type Trainer struct {
	// Data is the data set every unit trains on.
	Data data.Dataset
	// Config is the recipe; its Seed is replaced by each unit's seed.
	Config mtl.Config
	// Affinity configures the measurement in the affinity run.
	Affinity affinity.Options
	// Progress, if set, receives mtl's per-step progress with the unit's
	// tasks; it may be called from several goroutines at once.
	Progress func(tasks []string, p mtl.Progress)
	// CheckpointRoot, if set, is a folder under which every network in
	// training keeps an exact checkpoint (mtl.Options.CheckpointDir), in a
	// sub-folder named after its tasks, seed and recipe: a network
	// interrupted in the middle continues where it stopped instead of
	// starting over. The sub-folder is removed once the network finishes.
	CheckpointRoot string
}

// Recipe returns the training configuration (seed cleared, since units
// carry their own) and the affinity options.
func (t *Trainer) Recipe() any {
	c := t.Config
	c.Seed = 0
	return map[string]any{"mtl": c, "affinity": t.Affinity}
}

func (t *Trainer) train(ctx context.Context, tasks []string, seed uint64, aff *affinity.Options) (*mtl.Result, error) {
	c := t.Config
	c.Seed = seed
	opt := mtl.Options{Affinity: aff}
	if t.Progress != nil {
		opt.Progress = func(p mtl.Progress) { t.Progress(tasks, p) }
	}
	if t.CheckpointRoot != "" {
		name, err := checkpointName(tasks, seed, c, aff)
		if err != nil {
			return nil, err
		}
		opt.CheckpointDir = filepath.Join(t.CheckpointRoot, name)
	}
	r, err := mtl.Train(ctx, t.Data, tasks, c, opt)
	if err == nil && opt.CheckpointDir != "" {
		if rmErr := os.RemoveAll(opt.CheckpointDir); rmErr != nil {
			return nil, fmt.Errorf("removing the finished checkpoint: %w", rmErr)
		}
	}
	return r, err
}

// checkpointName names the checkpoint folder of one network: its kind,
// size and a hash of its tasks, seed, recipe and affinity options, so that
// no two networks of a run share a folder.
func checkpointName(tasks []string, seed uint64, c mtl.Config, aff *affinity.Options) (string, error) {
	b, err := json.Marshal(struct {
		Tasks    []string
		Seed     uint64
		Config   mtl.Config
		Affinity *affinity.Options
	}{tasks, seed, c, aff})
	if err != nil {
		return "", fmt.Errorf("naming the checkpoint of %v: %w", tasks, err)
	}
	kind := "group"
	if aff != nil {
		kind = "affinity"
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%s-%d-%s", kind, len(tasks), hex.EncodeToString(sum[:8])), nil
}

// metrics converts mtl's per-split maps into experiment.TaskMetrics.
func metrics(r *mtl.Result, tasks []string) (map[string]experiment.TaskMetrics, error) {
	out := make(map[string]experiment.TaskMetrics, len(tasks))
	for _, t := range tasks {
		v, okV := r.Validation[t]
		te, okT := r.Test[t]
		if !okV || !okT {
			return nil, fmt.Errorf("training returned no metrics for task %q", t)
		}
		out[t] = experiment.TaskMetrics{
			Validation: experiment.Metrics{Loss: v.Loss, Error: v.Error},
			Test:       experiment.Metrics{Loss: te.Loss, Error: te.Error},
		}
	}
	return out, nil
}

// TrainGroup trains one network on tasks with mtl.Train.
func (t *Trainer) TrainGroup(ctx context.Context, tasks []string, seed uint64) (*experiment.GroupResult, error) {
	r, err := t.train(ctx, tasks, seed, nil)
	if err != nil {
		return nil, err
	}
	m, err := metrics(r, tasks)
	if err != nil {
		return nil, err
	}
	return &experiment.GroupResult{Tasks: m, Steps: int64(r.Steps), Seconds: r.Seconds}, nil
}

// AffinityRun trains one network on all tasks while measuring the lookahead
// affinity and the gradient cosine similarity.
func (t *Trainer) AffinityRun(ctx context.Context, tasks []string, seed uint64) (*experiment.AffinityResult, error) {
	aff := t.Affinity
	r, err := t.train(ctx, tasks, seed, &aff)
	if err != nil {
		return nil, err
	}
	m, err := metrics(r, tasks)
	if err != nil {
		return nil, err
	}
	if r.Affinity == nil {
		return nil, fmt.Errorf("training returned no affinity matrix")
	}
	return &experiment.AffinityResult{Affinity: r.Affinity, Cosine: r.Cosine, Trajectory: Trajectory(r.Trajectory), Tasks: m,
		Steps: int64(r.Steps), Seconds: r.Seconds}, nil
}

// Trajectory converts the affinity package's per-epoch points into the
// experiment's (the same fields; package experiment does not import
// affinity, which needs GoMLX).
func Trajectory(points []affinity.Point) []experiment.TrajectoryPoint {
	traj := make([]experiment.TrajectoryPoint, len(points))
	for i, p := range points {
		traj[i] = experiment.TrajectoryPoint{Epoch: p.Epoch, Source: p.Source, Target: p.Target, Value: p.Value}
	}
	return traj
}

// Selector selects with package selection under a budget of at most k
// networks.
type Selector struct {
	// Options tune the solver (seed and limits of the anytime search, and
	// MaxGroupSize, a cap on the tasks in one group).
	Options selection.Options
	// Rule names the affinity rule of MaxAffinity (one of
	// selection.AffinityRules); empty: the paper's.
	Rule string
}

// Settings returns the solver options, recorded in results.json.
func (s Selector) Settings() any { return s.Options }

// Select solves the grouping on m: MaxAffinity with selection's "affinity"
// rule, MinPairLoss with its "pairloss" rule.
func (s Selector) Select(m *taskmatrix.Matrix, rule experiment.Rule, budget int) ([][]string, error) {
	name := "affinity"
	if s.Rule != "" {
		name = s.Rule
	}
	if rule == experiment.MinPairLoss {
		name = "pairloss"
	}
	r, err := selection.SolveMatrix(m, name, selection.MaxNetworks(budget), s.Options)
	if err != nil {
		return nil, err
	}
	return r.GroupNames(m.Tasks), nil
}

// SelectTrueLosses solves the grouping on the true losses of the listed
// groups (selection's GroupLoss rule).
func (s Selector) SelectTrueLosses(groups []experiment.GroupLoss, tasks []string, budget int) ([][]string, error) {
	idx := make(map[string]int, len(tasks))
	for i, t := range tasks {
		idx[t] = i
	}
	gl := &selection.GroupLoss{Tasks: len(tasks), Loss: make(map[selection.Set][]float64, len(groups))}
	for _, g := range groups {
		members := make([]int, len(g.Tasks))
		loss := make([]float64, len(tasks))
		for k, t := range g.Tasks {
			i, ok := idx[t]
			if !ok {
				return nil, fmt.Errorf("group %v has unknown task %q", g.Tasks, t)
			}
			members[k], loss[i] = i, g.Loss[t]
		}
		gl.Loss[selection.SetOf(members...)] = loss
	}
	r, err := selection.Solve(gl, selection.MaxNetworks(budget), s.Options)
	if err != nil {
		return nil, err
	}
	return r.GroupNames(tasks), nil
}

// Describe summarises a data set for results.json: its name, tasks with
// kinds, input shape, split sizes and notes.
func Describe(ds data.Dataset) map[string]any {
	var tasks []map[string]any
	for _, t := range ds.Tasks() {
		tasks = append(tasks, map[string]any{"name": t.Name, "kind": t.Kind.String(), "classes": t.Classes})
	}
	d := map[string]any{
		"name":        ds.Name(),
		"tasks":       tasks,
		"input_shape": ds.InputShape(),
		"train":       ds.Len(data.Train),
		"validation":  ds.Len(data.Validation),
		"test":        ds.Len(data.Test),
	}
	// Notes say what the name does not (a CSV file's content digest and
	// split seed, a generator's parameters), so a run directory is never
	// reused for other data that happens to have the same name and sizes.
	if n, ok := ds.(data.Noter); ok {
		d["notes"] = n.Notes()
	}
	return d
}

var (
	_ experiment.Trainer          = (*Trainer)(nil)
	_ experiment.Selector         = Selector{}
	_ experiment.SelectorSettings = Selector{}
)
