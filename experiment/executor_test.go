package experiment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/tagroup/tag/internal/atomicfile"
)

// workerExecutor stands for a cluster: it reads each phase's plan back from
// the run directory, as a worker process would, and trains every index with
// a fresh Trainer, some of them twice at once (two workers handed the same
// index). Indices in skip are left untrained.
type workerExecutor struct {
	skip    map[int]bool
	twice   bool
	phases  []int
	trained int
	reused  int
}

func (w *workerExecutor) Name() string { return "fake-cluster" }

func (w *workerExecutor) Execute(ctx context.Context, p *Plan) ([]string, error) {
	w.phases = append(w.phases, p.Phase)
	q, err := ReadPlan(p.Dir(), 0) // the latest plan is this phase's
	if err != nil {
		return nil, err
	}
	if q.Phase != p.Phase || len(q.Units) != len(p.Units) {
		return nil, errors.New("the plan read back differs")
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for i := range q.Units {
		if w.skip[i] {
			continue
		}
		n := 1
		if w.twice && i%2 == 0 {
			n = 2
		}
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reused, err := q.RunUnit(ctx, i, cfg6().Data, newFake())
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if reused {
					w.reused++
				} else {
					w.trained++
				}
			}()
		}
	}
	wg.Wait()
	return []string{"job-" + strings.Repeat("x", p.Phase)}, firstErr
}

