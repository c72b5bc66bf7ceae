package affinityrun

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

func TestChangeTasks(t *testing.T) {
	old := []string{"a", "b", "c"}
	for _, c := range []struct {
		add, remove []string
		want        []string
		err         string
	}{
		{[]string{"d"}, nil, []string{"a", "b", "c", "d"}, ""},
		{[]string{"e", "d"}, []string{"b"}, []string{"a", "c", "e", "d"}, ""},
		{nil, []string{"a", "c"}, []string{"b"}, ""},
		{[]string{"a"}, nil, nil, `task "a" is already in`},
		{nil, []string{"z"}, nil, `task "z" is not in`},
		{nil, []string{"a", "b", "c"}, nil, "removes every task"},
		{[]string{"d", "d"}, nil, nil, "twice"},
		{nil, []string{"a", "a"}, nil, "twice"},
	} {
		got, err := ChangeTasks("DIR", old, c.add, c.remove)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !IsInput(err) {
				t.Errorf("+%v −%v: error %v, want an input error with %q", c.add, c.remove, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("+%v −%v: %v, %v; want %v", c.add, c.remove, got, err, c.want)
		}
	}
}

// Agree against hand-worked rank correlations: a matrix agrees perfectly
// with a monotone transform of itself and perfectly negatively with its
// negation; the new pairs are the 2·(n−1) ordered pairs of the added task.
func TestAgree(t *testing.T) {
	a := taskmatrix.New([]string{"x", "y", "z"})
	v := 0.0
	for i := range 3 {
		for j := range 3 {
			if i != j {
				v++
				a.Values[i][j] = v
			}
		}
	}
	cube, neg := taskmatrix.New(a.Tasks), taskmatrix.New(a.Tasks)
	for i := range 3 {
		for j := range 3 {
			cube.Values[i][j] = math.Pow(a.Values[i][j], 3)
			neg.Values[i][j] = -a.Values[i][j]
		}
	}
	r, err := Agree(a, cube, []string{"z"})
	if err != nil || r.NewPairs != 4 || r.RankNewPairs == nil || math.Abs(*r.RankNewPairs-1) > 1e-12 || math.Abs(r.RankAllPairs-1) > 1e-12 {
		t.Errorf("monotone transform: %+v %v", r, err)
	}
	r, err = Agree(a, neg, nil)
	if err != nil || r.NewPairs != 0 || r.RankNewPairs != nil || math.Abs(r.RankAllPairs+1) > 1e-12 {
		t.Errorf("negation: %+v %v", r, err)
	}
}

// plantedRun trains a short affinity run on the planted data and writes
// it into a new folder, as `tag affinity` does.
func plantedRun(t *testing.T, tasks []string, epochs int) (experiment.Layout, *planted.Dataset) {
	t.Helper()
	ds, err := planted.New(planted.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The planted recipe of package experiment/gomlxtrainer (which imports this
	// package): a narrow trunk, SGD with momentum, affinity every 2 steps
	// on validation batches.
	cfg, aopt := mtl.DefaultConfig(ds), affinity.DefaultOptions()
	cfg.Trunk = mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{8}, Activation: "relu"}
	cfg.Optimizer, cfg.LearningRate, cfg.Momentum, cfg.Patience = mtl.OptimizerSGD, 0.1, 0.9, 0
	aopt.Every, aopt.Validation = 2, true
	cfg.Seed, cfg.Epochs, cfg.CheckpointEvery = 1, epochs, 50
	l := experiment.Layout{Dir: filepath.Join(t.TempDir(), "run")}
	run := &Fresh{Data: ds, Tasks: tasks, Config: cfg, Affinity: aopt, Seed: 1}
	conf, err := run.Conf()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PrepareDir(l, false, false, conf); err != nil {
		t.Fatal(err)
	}
	res, err := mtl.Train(context.Background(), ds, tasks, cfg, run.Options(l.Dir))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := run.Record(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteResult(l, res, rec); err != nil {
		t.Fatal(err)
	}
	return l, ds
}

// Write and Read round-trip; PrepareDir then refuses the finished folder.
func TestWriteReadPrepare(t *testing.T) {
	l, _ := plantedRun(t, []string{"a0", "b0"}, 1)
	rec, f, err := Read(l)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Tasks, []string{"a0", "b0"}) || !slices.Equal(f.Sums.Tasks, rec.Tasks) || len(f.Weights.Heads) != 2 || len(f.Trajectory) == 0 {
		t.Errorf("read back %+v, sums %v, %d heads, %d trajectory points", rec, f.Sums.Tasks, len(f.Weights.Heads), len(f.Trajectory))
	}
	if _, err := PrepareDir(l, false, false, nil); !IsInput(err) || !strings.Contains(err.Error(), "finished run") {
		t.Errorf("PrepareDir over a finished run: %v", err)
	}
	if _, _, err := Read(experiment.Layout{Dir: t.TempDir()}); !IsInput(err) {
		t.Errorf("Read of an empty folder: %v", err)
	}
	if rec.DataDigest == "" || rec.Versions == nil || rec.Stop != nil || rec.Steps == 0 {
		t.Errorf("record of a fresh run without a stop rule: digest %q, versions %v, stop %v, %d steps", rec.DataDigest, rec.Versions, rec.Stop, rec.Steps)
	}
	if err := WriteResult(l, &mtl.Result{}, *rec); !IsInput(err) || !strings.Contains(err.Error(), "older tag") {
		t.Errorf("WriteResult without sums: %v", err)
	}
}

// Removing tasks trains nothing: the affinity is the saved one restricted
// to the remaining tasks (taskmatrix.Sub), and the groups at each budget
// are those of selection on that matrix.
func TestUpdateRemove(t *testing.T) {
	l, ds := plantedRun(t, []string{"a0", "a1", "b0", "b1", "c0"}, 1)
	rec, _, err := Read(l)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "upd")
	u, err := PlanUpdate(UpdateOptions{From: l.Dir, Out: out, Remove: []string{"b1"}, Checks: 3, MinReliability: 0.9,
		Budgets: []int{2, 3}, Rule: selection.DefaultRule})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Check(ds, rec.Config, rec.Affinity, rec.Seed); err != nil {
		t.Fatal(err)
	}
	// The configuration holds the options as given and the continued
	// run's data and seed, and leaves settled_more and start out when they
	// are as before those options (the start from the initialization is
	// "warm": false, as in an update made before -start).
	conf := u.Conf()
	_, settled := conf["settled_more"]
	if _, start := conf["start"]; settled || start || conf["warm"] != false || !reflect.DeepEqual(conf["budgets"], []int{2, 3}) || conf["seed"] != rec.Seed || conf["data"] != rec.Data {
		t.Errorf("update configuration %v", conf)
	}
	if _, err := PrepareDir(u.Out(), false, false, conf); err != nil {
		t.Fatal(err)
	}
	if err := u.Run(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	old, _ := taskmatrix.ReadFile(l.AffinityCSV())
	want, _ := old.Sub([]string{"a0", "a1", "b0", "c0"})
	got, err := taskmatrix.ReadFile(u.Out().AffinityCSV())
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("affinity after removal %v (%v), want %v", got, err, want)
	}
	r := u.Result()
	if r.Steps != 0 || r.Update.Stop != StopNothingAdded || len(r.Update.Groupings) != 2 {
		t.Fatalf("record %+v", r.Update)
	}
	for _, g := range r.Update.Groupings {
		res, err := selection.SolveMatrix(want, selection.DefaultRule, selection.MaxNetworks(g.Budget),
			selection.Options{Seed: 1, Iterations: 200, SpendBudget: selection.DefaultSpendBudget})
		if err != nil {
			t.Fatal(err)
		}
		if w := res.GroupNames(want.Tasks); !reflect.DeepEqual(g.After, w) {
			t.Errorf("budget %d: %v, selection on the reduced matrix %v", g.Budget, g.After, w)
		}
	}
}

// Check names what differs: the seed, the recipe's field, added tasks the
// data lack.
func TestUpdateCheckRefuses(t *testing.T) {
	l, ds := plantedRun(t, []string{"a0", "b0"}, 1)
	rec, _, _ := Read(l)
	plan := func(add ...string) *Update {
		u, err := PlanUpdate(UpdateOptions{From: l.Dir, Out: filepath.Join(t.TempDir(), "o"), Add: add, Checks: 3, MinReliability: 0.9, Budgets: []int{2}, Rule: selection.DefaultRule})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	other := rec.Config
	other.LearningRate *= 2
	for _, c := range []struct {
		err  error
		want string
	}{
		{plan("c0").Check(ds, rec.Config, rec.Affinity, 2), "seed 1"},
		{plan("c0").Check(ds, other, rec.Affinity, 1), "learning_rate"},
		{plan("zz").Check(ds, rec.Config, rec.Affinity, 1), `"zz"`},
	} {
		var ie *InputError
		if !errors.As(c.err, &ie) || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want an input error with %q", c.err, c.want)
		}
	}
}

// An added task is measured from where Start says: the new pairs' affinity
// after N steps is that of the first N steps of a run on the new task list
// started by hand from the seed's initialization (StartInit), from the
// saved snapshot (StartQuarter) or from the saved weights (StartFinal),
// and differs from the other starts'. The snapshot is the saved run's
// parameters after SnapshotStep and goes forward to the update's files.
// Without a snapshot, StartQuarter falls back to StartInit and says so.
func TestContinueStarts(t *testing.T) {
	l, ds := plantedRun(t, []string{"a0", "b0"}, 1)
	rec, files, err := Read(l)
	if err != nil {
		t.Fatal(err)
	}
	step := SnapshotStep(ds, rec.Config)
	if step < 2 || files.Snapshot == nil {
		t.Fatalf("snapshot step %d, snapshot %v", step, files.Snapshot != nil)
	}
	stopped, err := mtl.Train(context.Background(), ds, rec.Tasks, rec.Config, mtl.Options{Affinity: &rec.Affinity, MaxSteps: step})
	if err != nil {
		t.Fatal(err)
	}
	if files.Snapshot.Digest() != stopped.Parameters.Digest() {
		t.Error("weights-quarter.gob differs from the parameters of the run stopped after SnapshotStep")
	}
	tasks := []string{"a0", "b0", "a1"}
	newPairs := func(m *taskmatrix.Matrix) []float64 {
		var v []float64
		for i, s := range m.Tasks {
			for j, u := range m.Tasks {
				if i != j && (s == "a1" || u == "a1") {
					v = append(v, m.Values[i][j])
				}
			}
		}
		return v
	}
	seen := map[string][]float64{}
	for _, c := range []struct {
		start string
		init  *mtl.Parameters
	}{{StartInit, nil}, {StartQuarter, files.Snapshot}, {StartFinal, files.Weights}} {
		byHand, err := mtl.Train(context.Background(), ds, tasks, rec.Config, mtl.Options{Affinity: &rec.Affinity, MaxSteps: 10, Init: c.init})
		if err != nil {
			t.Fatal(err)
		}
		run := Continue{Tasks: tasks, Added: []string{"a1"}, Old: files, Config: rec.Config, Affinity: rec.Affinity, Steps: 10, Start: c.start, CheckpointDir: t.TempDir()}
		done, err := run.Run(context.Background(), ds)
		if err != nil {
			t.Fatal(err)
		}
		got, want := newPairs(done.Files.Sums.Affinity()), newPairs(byHand.Sums.PairSums().Affinity())
		if !slices.Equal(got, want) || done.Start != c.start || done.StartNote != "" {
			t.Errorf("start %s: new pairs %v, by hand %v; started %q (%q)", c.start, got, want, done.Start, done.StartNote)
		}
		for other, v := range seen {
			if slices.Equal(v, got) {
				t.Errorf("start %s measured what start %s did", c.start, other)
			}
		}
		seen[c.start] = got
		if done.Files.Snapshot == nil || done.Files.Snapshot.Digest() != files.Snapshot.Digest() {
			t.Errorf("start %s: the update does not carry the snapshot forward", c.start)
		}
	}
	older := *files
	older.Snapshot = nil
	run := Continue{Tasks: tasks, Added: []string{"a1"}, Old: &older, Config: rec.Config, Affinity: rec.Affinity, Steps: 10, Start: StartQuarter, CheckpointDir: t.TempDir()}
	done, err := run.Run(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	if got := newPairs(done.Files.Sums.Affinity()); !slices.Equal(got, seen[StartInit]) || done.Start != StartInit || done.StartNote != NoSnapshot ||
		done.Files.Snapshot != nil {
		t.Errorf("quarter without a snapshot: new pairs %v, want those of init %v; started %q (%q)", got, seen[StartInit], done.Start, done.StartNote)
	}
}

// An update records its start in run.json and changes.md and keeps the
// snapshot of the run it continued; -start quarter on a run without a
// snapshot trains from the initialization and says so; an unknown start
// is refused before anything is written.
func TestUpdateStartRecorded(t *testing.T) {
	l, ds := plantedRun(t, []string{"a0", "b0"}, 1)
	rec, files, err := Read(l)
	if err != nil {
		t.Fatal(err)
	}
	update := func(start string) (*Update, string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "upd")
		u, err := PlanUpdate(UpdateOptions{From: l.Dir, Out: out, Add: []string{"a1"}, Steps: 6, Start: start, Checks: 3,
			MinReliability: -1, Budgets: []int{2}, Rule: selection.DefaultRule})
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Check(ds, rec.Config, rec.Affinity, rec.Seed); err != nil {
			t.Fatal(err)
		}
		if _, err := PrepareDir(u.Out(), false, false, u.Conf()); err != nil {
			t.Fatal(err)
		}
		if err := u.Run(context.Background(), ds); err != nil {
			t.Fatal(err)
		}
		changes, err := os.ReadFile(u.Out().Changes())
		if err != nil {
			t.Fatal(err)
		}
		return u, string(changes)
	}
	u, changes := update(StartQuarter)
	got, gotFiles, err := Read(u.Out())
	if err != nil {
		t.Fatal(err)
	}
	if got.Update.Start != StartQuarter || got.Update.StartNote != "" || got.Update.Warm || !strings.Contains(changes, "-start quarter") {
		t.Errorf("quarter: start %q (%q), warm %v; changes.md:\n%s", got.Update.Start, got.Update.StartNote, got.Update.Warm, changes)
	}
	if gotFiles.Snapshot == nil || gotFiles.Snapshot.Digest() != files.Snapshot.Digest() {
		t.Error("the update's folder does not keep the snapshot it started from")
	}
	if u, _ := update(StartFinal); !u.Result().Update.Warm || u.Result().Update.Start != StartFinal {
		t.Errorf("final: %+v", u.Result().Update)
	}
	if err := os.Remove(l.WeightsQuarter()); err != nil {
		t.Fatal(err)
	}
	u, changes = update(StartQuarter)
	if r := u.Result().Update; r.Start != StartInit || r.StartNote != NoSnapshot || !strings.Contains(changes, NoSnapshot) {
		t.Errorf("quarter without a snapshot: start %q (%q); changes.md:\n%s", r.Start, r.StartNote, changes)
	}
	if _, err := os.Stat(u.Out().WeightsQuarter()); err == nil {
		t.Error("an update without a snapshot to keep wrote one")
	}
	out := filepath.Join(t.TempDir(), "bad")
	if _, err := PlanUpdate(UpdateOptions{From: l.Dir, Out: out, Add: []string{"a1"}, Start: "middle", Checks: 3, Rule: selection.DefaultRule}); !IsInput(err) ||
		err.Error() != `-start "middle": want init, quarter or final` {
		t.Errorf("unknown start: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused update wrote its folder")
	}
}
