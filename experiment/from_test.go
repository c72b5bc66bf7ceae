package experiment

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fromCfg is a run of mtl, stl and tag on tasks, at budget 2.
func fromCfg(tasks ...string) Config {
	return Config{Tasks: tasks, Budgets: []int{2}, Methods: []string{MTL, STL, TAG}, Seed: 7, Workers: 2,
		Data: cfg6().Data}
}

// A run from another keeps the old tasks' order, reuses the networks
// whose tasks remain, continues the affinity run (10 fake steps per task
// added against 100 per task from scratch), accounts for it in
// Results.Reuse, and ends with the results of a run from scratch.
func TestRunFromContinuesAffinity(t *testing.T) {
	dir := t.TempDir()
	old, changed, scratch := filepath.Join(dir, "old"), filepath.Join(dir, "changed"), filepath.Join(dir, "scratch")
	mustRun(t, old, fromCfg("a1", "a2", "b1", "b2", "c1"), newFake(), bruteSelector{})
	f, err := PlanFrom(old, changed, []string{"c2"}, []string{"b2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Tasks(), ","); got != "a1,a2,b1,c1,c2" {
		t.Fatalf("tasks %s", got)
	}
	c := fromCfg(f.Tasks()...)
	c.From = f
	fake := newFake()
	rc := mustRun(t, changed, c, fake, bruteSelector{})
	if fake.calls["affinity/continued:a1+a2+b1+c1+c2"] != 1 || fake.calls["affinity:a1+a2+b1+c1+c2"] != 0 {
		t.Errorf("affinity runs %v: want one continuation", fake.calls)
	}
	r := rc.Reuse
	if r == nil || len(r.Affinity) != 1 {
		t.Fatalf("reuse %+v", r)
	}
	a := r.Affinity[0]
	if !a.Continued || a.Steps != 10 || a.ScratchSteps != 500 || !near(a.StepRatio, 0.02) || a.Stop != "stable" {
		t.Errorf("affinity reuse %+v", a)
	}
	if rc.Affinity == nil || rc.Affinity.Continued == nil || rc.Affinity.Steps != 10 {
		t.Errorf("results' affinity %+v", rc.Affinity)
	}
	// stl's a1, a2, b1, c1 reused; stl's c2, mtl, the affinity run and
	// tag's groups trained.
	if r.NetworksReused != 4 || !near(r.SecondsReused, 6) {
		t.Errorf("reused %d networks, %g s; want 4, 6 s", r.NetworksReused, r.SecondsReused)
	}
	checkUnitsUsed(t, Layout{Dir: changed}, r, "b2")
	if r.SecondsTrained <= 0 || r.FullSeconds <= r.SecondsTrained+r.SecondsReused || !near(r.TimeFraction, r.SecondsTrained/r.FullSeconds) {
		t.Errorf("times %+v", r)
	}
	rs := mustRun(t, scratch, fromCfg(f.Tasks()...), newFake(), bruteSelector{})
	for name, m := range rs.Methods {
		for k, b := range m.Budgets {
			if got := rc.Methods[name].Budgets[k]; got == nil || !near(got.TotalTestLoss, b.TotalTestLoss) {
				t.Errorf("%s budget %s: %+v, from scratch %g", name, k, got, b.TotalTestLoss)
			}
		}
	}
	// Resumed, the run trains nothing and reports the same.
	again := newFake()
	if r2 := mustRun(t, changed, c, again, bruteSelector{}); again.total() != 0 || r2.Reuse.NetworksReused != 4 || !r2.Reuse.Affinity[0].Continued {
		t.Errorf("resumed: %d calls, reuse %+v", again.total(), r2.Reuse)
	}

	// Through an executor, whose workers read the continuation from the
	// plan, the same.
	cc := c
	cc.Executor = &workerExecutor{}
	if r := mustRun(t, filepath.Join(dir, "cluster"), cc, newFake(), bruteSelector{}).Reuse; !r.Affinity[0].Continued || r.Affinity[0].Steps != 10 {
		t.Errorf("through an executor: %+v", r.Affinity)
	}

	// Removing alone continues with no step; a full re-run would train
	// the affinity run from scratch.
	fr, err := PlanFrom(old, filepath.Join(dir, "removed"), nil, []string{"b2"})
	if err != nil {
		t.Fatal(err)
	}
	cr := fromCfg(fr.Tasks()...)
	cr.From = fr
	rr := mustRun(t, filepath.Join(dir, "removed"), cr, newFake(), bruteSelector{}).Reuse
	checkUnitsUsed(t, Layout{Dir: filepath.Join(dir, "removed")}, rr, "b2")
	if a := rr.Affinity[0]; !a.Continued || a.Steps != 0 || rr.FullSeconds <= rr.SecondsTrained+rr.SecondsReused {
		t.Errorf("removal: %+v, affinity %+v", rr, a)
	}

	// An earlier run whose affinity run left no state: trained from
	// scratch, with the reason.
	if err := os.RemoveAll(Layout{Dir: old}.States()); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	f2, err := PlanFrom(old, other, []string{"c2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c2 := fromCfg(f2.Tasks()...)
	c2.From = f2
	r3 := mustRun(t, other, c2, newFake(), bruteSelector{}).Reuse
	if a := r3.Affinity[0]; a.Continued || !strings.Contains(a.Reason, "left no state") || a.Steps != 600 {
		t.Errorf("without a state: %+v", a)
	}
}

// A continued affinity unit is keyed by the trainer's settings of the
// continuation (its start): one made under other settings (or none, as
// by an older tag) is trained anew, not reused, and results.json's reuse
// records the start and its note.
func TestRunFromKeysContinueSettings(t *testing.T) {
	dir := t.TempDir()
	old, changed := filepath.Join(dir, "old"), filepath.Join(dir, "changed")
	mustRun(t, old, fromCfg("a1", "a2", "b1"), newFake(), bruteSelector{})
	f, err := PlanFrom(old, changed, []string{"c1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := fromCfg(f.Tasks()...)
	c.From = f
	const key = "affinity/continued:a1+a2+b1+c1"
	for i, step := range []struct {
		start     string
		continued int
	}{{"", 1}, {"init", 1}, {"init", 0}, {"quarter", 1}} {
		fake := newFake()
		fake.start = step.start
		r := mustRun(t, changed, c, fake, bruteSelector{}).Reuse
		if got := fake.calls[key]; got != step.continued {
			t.Errorf("run %d, start %q: %d continuations, want %d (calls %v)", i, step.start, got, step.continued, fake.calls)
		}
		a := r.Affinity[0]
		if !a.Continued || a.Start != step.start || (a.StartNote != "") != (step.start == "init") {
			t.Errorf("run %d, start %q: affinity reuse %+v", i, step.start, a)
		}
	}
	// Continued in turn, the run continues the unit made under the
	// settings of now, not those made before under others.
	var current string
	units, _ := filepath.Glob(filepath.Join(Layout{Dir: changed}.Units(), kindAffinity+"-*.json"))
	for _, p := range units {
		u, b, err := readUnit(p)
		switch {
		case err != nil || u.Continue == nil:
		case u.Continue.Settings["start"] == "quarter":
			current = strings.TrimSuffix(filepath.Base(p), ".json")
		case u.Continue.Settings == nil:
			// Read last (the folder is read in name order), the unit of
			// an older tag would be taken if the settings did not count.
			if err := os.WriteFile(filepath.Join(Layout{Dir: changed}.Units(), kindAffinity+"-4-ffffffffffffffff.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	next, err := PlanFrom(changed, filepath.Join(dir, "next"), []string{"c2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cn := fromCfg(next.Tasks()...)
	cn.From = next
	fake := newFake()
	fake.start = "quarter"
	if a := mustRun(t, filepath.Join(dir, "next"), cn, fake, bruteSelector{}).Reuse.Affinity[0]; current == "" || a.ContinuedFrom != current {
		t.Errorf("continued in turn from %s, want %s", a.ContinuedFrom, current)
	}

	// Through an executor, whose workers read the settings from the plan
	// (and the unit's key with them), the same.
	cc := c
	cc.Executor = &workerExecutor{}
	fake = newFake()
	fake.start = "init"
	if a := mustRun(t, filepath.Join(dir, "cluster"), cc, fake, bruteSelector{}).Reuse.Affinity[0]; !a.Continued || a.Start != "init" || a.StartNote == "" {
		t.Errorf("through an executor: %+v", a)
	}
}

// checkUnitsUsed fails unless the unit files of the run continued in l
// are those it used (reused or trained, r) and the affinity units its
// continuations start from, none of them a group with a removed task.
func checkUnitsUsed(t *testing.T, l Layout, r *Reuse, removed string) {
	t.Helper()
	entries, err := os.ReadDir(l.Units())
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		files++
		u, _, err := readUnit(filepath.Join(l.Units(), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if u.Kind == kindGroup && slices.Contains(u.Tasks, removed) {
			t.Errorf("unit file %s: a group with the removed task %s", e.Name(), removed)
		}
	}
	continued := 0
	for _, a := range r.Affinity {
		if a.Continued {
			continued++
		}
	}
	if want := r.NetworksReused + r.NetworksTrained + continued; files != want {
		t.Errorf("%d unit files in %s, want %d (%d reused, %d trained, %d continued)", files, l.Units(), want, r.NetworksReused, r.NetworksTrained, continued)
	}
}

// PlanFrom and Run refuse what cannot be continued, as ConfigErrors,
// writing nothing.
func TestRunFromRefuses(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	mustRun(t, old, fromCfg("a1", "a2", "b1"), newFake(), bruteSelector{})
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		dir, out    string
		add, remove []string
		want        string
	}{
		{old, out, nil, nil, "nothing to change"},
		{old, "", []string{"b2"}, nil, "needs -out"},
		{old, old, []string{"b2"}, nil, "is -from"},
		{filepath.Join(dir, "none"), out, []string{"b2"}, nil, "not a finished tag run"},
		{old, out, []string{"a1"}, nil, "already in"},
		{old, out, nil, []string{"a1", "a2", "b1"}, "removes every task"},
		{old, out, []string{"b2", "b2"}, nil, "twice"},
	} {
		_, err := PlanFrom(c.dir, c.out, c.add, c.remove)
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("+%v −%v: %v, want a ConfigError with %q", c.add, c.remove, err, c.want)
		}
	}
	f, err := PlanFrom(old, out, []string{"b2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := newFake()
	other.recipe = "fake-v2"
	otherData := fromCfg(f.Tasks()...)
	otherData.Data = map[string]any{"name": "fake", "n": 7}
	for _, c := range []struct {
		cfg  Config
		tr   Trainer
		want string
	}{
		{fromCfg("a1", "a2", "b2"), newFake(), "are its tasks changed"},
		{fromCfg(f.Tasks()...), other, "the recipe differs"},
		{otherData, newFake(), "the data differ from " + old + "'s: n 6 there, 7 here"},
	} {
		c.cfg.From = f
		_, err := Run(context.Background(), out, c.cfg, c.tr, bruteSelector{})
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a ConfigError with %q", c.cfg.Tasks, err, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run wrote its folder")
	}
}