// resultsJSON is the results' JSON without the executor record.
func resultsJSON(t *testing.T, r *Results) []byte {
	t.Helper()
	c := *r
	c.Executor = nil
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExecutorPlans runs the experiment through an executor whose workers
// read the plans back and train each unit in a Trainer of their own: the
// results equal a local run's, every unit is trained once however many
// workers get its index, and results.json records the executor and its jobs.
func TestExecutorPlans(t *testing.T) {
	c := cfg6(MTL, STL, TAG, HOA, Random, TAGRefine)
	local := mustRun(t, t.TempDir(), c, newFake(), bruteSelector{})
	if local.Executor == nil || local.Executor.Name != "local" || len(local.Executor.Phases) != 0 {
		t.Errorf("local run's executor record: %+v", local.Executor)
	}
	dir := t.TempDir()
	ex := &workerExecutor{twice: true}
	c.Executor, c.Worker = ex, []string{"-data", "x"}
	main := newFake()
	got := mustRun(t, dir, c, main, bruteSelector{})
	if !bytes.Equal(resultsJSON(t, got), resultsJSON(t, local)) {
		t.Error("results through the executor differ from the local run's")
	}
	if main.total() != 0 {
		t.Errorf("the run trained %d units itself; the executor should have", main.total())
	}
	if want := newFake(); true {
		mustRun(t, t.TempDir(), cfg6(MTL, STL, TAG, HOA, Random, TAGRefine), want, bruteSelector{})
		if ex.trained != want.total() {
			t.Errorf("workers trained %d units, want each of the %d once", ex.trained, want.total())
		}
	}
	if ex.reused == 0 {
		t.Error("no worker found its unit already trained, though some indices ran twice")
	}
	rec := got.Executor
	if rec == nil || rec.Name != "fake-cluster" || len(rec.Phases) != 2 || rec.Phases[1].Jobs[0] != "job-xx" || rec.Phases[0].Units == 0 {
		t.Errorf("executor record %+v", rec)
	}
	p, err := ReadPlan(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.ConfigHash != got.ConfigHash || strings.Join(p.Worker, " ") != "-data x" || len(p.Missing()) != 0 {
		t.Errorf("plan 1: hash %s (run %s), worker %v, missing %v", p.ConfigHash, got.ConfigHash, p.Worker, p.Missing())
	}
	for i := 1; i < len(p.Units); i++ {
		if unitCost(p.Units[i].unit()) > unitCost(p.Units[i-1].unit()) {
			t.Errorf("plan not largest first at %d", i)
		}
	}
	// A rerun finds every unit and hands nothing to the executor.
	ex2 := &workerExecutor{}
	c.Executor = ex2
	mustRun(t, dir, c, newFake(), bruteSelector{})
	if len(ex2.phases) != 0 {
		t.Errorf("a finished run handed phases %v to the executor", ex2.phases)
	}
}

// TestExecutorMissingUnits: units an executor leaves untrained end the run
// with an error naming them; rerunning trains only those.
func TestExecutorMissingUnits(t *testing.T) {
	c := cfg6(MTL, STL)
	dir := t.TempDir()
	c.Executor = &workerExecutor{skip: map[int]bool{1: true, 3: true}}
	_, err := Run(context.Background(), dir, c, newFake(), bruteSelector{})
	var me *MissingError
	if !errors.As(err, &me) || len(me.Indices) != 2 || me.Indices[0] != 1 || me.Indices[1] != 3 {
		t.Fatalf("want a MissingError naming units 1 and 3, got %v", err)
	}
	p, _ := ReadPlan(dir, 1)
	for _, i := range me.Indices {
		if !strings.Contains(err.Error(), p.Units[i].String()) || !strings.Contains(err.Error(), p.Units[i].Key) {
			t.Errorf("error does not name unit %d (%s): %v", i, p.Units[i], err)
		}
	}
	ex := &workerExecutor{}
	c.Executor = ex
	got := mustRun(t, dir, c, newFake(), bruteSelector{})
	if ex.trained != 2 {
		t.Errorf("the rerun trained %d units, want the 2 missing", ex.trained)
	}
	want := mustRun(t, t.TempDir(), cfg6(MTL, STL), newFake(), bruteSelector{})
	if !bytes.Equal(resultsJSON(t, got), resultsJSON(t, want)) {
		t.Error("resumed results differ from a local run's")
	}
}

// TestRunUnitChecks: a worker with another recipe, or an index outside the
// plan, is refused with an error naming the plan.
func TestRunUnitChecks(t *testing.T) {
	c := cfg6(MTL, STL)
	dir := t.TempDir()
	c.Executor = &workerExecutor{skip: map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true, 5: true, 6: true}}
	if _, err := Run(context.Background(), dir, c, newFake(), bruteSelector{}); err == nil {
		t.Fatal("no error with every unit skipped")
	}
	p, err := ReadPlan(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	other := newFake()
	other.recipe = "fake-v2"
	if _, err := p.RunUnit(context.Background(), 0, nil, other); err == nil || !strings.Contains(err.Error(), p.Path()) {
		t.Errorf("another recipe: %v", err)
	}
	if _, err := p.RunUnit(context.Background(), len(p.Units), nil, newFake()); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("index past the end: %v", err)
	}
	if _, err := ReadPlan(t.TempDir(), 0); err == nil {
		t.Error("no error for a directory without plans")
	}
	// A plan whose unit was edited is refused.
	b, _ := os.ReadFile(p.Path())
	if err := os.WriteFile(p.Path(), bytes.Replace(b, []byte(`"seed": 7`), []byte(`"seed": 8`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	var ce *atomicfile.ChecksumError
	if _, err := ReadPlan(dir, 1); !errors.As(err, &ce) || !strings.Contains(err.Error(), p.Path()) {
		t.Errorf("edited plan: %v, want a checksum error naming it", err)
	}
	// So is one without its checksum file: its keys no longer match.
	os.Remove(atomicfile.Sidecar(p.Path()))
	if _, err := ReadPlan(dir, 1); err == nil || !strings.Contains(err.Error(), "key") {
		t.Errorf("edited plan: %v", err)
	}
}

// ExamplePlan_RunUnit hands the units of a run to an executor whose
// "workers" read each phase's plan back from the run directory and train
// one unit each, as `tag unit -dir DIR -phase N -index I` does in its own
// process; the run then reads their results.
func ExamplePlan_RunUnit() {
	dir, _ := os.MkdirTemp("", "tag-example")
	defer os.RemoveAll(dir)
	data := map[string]any{"name": "example"}
	cfg := Config{Tasks: []string{"a1", "a2", "b1"}, Methods: []string{MTL, STL}, Seed: 1, Data: data,
		Executor: executorFunc(func(ctx context.Context, p *Plan) ([]string, error) {
			plan, err := ReadPlan(dir, p.Phase)
			if err != nil {
				return nil, err
			}
			for i, u := range plan.Units {
				reused, err := plan.RunUnit(ctx, i, data, newFake())
				fmt.Println("phase", plan.Phase, "unit", i, u, "reused:", reused, err)
			}
			return nil, nil
		})}
	res, err := Run(context.Background(), dir, cfg, newFake(), bruteSelector{})
	fmt.Println(res.Executor.Name, len(res.Executor.Phases), "phase", err)
	// Output:
	// phase 1 unit 0 group[a1+a2+b1] reused: false <nil>
	// phase 1 unit 1 group[a1] reused: false <nil>
	// phase 1 unit 2 group[a2] reused: false <nil>
	// phase 1 unit 3 group[b1] reused: false <nil>
	// workers 1 phase <nil>
}

// executorFunc makes a function an Executor named "workers".
type executorFunc func(context.Context, *Plan) ([]string, error)

func (executorFunc) Name() string { return "workers" }

func (f executorFunc) Execute(ctx context.Context, p *Plan) ([]string, error) { return f(ctx, p) }
