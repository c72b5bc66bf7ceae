// Package gomlxtrainer is the GoMLX trainer adapter: it connects the
// experiment package's small interfaces to this repository's engines, a
// Trainer backed by mtl.Train (the GoMLX multi-task training engine, with
// lookahead affinity from package affinity for the affinity run) on a
// data.Dataset, and a Selector backed by package selection (exact or
// anytime network selection under a budget of at most k networks, TAG §2
// of Fifty et al., NeurIPS 2021).
//
// It is a separate package so that package experiment, and its tests, stay
// free of GoMLX.
package gomlxtrainer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
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
	// DataForSeed, if set, gives the data set of the units of each seed
	// instead of Data (a CSV file split anew under every repetition of the
	// experiment); it may be called from several goroutines at once.
	DataForSeed func(seed uint64) (data.Dataset, error)
	// Config is the recipe; its Seed is replaced by each unit's seed.
	Config mtl.Config
	// Affinity configures the measurement in the affinity run.
	Affinity affinity.Options
	// Progress, if set, receives mtl's per-step progress with the unit's
	// tasks; it may be called from several goroutines at once.
	Progress func(job experiment.Job, p mtl.Progress)
}

// Recipe returns the training configuration (seed cleared, since units
// carry their own) and the affinity options.
func (t *Trainer) Recipe() any {
	c := t.Config
	c.Seed = 0
	return map[string]any{"mtl": c, "affinity": t.Affinity}
}

// RecipeOf is the inverse of Recipe: the recipe of a run as its
// results.json records it (decoded from JSON), back as the Trainer's
// Config (seed 0) and Affinity.
func RecipeOf(recipe any) (mtl.Config, affinity.Options, error) {
	var r struct {
		MTL      *mtl.Config       `json:"mtl"`
		Affinity *affinity.Options `json:"affinity"`
	}
	b, err := json.Marshal(recipe)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err == nil && (r.MTL == nil || r.Affinity == nil) {
		err = fmt.Errorf("no mtl and affinity parts")
	}
	if err != nil {
		return mtl.Config{}, affinity.Options{}, fmt.Errorf("recipe %s: %w", b, err)
	}
	return *r.MTL, *r.Affinity, nil
}

// ContinueFrom makes exp continue the finished run rf with t: the tasks
// become rf's changed tasks, the data descriptions are compared on the
// part that concerns them (DescriptionFor), and the added tasks must be
// tasks of t's data (affinityrun.CheckAdded) while the data and recipe may
// only repeat rf's (experiment.From.Check). Errors are the user's
// (affinityrun.InputError, experiment.ConfigError).
func (t *Trainer) ContinueFrom(exp *experiment.Config, rf *experiment.From) error {
	exp.Tasks, exp.From = rf.Tasks(), rf
	rf.Restrict = DescriptionFor
	if err := affinityrun.CheckAdded(rf.Added, t.Data); err != nil {
		return err
	}
	return rf.Check(*exp, t.Recipe())
}

// FromRecord decodes what the finished run that f continues recorded
// (experiment.From.Recorded): how it opened its data, and its recipe
// (RecipeOf). The source is nil, and the recipe not read, for a run made
// before sources were recorded. Errors are experiment.ConfigErrors naming
// its results.json.
func FromRecord(f *experiment.From) (*catalog.Spec, mtl.Config, affinity.Options, error) {
	source, recipe := f.Recorded()
	if source == nil {
		return nil, mtl.Config{}, affinity.Options{}, nil
	}
	var rec catalog.Spec
	if b, err := json.Marshal(source); err != nil || json.Unmarshal(b, &rec) != nil {
		return nil, mtl.Config{}, affinity.Options{}, &experiment.ConfigError{Err: fmt.Errorf("-from: %s: the recorded data source %s cannot be read", f.Layout.Results(), b)}
	}
	cfg, aff, err := RecipeOf(recipe)
	if err != nil {
		return nil, cfg, aff, &experiment.ConfigError{Err: fmt.Errorf("-from: %s: %v", f.Layout.Results(), err)}
	}
	return &rec, cfg, aff, nil
}

