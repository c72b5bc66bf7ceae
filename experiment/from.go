package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/jsondiff"
)

// From is a finished run continued for a changed task set (`tag run
// -from OLD -add ... -remove ...`, Config.From): the new run reuses every
// network of the finished run whose tasks all remain (a unit's key
// depends on the data, the recipe, the seed and its own task list only,
// and the new task list keeps the old tasks' order), and its affinity run
// continues the finished run's (Continuation) when that left its state,
// instead of training all tasks anew.
type From struct {
	// Layout is the finished run's directory.
	Layout Layout
	// Added and Removed are the tasks changed.
	Added, Removed []string
	// Restrict, when set, returns the part of a data description
	// (Config.Data) that units on tasks depend on. A data description
	// may cover more than that (a CSV file's description lists all its
	// target columns, while a unit reads only its own): where the two
	// runs' descriptions differ but agree on Restrict for the tasks
	// kept, the finished units are reused under the new run's
	// configuration hash. nil: the descriptions must be equal.
	Restrict   func(data map[string]any, tasks []string) map[string]any
	old, tasks []string
	// oldHash is the finished run's configuration hash (Check),
	// reusable its units the new run may reuse, by their keys in the new
	// run (prepare), and reused the keys of those it used (reuseUnits).
	oldHash  string
	reusable map[string]oldUnit
	reused   map[string]bool
	// source and recipe are the finished run's Results.Source and
	// Recipe.
	source, recipe any
}

// Recorded returns how the finished run opened its data (its
// Results.Source, nil for a run made before it was recorded) and its
// recipe (Trainer.Recipe), as decoded from its results.json.
func (f *From) Recorded() (source, recipe any) { return f.source, f.recipe }

// PlanFrom reads the task list of the finished run in dir (its
// results.json) and changes it: the old tasks less remove, then add.
// out is the new run's directory. Errors are ConfigErrors; nothing is
// written.
func PlanFrom(dir, out string, add, remove []string) (*From, error) {
	switch {
	case len(add) == 0 && len(remove) == 0:
		return nil, configf("-from %s: nothing to change: give -add or -remove", dir)
	case out == "":
		return nil, configf("-from needs -out, a new run directory")
	case filepath.Clean(out) == filepath.Clean(dir):
		return nil, configf("-out %s is -from: write the changed run to a new folder", out)
	}
	l := Layout{Dir: dir}
	b, err := atomicfile.ReadFile(l.Results())
	if err != nil {
		return nil, configf("-from %s is not a finished tag run: %v", dir, err)
	}
	res, err := ReadResults(bytes.NewReader(b))
	if err != nil {
		return nil, configf("-from: %s: %v", l.Results(), err)
	}
	from := &From{Layout: l, Added: add, Removed: remove, old: res.Tasks, source: res.Source, recipe: res.Recipe}
	if from.tasks, err = ChangeTasks(dir, res.Tasks, add, remove); err != nil {
		return nil, err
	}
	return from, nil
}

// configf is a ConfigError.
func configf(format string, args ...any) error {
	return &ConfigError{fmt.Errorf(format, args...)}
}

// Tasks is the new task list: the old tasks less the removed, then the
// added.
func (f *From) Tasks() []string { return slices.Clone(f.tasks) }

// ChangeTasks returns the task list old of the run in dir less the tasks
// of remove, then those of add, in that order (the old tasks keep their
// order). Each task added must be new, each removed present, neither list
// may name a task twice, and some task must remain; errors are
// ConfigErrors.
func ChangeTasks(dir string, old, add, remove []string) ([]string, error) {
	for _, l := range []struct {
		option string
		tasks  []string
	}{{"-add", add}, {"-remove", remove}} {
		for i, t := range l.tasks {
			if slices.Contains(l.tasks[:i], t) {
				return nil, configf("%s names task %q twice", l.option, t)
			}
		}
	}
	for _, t := range add {
		if slices.Contains(old, t) {
			return nil, configf("-add %s: task %q is already in %s (tasks %s)", strings.Join(add, ","), t, dir, strings.Join(old, ","))
		}
	}
	for _, t := range remove {
		if !slices.Contains(old, t) {
			return nil, configf("-remove %s: task %q is not in %s (tasks %s)", strings.Join(remove, ","), t, dir, strings.Join(old, ","))
		}
	}
	var tasks []string
	for _, t := range old {
		if !slices.Contains(remove, t) {
			tasks = append(tasks, t)
		}
	}
	if len(tasks) == 0 {
		return nil, configf("-remove %s removes every task of %s", strings.Join(remove, ","), dir)
	}
	return append(tasks, add...), nil
}

