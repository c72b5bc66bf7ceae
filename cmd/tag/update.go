package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

func init() {
	register(&command{
		name:    "update",
		summary: "add or remove tasks of a tag affinity run without starting over",
		run:     runUpdate,
	})
}

// Defaults of the stopping criterion of `tag update` (affinity.Stability):
// the running means of the new pairs move by at most 10% (relative L2)
// over each of 2 consecutive epochs.
const (
	defaultStableTolerance = 0.1
	defaultStableChecks    = 2
)

// updateRecord is the "update" part of the run.json that `tag update`
// writes.
type updateRecord struct {
	// From is the run continued; Added and Removed the tasks changed.
	From    string   `json:"from"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// Refresh: the old pairs' sums also took the update's measurements.
	Refresh bool `json:"refresh_old_pairs"`
	// Stop says why the measurement ended: "nothing added" (no
	// training), "steps" (-steps), "stable" (Criterion met), "patience"
	// (the recipe's early stopping) or "max-epochs".
	Stop      string              `json:"stop"`
	Criterion *affinity.Stability `json:"criterion,omitempty"`
	// Changes are the criterion's relative changes after each epoch
	// from the second on.
	Changes []float64 `json:"stability_changes,omitempty"`
	// ScratchSteps are the steps of the from-scratch run the chain of
	// updates started from: a from-scratch run on the new tasks with the
	// same recipe takes as many (barring early stopping); StepRatio is
	// the update's steps over them.
	ScratchSteps int             `json:"scratch_steps"`
	StepRatio    float64         `json:"step_ratio"`
	Groupings    []budgetChange  `json:"groupings"`
	Compare      *scratchCompare `json:"compare,omitempty"`
}

// budgetChange is the grouping of one budget before and after an update.
type budgetChange struct {
	Budget int        `json:"budget"`
	Before [][]string `json:"before"`
	After  [][]string `json:"after"`
	// Unchanged are the groups of After that Before has too (their
	// networks can be kept); Anew the others (networks to train).
	Unchanged [][]string `json:"unchanged"`
	Anew      [][]string `json:"train_anew"`
}

// scratchCompare is the agreement of an update with from-scratch runs on
// its tasks (-compare), and of those runs with each other.
type scratchCompare struct {
	Runs []scratchRun `json:"runs"`
	// Yardstick holds the agreement of each two from-scratch runs: an
	// update should agree with a from-scratch run about as well.
	Yardstick []scratchPair `json:"yardstick,omitempty"`
}

// scratchRun is the agreement of the update with one from-scratch run.
type scratchRun struct {
	Dir   string `json:"dir"`
	Steps int    `json:"steps"`
	Seed  uint64 `json:"seed"`
	rankAgreement
}

// scratchPair is the agreement of two from-scratch runs.
type scratchPair struct {
	A string `json:"a"`
	B string `json:"b"`
	rankAgreement
}

func runUpdate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("update", stderr)
	td := addTrainingDataFlags(fs)
	recipe := addRecipeFlags(fs)
	divide := fs.Bool("divide-by-lr", false, "as given to the tag affinity run of -from")
	seed := fs.Uint64("seed", 1, "as given to the tag affinity run of -from")
	from := fs.String("from", "", "`DIR` of the tag affinity (or tag update) run to continue")
	add := fs.String("add", "", "comma-separated `TASKS` to add (tasks of the data set)")
	remove := fs.String("remove", "", "comma-separated `TASKS` to remove")
	out := fs.String("out", "", "output `DIR` (the outputs of tag affinity, and changes.md)")
	steps := fs.Int("steps", 0, "measure the new tasks for exactly `N` steps (0: until the new pairs are stable, see -tolerance)")
	tolerance := fs.Float64("tolerance", defaultStableTolerance, "stop when the running means of the pairs involving a new task change by at most this (relative L2) over each of -checks consecutive epochs")
	checks := fs.Int("checks", defaultStableChecks, "consecutive stable epochs that end the measurement")
	maxEpochs := fs.Int("max-epochs", 0, "at most this many epochs of measurement without -steps (0: the recipe's epochs)")
	refresh := fs.Bool("refresh", false, "add the update's measurements of the old pairs to their saved sums (default: keep the old pairs as they were)")
	budgets := fs.String("budget", "2,3,4", "comma-separated `LIST` of numbers of networks for changes.md")
	rule := fs.String("rule", selection.DefaultRule, "selection `RULE` for changes.md: "+strings.Join(selection.AffinityRules, " or "))
	compare := fs.String("compare", "", "comma-separated `DIRS` of from-scratch tag affinity runs on the new tasks: changes.md reports the rank correlation with each, and of each two with each other")
	resume := fs.Bool("resume", false, "continue the update stopped in -out")
	force := fs.Bool("force", false, "start over, replacing what -out holds")
	setUsage(fs, stderr, "usage: tag update -from DIR [-add T1,T2,...] [-remove T3,...] -out NEWDIR [data and recipe flags of tag affinity]\n\n"+
		"Continues a tag affinity run for a changed task set. Removing tasks drops their rows and\n"+
		"columns (no training). Adding tasks starts from the run's weights (trunk and heads), adds\n"+
		"heads for the new tasks and trains all tasks while measuring every pair, keeping the new\n"+
		"pairs (those involving an added task) until their running means are stable; the old pairs\n"+
		"keep their saved sums. The data, recipe and seed flags must give what -from was made with.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := planUpdate(updateFlags{from: *from, out: *out, add: *add, remove: *remove, steps: *steps,
		tolerance: *tolerance, checks: *checks, maxEpochs: *maxEpochs, budgets: *budgets, rule: *rule,
		compare: *compare, resume: *resume, force: *force, tasksGiven: td.tasks != ""})
	if err != nil {
		return err
	}
	ds, _, err := td.load(*seed, stderr)
	if err != nil {
		return err
	}
	if err := u.check(ds, recipe, *seed, *divide); err != nil {
		return err
	}
	if err := prepareOutDir(u.out, *resume, *force); err != nil {
		return err
	}
	if _, err := data.WriteFeatures(stdout, ds); err != nil {
		return err
	}
	u.rec.Refresh = *refresh
	if err := u.measure(ds, stderr); err != nil {
		return err
	}
	if err := u.finish(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d tasks (+%d, −%d), %d steps (%.1f%% of %d from scratch) in %.1fs, stop: %s; wrote %s\n",
		ds.Name(), len(u.tasks), len(u.rec.Added), len(u.rec.Removed), u.run.Steps, 100*u.rec.StepRatio,
		u.rec.ScratchSteps, u.run.Seconds, u.rec.Stop, strings.Join(written(u.out), ", "))
	return nil
}

// updateFlags are the flags of `tag update` other than data and recipe.
type updateFlags struct {
	from, out, add, remove, budgets, rule, compare string
	steps, checks, maxEpochs                       int
	tolerance                                      float64
	resume, force, tasksGiven                      bool
}

// update is one `tag update` in progress.
type update struct {
	f        updateFlags
	in, out  experiment.Layout
	old      *affinityRun
	oldFiles *affinityFiles
	budgets  []budgetModel
	// tasks are the new task list: the old tasks less the removed, then
	// the added.
	tasks []string
	cfg   mtl.Config
	aopt  affinity.Options
	rec   updateRecord
	run   affinityRun
	files affinityFiles
	start time.Time
	// scratch are the runs of -compare.
	scratch []scratchRunFiles
}

// planUpdate checks the flags and the -from run, and works out the new
// task list. Every error is an input error; nothing is written.
func planUpdate(f updateFlags) (*update, error) {
	switch {
	case f.from == "":
		return nil, badInputf("-from is required")
	case f.out == "":
		return nil, badInputf("-out is required")
	case f.add == "" && f.remove == "":
		return nil, badInputf("nothing to change: give -add or -remove")
	case f.tasksGiven:
		return nil, badInputf("-tasks does not apply to tag update: the tasks are -from's, changed by -add and -remove")
	case f.resume && f.force:
		return nil, badInputf("-resume and -force exclude each other")
	case f.steps < 0:
		return nil, badInputf("-steps %d: want 0 (until stable) or more", f.steps)
	case !(f.tolerance >= 0):
		return nil, badInputf("-tolerance %g: want 0 or more", f.tolerance)
	case f.checks < 1:
		return nil, badInputf("-checks %d: want at least 1", f.checks)
	case f.maxEpochs < 0:
		return nil, badInputf("-max-epochs %d: want 0 (the recipe's) or more", f.maxEpochs)
	case !slices.Contains(selection.AffinityRules, f.rule):
		return nil, badInputf("-rule %q: want one of %s", f.rule, strings.Join(selection.AffinityRules, ", "))
	}
	if a, b := filepath.Clean(f.from), filepath.Clean(f.out); a == b {
		return nil, badInputf("-out %s is -from: write the update to a new folder", f.out)
	}
	u := &update{f: f, in: experiment.Layout{Dir: f.from}, out: experiment.Layout{Dir: f.out}, start: time.Now()}
	var err error
	if u.budgets, err = parseBudgets(f.budgets, "networks"); err != nil {
		return nil, err
	}
	if u.old, u.oldFiles, err = readAffinityRun(u.in); err != nil {
		return nil, err
	}
	var added, removed []string
	if u.tasks, added, removed, err = changeTasks(f.from, u.old.Tasks, f.add, f.remove); err != nil {
		return nil, err
	}
	if u.scratch, err = readScratch(splitList(f.compare), u.tasks); err != nil {
		return nil, err
	}
	u.rec = updateRecord{From: f.from, Added: added, Removed: removed, ScratchSteps: u.old.Steps}
	if u.old.Update != nil {
		u.rec.ScratchSteps = u.old.Update.ScratchSteps
	}
	return u, nil
}

// changeTasks returns the task list of the run in dir (old) less the
// tasks of the list remove, then those of add, in that order (the old
// tasks keep their order), with the lists parsed. Each task added must be
// new, each removed present, and some task must remain.
func changeTasks(dir string, old []string, add, remove string) (tasks, added, removed []string, err error) {
	added, removed = splitList(add), splitList(remove)
	if err := distinct("-add", added); err != nil {
		return nil, nil, nil, err
	}
	if err := distinct("-remove", removed); err != nil {
		return nil, nil, nil, err
	}
	for _, t := range added {
		if slices.Contains(old, t) {
			return nil, nil, nil, badInputf("-add %s: task %q is already in %s (tasks %s)", add, t, dir, strings.Join(old, ","))
		}
	}
	for _, t := range removed {
		if !slices.Contains(old, t) {
			return nil, nil, nil, badInputf("-remove %s: task %q is not in %s (tasks %s)", remove, t, dir, strings.Join(old, ","))
		}
	}
	for _, t := range old {
		if !slices.Contains(removed, t) {
			tasks = append(tasks, t)
		}
	}
	if len(tasks) == 0 {
		return nil, nil, nil, badInputf("-remove %s removes every task of %s", remove, dir)
	}
	return append(tasks, added...), added, removed, nil
}

// distinct refuses a list that names a task twice.
func distinct(flagName string, tasks []string) error {
	for i, t := range tasks {
		if slices.Contains(tasks[:i], t) {
			return badInputf("%s names task %q twice", flagName, t)
		}
	}
	return nil
}

// check refuses data, a recipe or a seed other than -from's, and added
// tasks the data lack, naming what differs.
func (u *update) check(ds data.Dataset, recipe *recipeFlags, seed uint64, divide bool) error {
	if seed != u.old.Seed {
		return badInputf("-seed %d: %s was made with seed %d", seed, u.f.from, u.old.Seed)
	}
	digest, err := data.Digest(ds)
	if err != nil {
		return err
	}
	if ds.Name() != u.old.Data || digest != u.old.DataDigest {
		return badInputf("the data differ from %s's: %s (content %.12s) here, %s (content %.12s) there; give the data flags it was made with",
			u.f.from, ds.Name(), digest, u.old.Data, u.old.DataDigest)
	}
	for _, t := range u.rec.Added {
		if _, err := data.TaskIndex(ds, t); err != nil {
			return badInputf("-add: %v", err)
		}
	}
	cfg, aopt, err := affinityRecipe(ds, 0, recipe, seed, divide)
	if err != nil {
		return err
	}
	if recipe.estimator == "auto" { // the estimator of -from, whatever the task count
		aopt.Estimator, aopt.Sources = u.old.Affinity.Estimator, u.old.Affinity.Sources
	}
	if err := sameJSON("recipe", u.old.Config, cfg, u.f.from); err != nil {
		return err
	}
	if err := sameJSON("affinity measurement", u.old.Affinity, aopt, u.f.from); err != nil {
		return err
	}
	u.cfg, u.aopt = cfg, aopt
	return nil
}

// sameJSON returns an input error naming the fields where here differs
// from there (compared as JSON objects).
func sameJSON(what string, there, here any, dir string) error {
	toMap := func(v any) map[string]any {
		b, _ := json.Marshal(v)
		m := map[string]any{}
		_ = json.Unmarshal(b, &m)
		return m
	}
	a, b := toMap(there), toMap(here)
	var diffs []string
	for k := range a {
		if !reflect.DeepEqual(a[k], b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %v there, %v here", k, jsonText(a[k]), jsonText(b[k])))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s unset there, %v here", k, jsonText(b[k])))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	sort.Strings(diffs)
	return badInputf("the %s differs from %s's: %s; give the flags it was made with", what, dir, strings.Join(diffs, "; "))
}

func jsonText(v any) string {
	if v == nil {
		return "unset"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// measure trains the new tasks (when there are any) and combines the
// measurement with the saved sums, into u.files and u.run.
func (u *update) measure(ds data.Dataset, stderr io.Writer) error {
	kept, err := u.oldFiles.Sums.Without(u.rec.Removed)
	if err != nil {
		return err
	}
	traj := keepTasks(u.oldFiles.Trajectory, u.tasks)
	u.run = affinityRun{Data: u.old.Data, DataDigest: u.old.DataDigest, Tasks: u.tasks, Features: u.old.Features,
		Leakage: u.old.Leakage, Config: u.cfg, Affinity: u.aopt, Seed: u.old.Seed, Versions: versions()}
	weights := u.oldFiles.Weights.Without(u.rec.Removed)
	if len(u.rec.Added) == 0 {
		u.rec.Stop = "nothing added"
		u.files = affinityFiles{Sums: kept, Trajectory: traj, Weights: weights}
		u.run.Seconds = time.Since(u.start).Seconds()
		return nil
	}
	window := u.cfg
	opt := mtl.Options{CheckpointDir: u.out.Dir, Affinity: &u.aopt, Init: weights}
	stepsPerEpoch := max(mtl.StepsPerEpoch(ds, u.cfg), 1)
	crit := affinity.Stability{Tolerance: u.f.tolerance, Checks: u.f.checks}
	if u.f.steps > 0 {
		opt.MaxSteps = u.f.steps
		window.Epochs = (u.f.steps + stepsPerEpoch - 1) / stepsPerEpoch
	} else {
		if u.f.maxEpochs > 0 {
			window.Epochs = u.f.maxEpochs
		}
		added := u.rec.Added
		opt.Stop = &mtl.StopRule{Name: fmt.Sprintf("stability %g over %d epochs of the pairs of %v", crit.Tolerance, crit.Checks, added),
			After: func(_ int, acc *affinity.Accumulator) bool { return crit.Stable(acc, added) }}
		u.rec.Criterion = &crit
	}
	res, err := trainInterruptible(ds, u.tasks, window, opt, stderr)
	if err != nil {
		return err
	}
	if res.Sums == nil || res.Weights == nil {
		return badInputf("%s holds an update finished by an older tag; use -force to start over", u.out.Dir)
	}
	sums, err := kept.Merge(res.Sums, u.rec.Refresh)
	if err != nil {
		return err
	}
	offset := 0
	for _, p := range u.oldFiles.Trajectory {
		offset = max(offset, p.Epoch+1)
	}
	for _, p := range res.Trajectory {
		p.Epoch += offset
		traj = append(traj, p)
	}
	u.rec.Changes = crit.Changes(res.Sums, u.rec.Added)
	switch {
	case u.f.steps > 0:
		u.rec.Stop = "steps"
	case res.StoppedEarly && crit.Stable(res.Sums, u.rec.Added):
		u.rec.Stop = "stable"
	case res.StoppedEarly:
		u.rec.Stop = "patience"
	default:
		u.rec.Stop = "max-epochs"
	}
	u.files = affinityFiles{Sums: sums, Trajectory: traj, Weights: res.Weights}
	u.run.Seconds, u.run.Steps, u.run.Epochs, u.run.BestEpoch = res.Seconds, res.Steps, res.Epochs, res.BestEpoch
	u.run.Validation, u.run.Test, u.run.History = res.Validation, res.Test, res.History
	return nil
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

// finish groups before and after, compares with -compare and writes
// every output, run.json last.
func (u *update) finish() error {
	if u.rec.ScratchSteps > 0 {
		u.rec.StepRatio = float64(u.run.Steps) / float64(u.rec.ScratchSteps)
	}
	before, after := u.oldFiles.Sums.Affinity(), u.files.Sums.Affinity()
	for _, bm := range u.budgets {
		k := bm.value.(int)
		gb, err := groupsAt(before, u.f.rule, k)
		if err != nil {
			return err
		}
		ga, err := groupsAt(after, u.f.rule, k)
		if err != nil {
			return err
		}
		bc := budgetChange{Budget: k, Before: gb, After: ga, Unchanged: [][]string{}, Anew: [][]string{}}
		for _, g := range ga {
			if slices.ContainsFunc(gb, func(h []string) bool { return sameSet(g, h) }) {
				bc.Unchanged = append(bc.Unchanged, g)
			} else {
				bc.Anew = append(bc.Anew, g)
			}
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
	if err := writeChanges(u.out.Changes(), u.old, &u.run); err != nil {
		return err
	}
	return writeAffinityOutputs(u.out, u.files, u.run)
}

// groupsAt is `tag group -affinity -budget k -rule rule` with its default
// options.
func groupsAt(m *taskmatrix.Matrix, rule string, k int) ([][]string, error) {
	res, err := selection.SolveMatrix(m, rule, selection.MaxNetworks(k), selection.Options{Seed: 1, Iterations: 200, SpendBudget: selection.DefaultSpendBudget})
	if err != nil {
		return nil, fmt.Errorf("grouping %d tasks at budget %d: %w", m.N(), k, err)
	}
	return res.GroupNames(m.Tasks), nil
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

// rankAgreement is the rank correlation of two affinity matrices over the
// same tasks.
type rankAgreement struct {
	// NewPairs counts the ordered pairs (i ≠ j) involving an added task;
	// RankNewPairs is their Spearman correlation (nil with fewer than two),
	// RankAllPairs that of every ordered pair.
	NewPairs     int      `json:"new_pairs"`
	RankNewPairs *float64 `json:"rank_correlation_new_pairs,omitempty"`
	RankAllPairs float64  `json:"rank_correlation_all_pairs"`
}

// agreement returns the rank correlations of a and b (b over a's tasks at
// least), the new pairs being those involving a task of added.
func agreement(a, b *taskmatrix.Matrix, added []string) (rankAgreement, error) {
	var r rankAgreement
	b, err := b.Sub(a.Tasks)
	if err != nil {
		return r, err
	}
	var xn, yn, xa, ya []float64
	for i, ti := range a.Tasks {
		for j, tj := range a.Tasks {
			if i == j {
				continue
			}
			xa, ya = append(xa, a.Values[i][j]), append(ya, b.Values[i][j])
			if slices.Contains(added, ti) || slices.Contains(added, tj) {
				xn, yn = append(xn, a.Values[i][j]), append(yn, b.Values[i][j])
			}
		}
	}
	r.NewPairs = len(xn)
	if r.RankAllPairs, err = stats.Spearman(xa, ya); err != nil {
		return r, fmt.Errorf("all pairs: %w", err)
	}
	if len(xn) >= 2 {
		rho, err := stats.Spearman(xn, yn)
		if err != nil {
			return r, fmt.Errorf("new pairs: %w", err)
		}
		r.RankNewPairs = &rho
	}
	return r, nil
}

// scratchRunFiles is a from-scratch run of -compare.
type scratchRunFiles struct {
	dir string
	run affinityRun
	m   *taskmatrix.Matrix
}

// readScratch reads the from-scratch affinity runs in dirs, each of which
// must have every task of tasks. Errors are input errors.
func readScratch(dirs, tasks []string) ([]scratchRunFiles, error) {
	var out []scratchRunFiles
	for _, dir := range dirs {
		l := experiment.Layout{Dir: dir}
		s := scratchRunFiles{dir: dir}
		b, err := os.ReadFile(l.RunRecord())
		if err != nil {
			return nil, badInputf("-compare: %v", err)
		}
		if err := json.Unmarshal(b, &s.run); err != nil {
			return nil, badInputf("-compare: %s: %v", l.RunRecord(), err)
		}
		if s.m, err = taskmatrix.ReadFile(l.AffinityCSV()); err != nil {
			return nil, badInputf("-compare: %v", err)
		}
		if s.m, err = s.m.Sub(tasks); err != nil {
			return nil, badInputf("-compare %s: %v", dir, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// compareScratch returns the agreement of m with each from-scratch run and,
// as the yardstick, of each two of them with each other.
func compareScratch(runs []scratchRunFiles, m *taskmatrix.Matrix, added []string) (*scratchCompare, error) {
	c := &scratchCompare{}
	for _, s := range runs {
		a, err := agreement(m, s.m, added)
		if err != nil {
			return nil, fmt.Errorf("-compare %s: %w", s.dir, err)
		}
		c.Runs = append(c.Runs, scratchRun{Dir: s.dir, Steps: s.run.Steps, Seed: s.run.Seed, rankAgreement: a})
	}
	for i := range runs {
		for j := i + 1; j < len(runs); j++ {
			a, err := agreement(runs[i].m, runs[j].m, added)
			if err != nil {
				return nil, fmt.Errorf("-compare %s with %s: %w", runs[i].dir, runs[j].dir, err)
			}
			c.Yardstick = append(c.Yardstick, scratchPair{A: runs[i].dir, B: runs[j].dir, rankAgreement: a})
		}
	}
	return c, nil
}
