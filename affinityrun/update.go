package affinityrun

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/jsondiff"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// Stop reasons of an update (UpdateRecord.Stop).
const (
	StopNothingAdded = "nothing added"
	StopSteps        = "steps"
	StopStable       = "stable"
	StopPatience     = "patience"
	StopMaxEpochs    = "max-epochs"
)

// UpdateRecord is the "update" part of the run.json an update writes.
type UpdateRecord struct {
	// From is the run continued; Added and Removed the tasks changed.
	From    string   `json:"from"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// Refresh: the old pairs' sums also took the update's measurements.
	Refresh bool `json:"refresh_old_pairs"`
	// Warm: the training started from the saved weights after the last
	// step (Start is StartFinal).
	Warm bool `json:"warm_start"`
	// Start is where the training started (Continue.Start; empty when
	// nothing was trained), StartNote why it is not the start asked for
	// (NoSnapshot), empty when it is.
	Start     string `json:"start,omitempty"`
	StartNote string `json:"start_note,omitempty"`
	// StopRecord says why the measurement ended: StopNothingAdded (no
	// training), StopSteps (UpdateOptions.Steps), StopStable (the stop
	// rule met), StopPatience (the recipe's early stopping) or
	// StopMaxEpochs.
	StopRecord
	// ScratchSteps are the steps of the from-scratch run the chain of
	// updates started from: a from-scratch run on the new tasks with the
	// same recipe takes as many (barring early stopping); StepRatio is
	// the update's steps over them.
	ScratchSteps int             `json:"scratch_steps"`
	StepRatio    float64         `json:"step_ratio"`
	Groupings    []BudgetChange  `json:"groupings"`
	Compare      *ScratchCompare `json:"compare,omitempty"`
}

// BudgetChange is the grouping of one budget before and after an update.
type BudgetChange struct {
	Budget int        `json:"budget"`
	Before [][]string `json:"before"`
	After  [][]string `json:"after"`
	// Unchanged are the groups of After that Before has too (their
	// networks can be kept); Anew the others (networks to train).
	Unchanged [][]string `json:"unchanged"`
	Anew      [][]string `json:"train_anew"`
}

// UpdateOptions say what an update changes and how it measures.
type UpdateOptions struct {
	// From is the folder of the run to continue, Out the new folder.
	From, Out string
	// Add and Remove are the tasks to add (tasks of the data) and remove.
	Add, Remove []string
	// Steps > 0 measures the new tasks for exactly that many steps;
	// 0 measures until the stop rule (GroupStability over Budgets and
	// Rule, with Checks, CheckEvery, MinHalfAgreement and
	// MinReliability) is met, for at most MaxEpochs epochs (0: the
	// recipe's).
	Steps, MaxEpochs int
	// Checks is GroupStability.Checks; CheckEvery its Every (0:
	// the default interval, GroupStability.WithDefaultEvery); MinHalfAgreement
	// and MinReliability its gates of the same names (-1: off), and
	// SettledMore its multiple of the same name (0: off).
	Checks, CheckEvery                            int
	MinHalfAgreement, MinReliability, SettledMore float64
	// Refresh adds the update's measurements of the old pairs to their
	// saved sums (default: keep the old pairs as they were).
	Refresh bool
	// Start is where the training starts (Continue.Start): StartInit,
	// StartQuarter or StartFinal; "" is DefaultStart.
	Start string
	// Budgets and Rule choose the groupings compared before and after
	// (nil: DefaultBudgets, those of them at most the new number of
	// tasks; a budget given above it is refused).
	Budgets []int
	Rule    string
	// Compare names from-scratch runs on the new tasks to compare with.
	Compare []string
	// Progress, if set, receives the training's progress.
	Progress func(mtl.Progress)
}

// stopRule is the options' GroupStability; an Every of 0 is filled in by
// Continue, which knows the measurement interval and the planned steps.
func (o UpdateOptions) stopRule() GroupStability {
	return GroupStability{Budgets: BudgetsFor(o.Budgets, math.MaxInt), Rule: o.Rule, Every: o.CheckEvery, Checks: o.Checks,
		MinHalfAgreement: o.MinHalfAgreement, MinReliability: o.MinReliability, SettledMore: o.SettledMore}
}

// Update is one update of an affinity run in progress: PlanUpdate, Check,
// then Run.
type Update struct {
	opt UpdateOptions
	// budgets are the budgets as given (opt.Budgets is BudgetsFor them).
	budgets  []int
	in, out  experiment.Layout
	old      *Record
	oldFiles *Files
	// tasks are the new task list: the old tasks less the removed, then
	// the added.
	tasks   []string
	cfg     mtl.Config
	aopt    affinity.Options
	rec     UpdateRecord
	run     Record
	files   Files
	start   time.Time
	scratch []scratchRun
	// src is the data source of the update (Source).
	src *catalog.Spec
}

// PlanUpdate checks the options and the run in o.From and works out the
// new task list. Every error is an InputError; nothing is written.
func PlanUpdate(o UpdateOptions) (*Update, error) {
	switch {
	case o.From == "":
		return nil, inputf("-from is required")
	case o.Out == "":
		return nil, inputf("-out is required")
	case len(o.Add) == 0 && len(o.Remove) == 0:
		return nil, inputf("nothing to change: give -add or -remove")
	case o.Steps < 0:
		return nil, inputf("-steps %d: want 0 (until stable) or more", o.Steps)
	case o.CheckEvery < 0:
		return nil, inputf("-check-every %d: want 0 (every %d measurements, fewer in a short run) or more steps", o.CheckEvery, DefaultCheckMeasurements)
	case o.MaxEpochs < 0:
		return nil, inputf("-max-epochs %d: want 0 (the recipe's) or more", o.MaxEpochs)
	}
	if err := o.stopRule().WithDefaultEvery(1, 0).Validate(); err != nil {
		return nil, err
	}
	if o.Start == "" {
		o.Start = DefaultStart
	}
	if err := validStart(o.Start); err != nil {
		return nil, err
	}
	if a, b := filepath.Clean(o.From), filepath.Clean(o.Out); a == b {
		return nil, inputf("-out %s is -from: write the update to a new folder", o.Out)
	}
	u := &Update{opt: o, in: experiment.Layout{Dir: o.From}, out: experiment.Layout{Dir: o.Out}, start: time.Now()}
	var err error
	if u.old, u.oldFiles, err = Read(u.in); err != nil {
		return nil, err
	}
	if u.tasks, err = ChangeTasks(o.From, u.old.Tasks, o.Add, o.Remove); err != nil {
		return nil, err
	}
	if err := CheckTasks("the update of "+o.From, u.tasks); err != nil {
		return nil, err
	}
	u.budgets, u.opt.Budgets = o.Budgets, BudgetsFor(o.Budgets, len(u.tasks))
	o = u.opt
	if err := o.stopRule().CheckTasks(len(u.tasks)); err != nil {
		return nil, err
	}
	if u.scratch, err = readScratch(o.Compare, u.tasks); err != nil {
		return nil, err
	}
	u.rec = UpdateRecord{From: o.From, Added: o.Add, Removed: o.Remove, Refresh: o.Refresh, ScratchSteps: u.old.Steps}
	switch {
	case u.old.Update != nil:
		u.rec.ScratchSteps = u.old.Update.ScratchSteps
	case u.old.Stop != nil && u.old.Stop.PlannedSteps > 0:
		u.rec.ScratchSteps = u.old.Stop.PlannedSteps
	}
	return u, nil
}

// Tasks is the new task list: the old tasks less the removed, then the
// added.
func (u *Update) Tasks() []string { return slices.Clone(u.tasks) }

// Out is the layout of the new folder.
func (u *Update) Out() experiment.Layout { return u.out }

// Result is the record written, once Run returned.
func (u *Update) Result() *Record { return &u.run }

// ChangeTasks is experiment.ChangeTasks with its refusals as
// InputErrors.
func ChangeTasks(dir string, old, add, remove []string) ([]string, error) {
	tasks, err := experiment.ChangeTasks(dir, old, add, remove)
	var ce *experiment.ConfigError
	if errors.As(err, &ce) {
		return nil, &InputError{ce.Err}
	}
	return tasks, err
}

// CheckTasks refuses, before anything is written, a task list an affinity
// run cannot measure: fewer than two tasks (affinity is between tasks; one
// task has nothing to be grouped with) or a task named twice. where says
// where the list came from ("-tasks", "the update"). Errors are
// InputErrors.
func CheckTasks(where string, tasks []string) error {
	if len(tasks) < 2 {
		return inputf("%s gives %d task (%s): an affinity run measures how tasks affect each other and needs at least 2",
			where, len(tasks), strings.Join(tasks, ","))
	}
	return distinct(where, tasks)
}

// distinct refuses a list that names a task twice.
func distinct(option string, tasks []string) error {
	for i, t := range tasks {
		if slices.Contains(tasks[:i], t) {
			return inputf("%s names task %q twice", option, t)
		}
	}
	return nil
}

// Given is what a command line gave of the settings an update takes
// from the record of the run it continues (Settings).
type Given struct {
	// Flags names the flags given: "seed", "divide-by-lr" and the data
	// flags (catalog.SourceFlags) count.
	Flags map[string]bool
	// Seed and DivideByLR are -seed's and -divide-by-lr's values, used
	// when given.
	Seed       uint64
	DivideByLR bool
	// Data are the data flags' values.
	Data catalog.Choice
}

// Settings are what an update starts from: the continued run's seed,
// data source and recipe as its record holds them, changed by what the
// command line gave.
type Settings struct {
	Seed uint64
	// Source is the data source (Source): the record's, with the data
	// flags given merged in, the added tasks further targets of a CSV
	// file.
	Source catalog.Spec
	// Config and Affinity are the record's recipe and measurement, with
	// the -divide-by-lr given. A command changes them by the recipe flags
	// given before Check, which names a field that then differs from the
	// record.
	Config   mtl.Config
	Affinity affinity.Options
}

// Settings returns the settings of the update: the record's seed and
// division by the learning rate unless g gives them, its data source
// changed by the data flags given (catalog.Choice.Over, then Source,
// which refuses a value other than the record's), and its recipe. A seed
// that differs from the record's is refused by Check.
func (u *Update) Settings(g Given) (Settings, error) {
	s := Settings{Seed: u.old.Seed, Config: u.old.Config, Affinity: u.old.Affinity}
	if g.Flags["seed"] {
		s.Seed = g.Seed
	}
	if g.Flags["divide-by-lr"] {
		s.Affinity.DivideByLR = g.DivideByLR
	}
	var recorded catalog.Spec
	if u.old.Source != nil {
		recorded = *u.old.Source
	}
	given, err := g.Data.Over(recorded, g.Flags, s.Seed)
	if err != nil {
		return s, err
	}
	s.Source, err = u.Source(given)
	return s, err
}

// Source returns the data source of the update (SourceFor) and keeps it
// for the record.
func (u *Update) Source(given catalog.Spec) (catalog.Spec, error) {
	src, err := SourceFor(u.opt.From, u.old.Source, given, u.rec.Added)
	if err != nil {
		return src, err
	}
	u.src = &src
	return src, nil
}

// SourceFor returns the data source of a continuation of the run in
// from, whose recorded source is rec: rec, with the added tasks as further
// targets of a CSV file. given is the source the command line names
// (rec itself when it names none); it may only repeat rec, except that a
// CSV file's targets may be rec's or those plus the added tasks, in any
// order. An added task may not be a feature column of rec. Errors are
// InputErrors naming the field that differs.
func SourceFor(from string, rec *catalog.Spec, given catalog.Spec, added []string) (catalog.Spec, error) {
	if rec == nil {
		return catalog.Spec{}, inputf("%s records no data source (made by an older tag); rerun it to update it", from)
	}
	given = given.Clone()
	if c, g := rec.CSV, given.CSV; c != nil && g != nil {
		all := slices.Clone(c.Targets)
		for _, t := range added {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
		}
		if sameMembers(g.Targets, c.Targets) || sameMembers(g.Targets, all) {
			g.Targets = c.Targets
		}
		if diffs := jsondiff.Fields(c, g); len(diffs) > 0 {
			return catalog.Spec{}, inputf("the data differ from %s's: %s (csv); give no data flags, or those it was made with", from, strings.Join(diffs, "; "))
		}
		for _, t := range added {
			if slices.Contains(c.Features, t) {
				return catalog.Spec{}, inputf("-add %s: column %q is an input feature of %s's run; it cannot also be a task of the same network (start a new run with it among -targets)",
					strings.Join(added, ","), t, from)
			}
		}
		out := rec.Clone()
		out.CSV.Targets = all
		return out, nil
	}
	if diffs := sourceDiff(*rec, given); len(diffs) > 0 {
		return catalog.Spec{}, inputf("the data differ from %s's: %s; give no data flags, or those it was made with", from, strings.Join(diffs, "; "))
	}
	return rec.Clone(), nil
}

// sourceDiff names the fields in which two sources differ, within their
// kind's part when both are of one kind.
func sourceDiff(a, b catalog.Spec) []string {
	switch {
	case a.Glyphs != nil && b.Glyphs != nil:
		return prefixed("glyphs", jsondiff.Fields(a.Glyphs, b.Glyphs))
	case a.CelebA != nil && b.CelebA != nil:
		return prefixed("celeba", jsondiff.Fields(a.CelebA, b.CelebA))
	}
	return jsondiff.Fields(a, b)
}

func prefixed(kind string, diffs []string) []string {
	for i, d := range diffs {
		diffs[i] = kind + "." + d
	}
	return diffs
}

// sameMembers reports whether a and b hold the same names, in any order.
func sameMembers(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

// Check refuses data, a recipe or a seed other than the continued run's,
// and added tasks the data lack, naming what differs (InputError).
func (u *Update) Check(ds data.Dataset, cfg mtl.Config, aopt affinity.Options, seed uint64) error {
	if seed != u.old.Seed {
		return inputf("-seed %d: %s was made with seed %d", seed, u.opt.From, u.old.Seed)
	}
	digest, err := data.Digest(ds)
	if err != nil {
		return err
	}
	if ds.Name() != u.old.Data || digest != u.old.DataDigest {
		return inputf("the data differ from %s's: %s (content %.12s) here, %s (content %.12s) there; the file changed since, or another file was given",
			u.opt.From, ds.Name(), digest, u.old.Data, u.old.DataDigest)
	}
	if err := CheckAdded(u.rec.Added, ds); err != nil {
		return err
	}
	if err := sameFields("recipe", u.old.Config, cfg, u.opt.From); err != nil {
		return err
	}
	if err := sameFields("affinity measurement", u.old.Affinity, aopt, u.opt.From); err != nil {
		return err
	}
	if u.src == nil && u.old.Source != nil {
		if _, err := u.Source(*u.old.Source); err != nil {
			return err
		}
	}
	u.cfg, u.aopt = cfg, aopt
	return nil
}

// CheckAdded refuses an added task that ds lacks (InputError).
func CheckAdded(added []string, ds data.Dataset) error {
	for _, t := range added {
		if _, err := data.TaskIndex(ds, t); err != nil {
			return inputf("-add: %v", err)
		}
	}
	return nil
}

// Conf is what the update's files depend on, for PrepareDir: two
// processes on its folder must agree on it. Check must have passed: the
// data, recipe and seed are then the continued run's.
func (u *Update) Conf() map[string]any {
	o := u.opt
	conf := map[string]any{"from": o.From, "tasks": u.tasks, "data": u.old.Data, "recipe": u.cfg, "affinity": u.aopt,
		"seed": u.old.Seed, "steps": o.Steps, "checks": o.Checks, "check_every": o.CheckEvery,
		"min_half_agreement": o.MinHalfAgreement, "min_reliability": o.MinReliability, "max_epochs": o.MaxEpochs, "refresh": o.Refresh, "warm": o.Start == StartFinal,
		"budgets": u.budgets, "rule": o.Rule, "compare": o.Compare}
	// Absent otherwise, as in an update made before the option, so that
	// such an update still resumes (-warm was the start before -start).
	if o.SettledMore != 0 {
		conf["settled_more"] = o.SettledMore
	}
	if o.Start == StartQuarter {
		conf["start"] = o.Start
	}
	return conf
}

// sameFields returns an InputError naming the fields where here differs
// from there.
func sameFields(what string, there, here any, dir string) error {
	diffs := jsondiff.Fields(there, here)
	if len(diffs) == 0 {
		return nil
	}
	return inputf("the %s differs from %s's: %s; give the flags it was made with", what, dir, strings.Join(diffs, "; "))
}

// Run measures the new tasks (when there are any), groups before and
// after, compares with the from-scratch runs and writes every output of
// an affinity run into the new folder, then changes.md, run.json last.
// The folder must have been readied (PrepareDir). ctx ends training
// early; the checkpoint then continues with resume.
func (u *Update) Run(ctx context.Context, ds data.Dataset) error {
	if err := u.measure(ctx, ds); err != nil {
		return err
	}
	return u.finish()
}

// measure trains the new tasks (when there are any) and combines the
// measurement with the saved sums, into u.files and u.run.
func (u *Update) measure(ctx context.Context, ds data.Dataset) error {
	u.run = Record{Data: u.old.Data, Source: u.src, DataDigest: u.old.DataDigest, Tasks: u.tasks, Features: u.old.Features,
		Leakage: u.old.Leakage, Config: u.cfg, Affinity: u.aopt, Seed: u.old.Seed, Versions: Versions()}
	c := Continue{Tasks: u.tasks, Added: u.rec.Added, Removed: u.rec.Removed, Old: u.oldFiles, Config: u.cfg, Affinity: u.aopt,
		Steps: u.opt.Steps, MaxEpochs: u.opt.MaxEpochs, Rule: u.opt.stopRule(), Refresh: u.rec.Refresh,
		Start: u.opt.Start, CheckpointDir: u.out.Dir, Progress: u.opt.Progress}
	done, err := c.Run(ctx, ds)
	if err != nil {
		return err
	}
	u.files, u.rec.StopRecord = done.Files, done.Stop
	u.rec.Start, u.rec.StartNote, u.rec.Warm = done.Start, done.StartNote, done.Start == StartFinal
	res := done.Result
	if res == nil {
		u.run.Seconds = time.Since(u.start).Seconds()
		return nil
	}
	u.run.Seconds, u.run.Steps, u.run.Epochs, u.run.BestEpoch = res.Seconds, res.Steps, res.Epochs, res.BestEpoch
	u.run.Validation, u.run.Test, u.run.History = res.Validation, res.Test, res.History
	return nil
}

// finish groups before and after, compares with the from-scratch runs and
// writes every output, run.json last.
func (u *Update) finish() error {
	if u.rec.ScratchSteps > 0 {
		u.rec.StepRatio = float64(u.run.Steps) / float64(u.rec.ScratchSteps)
	}
	before, after := u.oldFiles.Sums.Affinity(), u.files.Sums.Affinity()
	for _, k := range u.opt.Budgets {
		bc, err := ChangeAt(before, after, u.opt.Rule, k)
		if err != nil {
			return err
		}
		u.rec.Groupings = append(u.rec.Groupings, bc)
	}
	if len(u.scratch) > 0 {
		c, err := compareScratch(u.scratch, after, u.rec.Added)
		if err != nil {
			return err
		}
		u.rec.Compare = c
	}
	u.run.Update = &u.rec
	u.run.Finished = time.Now().UTC()
	if err := WriteChanges(u.out.Changes(), u.old, &u.run); err != nil {
		return err
	}
	return Write(u.out, u.files, u.run)
}

// ChangeAt is the grouping change at budget k from the matrix before to
// the matrix after, each grouped by GroupsAt.
func ChangeAt(before, after *taskmatrix.Matrix, rule string, k int) (BudgetChange, error) {
	gb, err := GroupsAt(before, rule, k)
	if err != nil {
		return BudgetChange{}, err
	}
	ga, err := GroupsAt(after, rule, k)
	if err != nil {
		return BudgetChange{}, err
	}
	bc := BudgetChange{Budget: k, Before: gb, After: ga, Unchanged: [][]string{}, Anew: [][]string{}}
	for _, g := range ga {
		if slices.ContainsFunc(gb, func(h []string) bool { return sameSet(g, h) }) {
			bc.Unchanged = append(bc.Unchanged, g)
		} else {
			bc.Anew = append(bc.Anew, g)
		}
	}
	return bc, nil
}

// GroupsAt is `tag group -affinity -budget k -rule rule` with its default
// options: the groups of m's tasks at k networks.
func GroupsAt(m *taskmatrix.Matrix, rule string, k int) ([][]string, error) {
	res, err := selection.SolveMatrix(m, rule, selection.MaxNetworks(k), groupOptions())
	if err != nil {
		return nil, fmt.Errorf("grouping %d tasks at budget %d: %w", m.N(), k, err)
	}
	return res.GroupNames(m.Tasks), nil
}

// groupOptions are `tag group`'s default selection options.
func groupOptions() selection.Options {
	return selection.Options{Seed: 1, Iterations: 200, SpendBudget: selection.DefaultSpendBudget}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