// Check refuses a configuration whose tasks are not f's new list, or
// data or a recipe other than those f's units were made with (naming the
// fields that differ), as Run does before anything is written; errors
// are ConfigErrors. A task added that was an input of the finished run
// (its data description's "features") is refused too. With Restrict, data
// that differ only in what the kept tasks' units do not read are
// accepted.
func (f *From) Check(cfg Config, recipe any) error {
	if !slices.Equal(cfg.Tasks, f.tasks) {
		return configf("the tasks of a run -from %s are its tasks changed (%s), not %s", f.Layout.Dir, strings.Join(f.tasks, ","), strings.Join(cfg.Tasks, ","))
	}
	old, err := readManifest(f.Layout)
	if err != nil {
		return configf("-from: %v", err)
	}
	if features, ok := old.Data["features"].([]any); ok {
		for _, t := range f.Added {
			if slices.Contains(features, any(t)) {
				return configf("-add %s: column %q is an input feature of %s's run; it cannot also be a task of the same networks (start a new run with it among -targets)",
					strings.Join(f.Added, ","), t, f.Layout.Dir)
			}
		}
	}
	here, err := newManifest(cfg.Data, recipe)
	if err != nil {
		return configf("-from: %v", err)
	}
	if d := jsondiff.Fields(old.Recipe, here.Recipe); len(d) > 0 {
		return configf("the recipe differs from %s's: %s; give the flags it was made with", f.Layout.Dir, strings.Join(d, "; "))
	}
	f.oldHash = old.ConfigHash
	d := jsondiff.Fields(old.Data, here.Data)
	if len(d) > 0 && f.Restrict != nil {
		kept := f.tasks[:len(f.tasks)-len(f.Added)]
		d = jsondiff.Fields(f.Restrict(old.Data, kept), f.Restrict(here.Data, kept))
	}
	if len(d) > 0 {
		return configf("the data differ from %s's: %s; give the flags it was made with", f.Layout.Dir, strings.Join(d, "; "))
	}
	return nil
}

// prepare indexes the finished units of f whose tasks all remain (copied
// into out as the run needs them, reuseUnits) and copies, for each seed,
// the state of f's affinity run of that seed;
// it returns the continuation of each seed's affinity run (nil where
// there is none, with the reason in why). configHash is the new run's
// configuration hash and settings the Trainer's ContinueSettings; Check
// must have passed.
func (f *From) prepare(out Layout, c Config, configHash string, settings map[string]any) (conts map[uint64]*Continuation, why map[uint64]string, err error) {
	if f.reusable, err = reusableUnits(f.Layout, f.tasks, f.oldHash, configHash); err != nil {
		return nil, nil, fmt.Errorf("-from: %w", err)
	}
	f.reused = map[string]bool{}
	olds, err := f.affinityUnits(f.oldHash, settings)
	if err != nil {
		return nil, nil, fmt.Errorf("-from: %w", err)
	}
	conts, why = map[uint64]*Continuation{}, map[uint64]string{}
	for r := range c.Seeds {
		seed := c.Seed + uint64(r)
		old, ok := olds[seed]
		if !ok {
			why[seed] = fmt.Sprintf("%s has no affinity run of seed %d on its tasks: trained from scratch", f.Layout.Dir, seed)
			continue
		}
		oldKey, key := old.unit().key(f.oldHash), old.unit().key(configHash)
		copied, err := copyState(f.Layout.State(oldKey), out.State(key))
		if err != nil {
			return nil, nil, fmt.Errorf("-from: %w", err)
		}
		if !copied {
			why[seed] = fmt.Sprintf("%s's affinity run of seed %d left no state to continue (made by an older tag): trained from scratch", f.Layout.Dir, seed)
			continue
		}
		// The unit continued, for the continuation's Job.
		if err := copyUnit(f.Layout.Unit(oldKey), out.Unit(key), old, configHash); err != nil {
			return nil, nil, fmt.Errorf("-from: %w", err)
		}
		scratch := old.Affinity.Steps
		if old.Continue != nil {
			scratch = old.Continue.ScratchSteps
		}
		conts[seed] = &Continuation{From: key, Added: f.Added, Removed: f.Removed, Budgets: c.Budgets, Rule: c.Rule, ScratchSteps: scratch,
			Settings: settings}
	}
	return conts, why, nil
}