// train trains the job's network, keeping its checkpoint in the job's
// folder (the experiment removes it once the unit is written).
func (t *Trainer) train(ctx context.Context, job experiment.Job, aff *affinity.Options) (*mtl.Result, error) {
	c := t.Config
	c.Seed = job.Seed
	c.UpdateRule = job.UpdateRule
	opt := mtl.Options{Affinity: aff, CheckpointDir: job.CheckpointDir}
	if t.Progress != nil {
		opt.Progress = func(p mtl.Progress) { t.Progress(job, p) }
	}
	ds, err := t.data(job.Seed)
	if err != nil {
		return nil, err
	}
	if aff != nil {
		// An affinity run keeps the snapshot a continuation may start
		// from (affinityrun.SnapshotDivisor).
		opt.SnapshotStep = affinityrun.SnapshotStep(ds, c)
	}
	return mtl.Train(ctx, ds, job.Tasks, c, opt)
}

// data is the data set of the units of seed.
func (t *Trainer) data(seed uint64) (data.Dataset, error) {
	if t.DataForSeed == nil {
		return t.Data, nil
	}
	ds, err := t.DataForSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("data of seed %d: %w", seed, err)
	}
	return ds, nil
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
func (t *Trainer) TrainGroup(ctx context.Context, job experiment.Job) (*experiment.GroupResult, error) {
	r, err := t.train(ctx, job, nil)
	if err != nil {
		return nil, err
	}
	m, err := metrics(r, job.Tasks)
	if err != nil {
		return nil, err
	}
	return &experiment.GroupResult{Tasks: m, Steps: int64(r.Steps), Seconds: r.Seconds}, nil
}

// AffinityRun trains one network on all tasks while measuring the lookahead
// affinity and the gradient cosine similarity, from scratch or, with
// job.Continue, from an earlier run's state (affinityrun.Continue: the
// pairs involving an added task are measured until the groups at the
// continuation's budgets are stable). It leaves its own state in
// job.StateDir.
func (t *Trainer) AffinityRun(ctx context.Context, job experiment.Job) (*experiment.AffinityResult, error) {
	if job.Continue != nil {
		return t.continueRun(ctx, job)
	}
	aff := t.Affinity
	r, err := t.train(ctx, job, &aff)
	if err != nil {
		return nil, err
	}
	if r.Affinity == nil || r.Sums == nil {
		return nil, fmt.Errorf("training returned no affinity matrix")
	}
	m, err := metrics(r, job.Tasks)
	if err != nil {
		return nil, err
	}
	files := affinityrun.FilesOf(r)
	a, err := affinityResult(job, files, m, r.Steps, r.Seconds)
	if err != nil {
		return nil, err
	}
	// The matrices as training returned them, as before runs left a state.
	a.Affinity, a.Cosine = r.Affinity, r.Cosine
	return a, nil
}

// affinityResult is the result of the affinity run job with the state
// files, the metrics of its tasks, its steps and seconds; it leaves the
// files in job.StateDir.
func affinityResult(job experiment.Job, files affinityrun.Files, m map[string]experiment.TaskMetrics, steps int, seconds float64) (*experiment.AffinityResult, error) {
	if job.StateDir != "" {
		if err := affinityrun.WriteState(job.StateDir, files); err != nil {
			return nil, err
		}
	}
	return &experiment.AffinityResult{Affinity: files.Sums.Affinity(), Cosine: files.Sums.CosineMean(), Trajectory: files.Trajectory, Tasks: m,
		Steps: int64(steps), Seconds: seconds}, nil
}

// continuation is how the Trainer continues an affinity run besides the
// budgets and the rule (ContinueSettings): where the training starts
// (affinityrun.Continue.Start) and the stop rule's parameters
// (affinityrun.GroupStability).
type continuation struct {
	Start            string  `json:"start"`
	Checks           int     `json:"checks"`
	MinHalfAgreement float64 `json:"min_half_agreement"`
	MinReliability   float64 `json:"min_reliability"`
	SettledMore      float64 `json:"settled_more"`
}

