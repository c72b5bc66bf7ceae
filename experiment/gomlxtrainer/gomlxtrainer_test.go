package gomlxtrainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/taskmatrix"
)

func sameGroups(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// blockMatrix has value in within blocks of size two and out across them.
func blockMatrix(tasks []string, in, out, diag float64) *taskmatrix.Matrix {
	m := taskmatrix.New(tasks)
	for i := range tasks {
		for j := range tasks {
			switch {
			case i == j:
				m.Values[i][j] = diag
			case i/2 == j/2:
				m.Values[i][j] = in
			default:
				m.Values[i][j] = out
			}
		}
	}
	return m
}

func TestSelector(t *testing.T) {
	tasks := []string{"a", "b", "c", "d", "e", "f"}
	pairs := [][]string{{"a", "b"}, {"c", "d"}, {"e", "f"}}
	tests := []struct {
		name   string
		m      *taskmatrix.Matrix
		rule   string
		budget int
		want   [][]string
	}{
		{"affinity blocks", blockMatrix(tasks, 0.5, -0.2, 1), experiment.RulePaper, 3, pairs},
		{"affinity budget 1", blockMatrix(tasks, 0.5, -0.2, 1), experiment.RulePaper, 1, [][]string{tasks}},
		// Pair losses: low loss within blocks; singletons are worse.
		{"pair loss blocks", blockMatrix(tasks, 0.2, 0.9, 0.5), experiment.RulePairLoss, 3, pairs},
		// Singletons best: every task alone when the budget allows.
		{"pair loss singles", blockMatrix(tasks, 0.7, 0.9, 0.1), experiment.RulePairLoss, 6,
			[][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}}},
	}
	for _, tc := range tests {
		got, err := Selector{}.Select(tc.m, tc.rule, tc.budget)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !sameGroups(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSelectTrueLosses(t *testing.T) {
	tasks := []string{"a", "b", "c", "d"}
	// Every subset's loss for a task: 1 alone, 0.5 with its partner
	// (a–b, c–d), 1.2 with anything else in the group.
	var groups []experiment.GroupLoss
	for mask := 1; mask < 16; mask++ {
		g := experiment.GroupLoss{Loss: map[string]float64{}}
		for i, tk := range tasks {
			if mask&(1<<i) != 0 {
				g.Tasks = append(g.Tasks, tk)
			}
		}
		for i, tk := range tasks {
			if mask&(1<<i) == 0 {
				continue
			}
			partner := mask&(1<<(i^1)) != 0
			others := mask&^(1<<i)&^(1<<(i^1)) != 0
			g.Loss[tk] = map[bool]float64{true: 0.5, false: 1}[partner]
			if others {
				g.Loss[tk] = 1.2
			}
		}
		groups = append(groups, g)
	}
	for _, tc := range []struct {
		budget int
		want   [][]string
	}{{2, [][]string{{"a", "b"}, {"c", "d"}}}, {4, [][]string{{"a", "b"}, {"c", "d"}}}, {1, [][]string{tasks}}} {
		got, err := Selector{}.SelectTrueLosses(groups, tasks, tc.budget)
		if err != nil {
			t.Fatal(err)
		}
		if !sameGroups(got, tc.want) {
			t.Errorf("budget %d: %v, want %v", tc.budget, got, tc.want)
		}
	}
	if _, err := (Selector{}).SelectTrueLosses([]experiment.GroupLoss{{Tasks: []string{"zz"}}}, tasks, 2); err == nil {
		t.Error("unknown task accepted")
	}
}

// plantedSetup is planted data with three families of two tasks and a
// trunk of 8 units, narrower than the 9 the families need together.
func plantedSetup(t testing.TB) (*planted.Dataset, *Trainer) {
	ds, err := planted.New(planted.Options{Families: 3, TasksPerFamily: 2, N: 3000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mtl.DefaultConfig(ds)
	cfg.Trunk.Widths = []int{8}
	cfg.Optimizer, cfg.LearningRate, cfg.Epochs, cfg.Patience = mtl.OptimizerSGD, 0.1, 20, 0
	aff := affinity.DefaultOptions()
	aff.Every = 2
	return ds, &Trainer{Data: ds, Config: cfg, Affinity: aff}
}

// TestPlantedEndToEnd is the issue's acceptance test: on planted families
// that compete for a small trunk, TAG at the planted budget recovers the
// families, and its total test loss is below MTL's and below the mean of
// random groupings; a resumed run writes the same results.json.
func TestPlantedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains about 15 small networks")
	}
	ds, tr := plantedSetup(t)
	var tasks []string
	for _, x := range ds.Tasks() {
		tasks = append(tasks, x.Name)
	}
	cfg := experiment.Config{Tasks: tasks, Budgets: []int{3}, Methods: []string{experiment.MTL, experiment.TAG, experiment.Random},
		RandomSeeds: 3, Seed: 1, Workers: 2, Data: Describe(ds)}
	res, err := experiment.Run(context.Background(), t.TempDir(), cfg, tr, Selector{})
	if err != nil {
		t.Fatal(err)
	}
	tag := res.Methods[experiment.TAG].Budgets["3"]
	if !sameGroups(tag.Groups, ds.TrueGroups()) {
		t.Errorf("tag groups %v, want the planted families %v", tag.Groups, ds.TrueGroups())
	}
	mtlTotal := res.Methods[experiment.MTL].Budgets[experiment.AllBudgets].TotalTestLoss
	random := res.Methods[experiment.Random].Budgets["3"].TotalTestLoss
	if tag.TotalTestLoss >= mtlTotal || tag.TotalTestLoss >= random {
		t.Errorf("tag total test loss %.4f, want below mtl %.4f and random mean %.4f", tag.TotalTestLoss, mtlTotal, random)
	}
	t.Logf("total test loss: tag %.4f, mtl %.4f, random %.4f", tag.TotalTestLoss, mtlTotal, random)

	// Kill a run after a few units, resume it, and compare: everything
	// but measured times must be identical.
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Progress = func(p experiment.Progress) {
		if p.Done >= 3 {
			cancel()
		}
	}
	if _, err := experiment.Run(ctx, dir, cfg, tr, Selector{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	cfg.Progress = nil
	resumed, err := experiment.Run(context.Background(), dir, cfg, tr, Selector{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := withoutTimes(t, res), withoutTimes(t, resumed); a != b {
		t.Errorf("resumed results differ from the uninterrupted run's:\n%s\n%s", a, b)
	}
}

// withoutTimes encodes r with every measured duration set to zero.
func withoutTimes(t *testing.T, r *experiment.Results) string {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var c experiment.Results
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Methods {
		m.GroupingSeconds = 0
		for _, br := range m.Budgets {
			br.TrainSeconds = 0
		}
	}
	if c.Affinity != nil {
		c.Affinity.Seconds = 0
	}
	b, err = json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ExampleSelector groups six tasks whose affinities form three pairs.
func ExampleSelector() {
	tasks := []string{"a", "b", "c", "d", "e", "f"}
	groups, err := Selector{}.Select(blockMatrix(tasks, 0.5, -0.2, 1), experiment.RulePaper, 3)
	fmt.Println(groups, err)
	// Output: [[a b] [c d] [e f]] <nil>
}

// TestUnitCheckpointResume interrupts one network in the middle of its
// training: its checkpoint is on disk, the next call continues from it and
// gives the uninterrupted network's metrics. (Removing the finished
// network's folder is the experiment's job: see experiment's
// TestCheckpointFolders.)
func TestUnitCheckpointResume(t *testing.T) {
	_, tr := plantedSetup(t)
	tr.Config.Epochs = 4
	tasks := []string{"a0", "a1", "b0"}
	want, err := tr.TrainGroup(context.Background(), experiment.Job{Tasks: tasks, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}

	root := t.TempDir()
	job := experiment.Job{Tasks: tasks, Seed: 7, CheckpointDir: filepath.Join(root, "unit")}
	ctx, cancel := context.WithCancel(context.Background())
	var stoppedAt int
	tr.Progress = func(_ experiment.Job, p mtl.Progress) {
		if p.Epoch >= 2 && stoppedAt == 0 {
			stoppedAt = p.Step
			cancel()
		}
	}
	if _, err := tr.TrainGroup(ctx, job); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted network: %v, want context.Canceled", err)
	}
	ckpts, _ := filepath.Glob(filepath.Join(root, "*", mtl.CheckpointFile))
	if len(ckpts) != 1 {
		t.Fatalf("after the interruption at step %d: checkpoints %v, want one", stoppedAt, ckpts)
	}

	var firstStep int
	tr.Progress = func(_ experiment.Job, p mtl.Progress) {
		if firstStep == 0 {
			firstStep = p.Step
		}
	}
	got, err := tr.TrainGroup(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if firstStep <= 1 {
		t.Errorf("resumed network started at step %d, want it to continue after step %d", firstStep, stoppedAt)
	}
	for _, task := range tasks {
		if got.Tasks[task] != want.Tasks[task] {
			t.Errorf("%s: resumed metrics %+v, uninterrupted %+v", task, got.Tasks[task], want.Tasks[task])
		}
	}
	if got.Steps != want.Steps {
		t.Errorf("resumed network counts %d steps, uninterrupted %d", got.Steps, want.Steps)
	}
}

// DescriptionFor keeps what networks on the tasks given read: the other
// tasks' entries, class notes and warnings go, the rest stays.
func TestDescriptionFor(t *testing.T) {
	d := map[string]any{
		"name":             "f.csv",
		"tasks":            []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"name": "r"}},
		"notes":            []any{"content digest 01", `task "a" classes: 0=0, 1=1`, `task "b" classes: 0=0, 1=1`},
		"leakage_warnings": []any{`feature "x" looks like a target: association 0.9 with task "b"`},
	}
	got := DescriptionFor(d, []string{"a", "r"})
	want := map[string]any{
		"name":             "f.csv",
		"tasks":            []any{map[string]any{"name": "a"}, map[string]any{"name": "r"}},
		"notes":            []any{"content digest 01", `task "a" classes: 0=0, 1=1`},
		"leakage_warnings": []any(nil),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DescriptionFor = %v, want %v", got, want)
	}
	if len(d["tasks"].([]any)) != 3 {
		t.Error("DescriptionFor changed its argument")
	}
}

// RecipeOf reads back what Recipe wrote, as results.json holds it.
func TestRecipeOf(t *testing.T) {
	ds, err := planted.New(planted.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg, aff := Recipe(ds)
	cfg.Epochs, aff.Every = 3, 4
	tr := &Trainer{Config: cfg, Affinity: aff}
	b, _ := json.Marshal(tr.Recipe())
	var decoded any
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	gotCfg, gotAff, err := RecipeOf(decoded)
	cfg.Seed = 0
	if err != nil || !reflect.DeepEqual(gotCfg, cfg) || gotAff != aff {
		t.Errorf("RecipeOf = %+v, %+v, %v; want %+v, %+v", gotCfg, gotAff, err, cfg, aff)
	}
	if _, _, err := RecipeOf(map[string]any{"lr": 1}); err == nil {
		t.Error("RecipeOf accepted a recipe without its parts")
	}
}

// FromRecord decodes the source and recipe a finished run's results.json
// recorded, refuses an unreadable source naming the file, and reads no
// recipe for a run that recorded no source.
func TestFromRecord(t *testing.T) {
	dir := t.TempDir()
	plan := func(name, results string) *experiment.From {
		return planFrom(t, filepath.Join(dir, name), results, "c")
	}
	tr := Trainer{Config: mtl.Config{Epochs: 3, LearningRate: 0.5}, Affinity: affinity.Options{Every: 4}}
	recipe, _ := json.Marshal(tr.Recipe())
	src, cfg, aff, err := FromRecord(plan("ok", `{"tasks":["a","b"],"source":{"name":"planted"},"recipe":`+string(recipe)+`}`))
	if err != nil || src == nil || src.Name != "planted" || cfg.Epochs != 3 || cfg.LearningRate != 0.5 || aff.Every != 4 {
		t.Errorf("recorded run: %+v, %+v, %+v, %v", src, cfg, aff, err)
	}
	if src, _, _, err := FromRecord(plan("old", `{"tasks":["a","b"],"recipe":"unread"}`)); src != nil || err != nil {
		t.Errorf("run without a source: %+v, %v", src, err)
	}
	_, _, _, err = FromRecord(plan("bad", `{"tasks":["a","b"],"source":"glyphs"}`))
	var ce *experiment.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "bad/results.json: the recorded data source") {
		t.Errorf("unreadable source: %v", err)
	}
}

// AffinityRecipe is Recipe with the seed, a checkpoint every 50 steps and
// the division by the learning rate as asked.
func TestAffinityRecipe(t *testing.T) {
	ds, err := planted.New(planted.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg, aopt := AffinityRecipe(ds, 7, true)
	want, wantAff := Recipe(ds)
	want.Seed, want.CheckpointEvery, wantAff.DivideByLR = 7, 50, true
	if !reflect.DeepEqual(cfg, want) || !reflect.DeepEqual(aopt, wantAff) {
		t.Errorf("AffinityRecipe %+v %+v, want %+v %+v", cfg, aopt, want, wantAff)
	}
}

// planFrom writes results into dir's results.json and plans its
// continuation with the task add added.
func planFrom(t *testing.T, dir, results, add string) *experiment.From {
	t.Helper()
	l := experiment.Layout{Dir: dir}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Results(), []byte(results), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := experiment.PlanFrom(l.Dir, dir+"-out", []string{add}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ContinueFrom sets the changed tasks and refuses an added task the data
// lack (affinityrun.InputError) before reading the run's files (the
// cmd/tag tests of tag run -from continue whole runs).
func TestContinueFrom(t *testing.T) {
	ds, err := planted.New(planted.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr := &Trainer{Data: ds, Config: mtl.Config{Epochs: 3}, Affinity: affinity.Options{Every: 4}}
	exp := experiment.Config{Tasks: []string{"a0", "b0"}}
	err = tr.ContinueFrom(&exp, planFrom(t, filepath.Join(t.TempDir(), "zz"), `{"tasks":["a0","b0"]}`, "zz"))
	if !affinityrun.IsInput(err) || !strings.Contains(err.Error(), `"zz"`) || !slices.Equal(exp.Tasks, []string{"a0", "b0", "zz"}) || exp.From == nil {
		t.Errorf("adding a task the data lack: %v, tasks %v", err, exp.Tasks)
	}
}

// A continuation trains from the start its Settings name (the Trainer's
// ContinueSettings where it has none), the start its unit's key covers.
func TestContinueSettings(t *testing.T) {
	_, tr := plantedSetup(t)
	tr.Config.Epochs = 4
	ctx, state, tasks := context.Background(), t.TempDir(), []string{"a0", "a1", "b0"}
	old, err := tr.AffinityRun(ctx, experiment.Job{Tasks: tasks, Seed: 7, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		settings map[string]any
		want     string
	}{{nil, affinityrun.DefaultStart}, {map[string]any{"start": affinityrun.StartInit}, affinityrun.StartInit}} {
		cont := &experiment.Continuation{From: "old", Added: []string{"b1"}, Budgets: []int{2}, Rule: experiment.DefaultRule,
			State: state, Old: old, Settings: c.settings}
		a, err := tr.AffinityRun(ctx, experiment.Job{Tasks: append(slices.Clone(tasks), "b1"), Seed: 7, Continue: cont})
		if err != nil {
			t.Fatal(err)
		}
		if r := a.Continued; r == nil || r.Start != c.want || r.StartNote != "" {
			t.Errorf("settings %v: continued %+v, want the start %s", c.settings, r, c.want)
		}
	}
	var how continuation
	if b, err := json.Marshal(tr.ContinueSettings()); err != nil || json.Unmarshal(b, &how) != nil || how.Start != affinityrun.DefaultStart || how.Checks != affinityrun.DefaultStableChecks {
		t.Errorf("ContinueSettings %s: %v", b, err)
	}
}