// affinityUnits returns f's finished affinity units on its own task list
// under configHash, by seed. Where a seed has several (a continuation
// made by an older tag and then made again, under other settings), the
// one continued under settings, the Trainer's now, is taken.
func (f *From) affinityUnits(configHash string, settings map[string]any) (map[uint64]*unitRecord, error) {
	entries, err := os.ReadDir(f.Layout.Units())
	if err != nil {
		return nil, err
	}
	out := map[uint64]*unitRecord{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), kindAffinity+"-") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		r, _, err := readUnit(filepath.Join(f.Layout.Units(), e.Name()))
		if err != nil {
			return nil, err
		}
		if r.Kind != kindAffinity || r.ConfigHash != configHash || r.Affinity == nil || !slices.Equal(r.Tasks, f.old) {
			continue
		}
		if prev, ok := out[r.Seed]; ok && prev.continuedUnder(settings) && !r.continuedUnder(settings) {
			continue
		}
		out[r.Seed] = r
	}
	return out, nil
}

// continuedUnder reports whether r was trained from scratch or continued
// under settings (Continuation.Settings).
func (r *unitRecord) continuedUnder(settings map[string]any) bool {
	return r.Continue == nil || reflect.DeepEqual(r.Continue.Settings, settings)
}

// copyState copies the files of the state folder from into to (those to
// lacks), and reports whether from holds a state.
func copyState(from, to string) (bool, error) {
	entries, err := os.ReadDir(from)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0 {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return false, err
	}
	for _, e := range entries {
		// Checksum files are written anew with each copy.
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), atomicfile.Suffix) {
			continue
		}
		dst := filepath.Join(to, e.Name())
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		b, err := atomicfile.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return false, err
		}
		if err := atomicfile.WriteBytes(dst, b); err != nil {
			return false, err
		}
	}
	return true, nil
}

// copyUnit writes the unit file from, whose record is r, to to, unless to
// exists: as it is when r was made under configHash, else its record with
// configHash (the data differ only in what the unit does not read, see
// From.Restrict).
func copyUnit(from, to string, r *unitRecord, configHash string) error {
	if _, err := os.Stat(to); err == nil {
		return nil
	}
	if r.ConfigHash != configHash {
		rekeyed := *r
		rekeyed.ConfigHash = configHash
		b, err := json.MarshalIndent(&rekeyed, "", " ")
		if err != nil {
			return err
		}
		return atomicfile.WriteBytes(to, b)
	}
	b, err := atomicfile.ReadFile(from)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(to, b)
}