// ContinueSettings returns how the Trainer continues an affinity run
// (experiment.ContinueSettings): from affinityrun.DefaultStart, under
// the stop rule's defaults. A run records them with each continued unit,
// so that a unit continued otherwise (by an older tag, whose
// continuation started from the initialization) is trained anew, not
// reused.
func (t *Trainer) ContinueSettings() any {
	return continuation{Start: affinityrun.DefaultStart, Checks: affinityrun.DefaultStableChecks,
		MinHalfAgreement: affinityrun.DefaultMinHalfAgreement, MinReliability: affinityrun.DefaultMinReliability,
		SettledMore: affinityrun.DefaultSettledMore}
}

// continueRun continues the affinity run whose state is in
// job.Continue.State for job's tasks, as job.Continue.Settings say
// (ContinueSettings where it has none).
func (t *Trainer) continueRun(ctx context.Context, job experiment.Job) (*experiment.AffinityResult, error) {
	c := job.Continue
	old, err := affinityrun.ReadState(c.State)
	if err != nil {
		return nil, fmt.Errorf("the state of the affinity run continued (%s): %w", c.State, err)
	}
	how := t.ContinueSettings().(continuation)
	if c.Settings != nil {
		if b, err := json.Marshal(c.Settings); err != nil || json.Unmarshal(b, &how) != nil {
			return nil, fmt.Errorf("continuing %s: the settings of the continuation %v cannot be read", job.Key, c.Settings)
		}
	}
	cfg := t.Config
	cfg.Seed = job.Seed
	ds, err := t.data(job.Seed)
	if err != nil {
		return nil, err
	}
	run := affinityrun.Continue{Tasks: job.Tasks, Added: c.Added, Removed: c.Removed, Old: old, Config: cfg, Affinity: t.Affinity,
		Rule: affinityrun.GroupStability{Budgets: c.Budgets, Rule: c.Rule, Checks: how.Checks,
			MinHalfAgreement: how.MinHalfAgreement, MinReliability: how.MinReliability, SettledMore: how.SettledMore},
		Start: how.Start, CheckpointDir: job.CheckpointDir}
	if t.Progress != nil {
		run.Progress = func(p mtl.Progress) { t.Progress(job, p) }
	}
	done, err := run.Run(ctx, ds)
	if err != nil {
		return nil, err
	}
	var a *experiment.AffinityResult
	if r := done.Result; r != nil {
		m, err := metrics(r, job.Tasks)
		if err != nil {
			return nil, err
		}
		a, err = affinityResult(job, done.Files, m, r.Steps, r.Seconds)
		if err != nil {
			return nil, err
		}
	} else {
		// Nothing added, nothing trained: the network continued serves
		// the remaining tasks.
		if c.Old == nil {
			return nil, fmt.Errorf("continuing %s: the affinity run continued is not given", job.Key)
		}
		m := map[string]experiment.TaskMetrics{}
		for _, task := range job.Tasks {
			m[task] = c.Old.Tasks[task]
		}
		if a, err = affinityResult(job, done.Files, m, 0, 0); err != nil {
			return nil, err
		}
	}
	a.Continued = &experiment.ContinuedRun{Stop: done.Stop.Stop, StopReason: done.Stop.StopReason, Start: done.Start, StartNote: done.StartNote}
	if done.Result == nil {
		a.Continued.StopReason = "no task added: the measurements of the remaining tasks, kept as they were (no training)"
	}
	return a, nil
}

// Selector selects with package selection under a budget of at most k
// networks.
type Selector struct {
	// Options tune the solver (seed and limits of the anytime search, and
	// MaxGroupSize, a cap on the tasks in one group).
	Options selection.Options
}

// Settings returns the solver options, recorded in results.json.
func (s Selector) Settings() any { return s.Options }

// Select solves the grouping on m under the named rule of package
// selection.
func (s Selector) Select(m *taskmatrix.Matrix, rule string, budget int) ([][]string, error) {
	r, err := selection.SolveMatrix(m, rule, selection.MaxNetworks(budget), s.Options)
	if err != nil {
		return nil, err
	}
	return r.GroupNames(m.Tasks), nil
}

// SelectCandidates proposes up to count good groupings on m under the named
// rule, best first (selection.Alternatives).
func (s Selector) SelectCandidates(m *taskmatrix.Matrix, rule string, budget, count int) ([][][]string, error) {
	rs, err := selection.AlternativesMatrix(m, rule, selection.MaxNetworks(budget), s.Options, count)
	if err != nil {
		return nil, err
	}
	out := make([][][]string, len(rs))
	for i, r := range rs {
		out[i] = r.GroupNames(m.Tasks)
	}
	return out, nil
}

// CheckBudget refuses a budget under which no allowed grouping of n tasks
// exists (a group-size cap too small for k networks to hold every task).
func (s Selector) CheckBudget(n, budget int) error {
	if err := selection.CheckCover(n, selection.MaxNetworks(budget), s.Options); err != nil {
		return fmt.Errorf("budget %d with a group-size cap of %d: %w", budget, s.Options.MaxGroupSize, err)
	}
	return nil
}

// CheckSelect refuses, before any matrix is measured, a selection of count
// groupings that package selection cannot make for n tasks under the named
// rule and budget (selection.CheckSolvable, CheckAlternatives).
func (s Selector) CheckSelect(n int, rule string, budget, count int) error {
	if count > 1 {
		return selection.CheckAlternatives(n, rule, selection.MaxNetworks(budget), s.Options, count)
	}
	return selection.CheckSolvable(n, rule, selection.MaxNetworks(budget), s.Options)
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
// kinds, input shape, split sizes, notes, and for tabular data the feature
// columns and any leakage warnings.
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
	if notes, ok := data.IdentityNotes(ds); ok {
		d["notes"] = notes
	}
	// Which columns are inputs, and which of them look like labels: a
	// reader of results.json or report.md must be able to see a leak.
	features, warnings := data.Inputs(ds)
	if features != nil {
		d["features"] = features
	}
	if len(warnings) > 0 {
		d["leakage_warnings"] = warnings
	}
	return d
}

// DescriptionFor returns the part of the data description d (Describe's)
// that networks on tasks read: d less the other tasks of the data set,
// that is, its "tasks" entry restricted to tasks, and its notes and
// leakage warnings without those that name another of its tasks (`task
// "NAME"`, as a CSV file's class notes and warnings do). A CSV file opened
// with more target columns has another description but the same part for
// the tasks of both (experiment.From.Restrict).
func DescriptionFor(d map[string]any, tasks []string) map[string]any {
	var others []string
	out := map[string]any{}
	for k, v := range d {
		out[k] = v
	}
	if list, ok := d["tasks"].([]any); ok {
		var kept []any
		for _, t := range list {
			name, _ := t.(map[string]any)["name"].(string)
			if slices.Contains(tasks, name) {
				kept = append(kept, t)
			} else {
				others = append(others, name)
			}
		}
		out["tasks"] = kept
	}
	for _, k := range []string{"notes", "leakage_warnings"} {
		lines, ok := d[k].([]any)
		if !ok {
			continue
		}
		var kept []any
		for _, l := range lines {
			s, _ := l.(string)
			if !slices.ContainsFunc(others, func(t string) bool { return strings.Contains(s, fmt.Sprintf("task %q", t)) }) {
				kept = append(kept, l)
			}
		}
		out[k] = kept
	}
	return out
}

var (
	_ experiment.Trainer           = (*Trainer)(nil)
	_ experiment.Selector          = Selector{}
	_ experiment.SelectorSettings  = Selector{}
	_ experiment.BudgetChecker     = Selector{}
	_ experiment.SolveChecker      = Selector{}
	_ experiment.CandidateSelector = Selector{}
)