// Reuse is results.json's record of a run continued from another
// (Config.From): what it reused, what it trained, and its training time
// against a full re-run's.
type Reuse struct {
	// From is the finished run's directory; Added and Removed the tasks
	// changed.
	From    string   `json:"from"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// NetworksReused are the networks of From this run needed, and
	// SecondsReused their training time there.
	NetworksReused int     `json:"networks_reused"`
	SecondsReused  float64 `json:"seconds_reused"`
	// NetworksTrained and SecondsTrained are the networks this run
	// trained (in this session or an earlier one), continued affinity
	// runs included.
	NetworksTrained int     `json:"networks_trained"`
	SecondsTrained  float64 `json:"seconds_trained"`
	// FullSeconds estimates the training time of a full re-run: the
	// reused networks at their time in From, the trained ones at theirs,
	// and each continued affinity run at the time per step of the run it
	// continued times the steps from scratch (ScratchSteps) instead of
	// its own. TimeFraction is SecondsTrained over FullSeconds.
	FullSeconds  float64 `json:"full_rerun_seconds_estimate"`
	TimeFraction float64 `json:"time_fraction"`
	// Affinity says, per seed, whether the affinity run was continued.
	Affinity []AffinityReuse `json:"affinity,omitempty"`
}

// AffinityReuse is one seed's affinity run in a run continued from
// another.
type AffinityReuse struct {
	Seed uint64 `json:"seed"`
	// Continued: the affinity run continued From's (its key in
	// ContinuedFrom); otherwise Reason says why it was trained from
	// scratch.
	Continued     bool   `json:"continued"`
	ContinuedFrom string `json:"continued_from,omitempty"`
	Reason        string `json:"reason,omitempty"`
	// Steps are the steps this run trained; ScratchSteps those of the
	// affinity run from scratch the continuation started from (about what
	// a from-scratch run on the new tasks takes) and StepRatio their
	// ratio.
	Steps        int64   `json:"steps"`
	ScratchSteps int64   `json:"scratch_steps,omitempty"`
	StepRatio    float64 `json:"step_ratio,omitempty"`
	// Stop and StopReason say why a continuation's measurement ended.
	Stop       string `json:"stop,omitempty"`
	StopReason string `json:"stop_reason,omitempty"`
	// Start and StartNote are the continuation's ContinuedRun.Start and
	// StartNote: where its training started, and why that is not the
	// start asked for (its run has no snapshot to start from).
	Start     string `json:"start,omitempty"`
	StartNote string `json:"start_note,omitempty"`
}

// reuse accounts for the units of the run in e (all of them finished)
// against f.
func (e *run) reuse(f *From, units []unit) *Reuse {
	r := &Reuse{From: f.Layout.Dir, Added: f.Added, Removed: f.Removed}
	for _, j := range e.st.distinct(units) {
		rec := e.st.get(j.u)
		secs := rec.seconds()
		if f.reused[j.key] {
			r.NetworksReused++
			r.SecondsReused += secs
			r.FullSeconds += secs
			continue
		}
		r.NetworksTrained++
		r.SecondsTrained += secs
		r.FullSeconds += secs
		if c := j.u.cont; c != nil {
			if old, _, err := readUnit(e.st.layout.Unit(c.From)); err == nil && old.Affinity != nil && old.Affinity.Steps > 0 {
				r.FullSeconds += old.Affinity.Seconds/float64(old.Affinity.Steps)*float64(c.ScratchSteps) - secs
			}
		}
	}
	if r.FullSeconds > 0 {
		r.TimeFraction = r.SecondsTrained / r.FullSeconds
	}
	for _, t := range e.trials {
		u := t.affinity()
		rec, ok := e.st.lookup(u)
		if !ok {
			continue
		}
		a := AffinityReuse{Seed: t.seed, Steps: rec.Affinity.Steps, Reason: e.whyFresh[t.seed]}
		if c := u.cont; c != nil {
			a.Continued, a.ContinuedFrom, a.ScratchSteps = true, c.From, c.ScratchSteps
			if c.ScratchSteps > 0 {
				a.StepRatio = float64(a.Steps) / float64(c.ScratchSteps)
			}
			if cr := rec.Affinity.Continued; cr != nil {
				a.Stop, a.StopReason, a.Start, a.StartNote = cr.Stop, cr.StopReason, cr.Start, cr.StartNote
			}
		}
		r.Affinity = append(r.Affinity, a)
	}
	return r
}

// readUnit reads the unit file p (verified against its checksum file,
// when it has one) without checking its record: its record and its
// bytes.
func readUnit(p string) (*unitRecord, []byte, error) {
	b, err := atomicfile.ReadFile(p)
	if err != nil {
		return nil, nil, err
	}
	var r unitRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, nil, fmt.Errorf("unit file %s: %w", p, err)
	}
	return &r, b, nil
}
