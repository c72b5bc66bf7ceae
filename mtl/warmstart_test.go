package mtl

import (
	"bytes"
	"context"
	"encoding/gob"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
)

func testModel(t *testing.T, ds data.Dataset, cfg Config, tasks ...string) *model {
	t.Helper()
	var ts []data.Task
	for _, name := range tasks {
		c, err := data.TaskIndex(ds, name)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, ds.Tasks()[c])
	}
	backend, err := backendFor(cfg.Backend)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModel(backend, cfg, ts, ds.InputShape())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A network for tasks (r, a) started from one for (a, noise) has the old
// trunk and the old head of a (found by name, though a moved from head 0 to
// head 1), and a fresh head for r: checked parameter by parameter against
// the specs' names, independently of parametersOf's bookkeeping.
func TestWarmStartCopiesTrunkAndSharedHeads(t *testing.T) {
	ds := newSynthetic(64, 16, 16)
	cfg := smallConfig(ds)
	cfg.Head.Hidden = 4
	old := testModel(t, ds, cfg, "a", "noise")
	oldVals := old.initialValues(7)
	for k := range oldVals {
		for i := range oldVals[k] {
			oldVals[k][i] += float32(k + 1) // biases too: every value differs from a fresh one
		}
	}
	w := old.parametersOf(oldVals)
	if len(w.Heads) != 2 || len(w.Heads["a"]) != 4 {
		t.Fatalf("weights %v heads, head a %v", len(w.Heads), w.Heads["a"])
	}
	nw := testModel(t, ds, cfg, "r", "a")
	vals := nw.initialValues(3)
	fresh := nw.initialValues(3)
	if err := nw.warmStart(vals, w); err != nil {
		t.Fatal(err)
	}
	byName := map[string][]float32{}
	for k, s := range old.specs {
		byName[s.Name] = oldVals[k]
	}
	for k, s := range nw.specs {
		var want []float32
		switch {
		case strings.HasPrefix(s.Name, "trunk/"):
			want = byName[s.Name]
		case strings.HasPrefix(s.Name, "head1/"): // a, head0 of the old network
			want = byName["head0/"+strings.TrimPrefix(s.Name, "head1/")]
		default: // r's fresh head
			want = fresh[k]
		}
		if !slices.Equal(vals[k], want) {
			t.Errorf("%s: warm start gave %v..., want %v...", s.Name, vals[k][:1], want[:1])
		}
	}
	if d := w.Digest(); d != old.parametersOf(oldVals).Digest() || d == w.Without([]string{"a"}).Digest() {
		t.Error("Digest is not a function of the values")
	}
	other := cfg
	other.Trunk.Widths = []int{8}
	if err := testModel(t, ds, other, "a").warmStart(testModel(t, ds, other, "a").initialValues(1), w); err == nil ||
		!strings.Contains(err.Error(), "trunk/dense0/w") {
		t.Errorf("another trunk: %v", err)
	}
}

// A continued run (Init) stopped by a StopRule and resumed twice ends
// exactly like an uninterrupted one; MaxSteps ends a run mid-epoch.
func TestWarmStartResumeAndStops(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	cfg, opt := affinityConfig(ds)
	first, err := Train(context.Background(), ds, []string{"a", "noise"}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs = 5
	opt.Init = first.Parameters
	var seen []int
	opt.Stop = &StopRule{Name: "after epoch 2", After: func(epoch int, acc *affinity.Accumulator) bool {
		seen = append(seen, epoch)
		return acc != nil && epoch >= 2
	}}
	checkResume(t, ds, cfg, opt)
	res, err := Train(context.Background(), ds, []string{"a", "noise", "r", "c"}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 3 || res.Steps != 24 || !res.StoppedEarly {
		t.Errorf("stop rule: %d epochs, %d steps, stopped early %v; want 3, 24, true", res.Epochs, res.Steps, res.StoppedEarly)
	}
	opt.Stop, opt.MaxSteps = nil, 13
	res, err = Train(context.Background(), ds, []string{"a", "noise", "r", "c"}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 13 || res.Epochs != 2 || len(res.History) != 2 {
		t.Errorf("MaxSteps 13: %d steps, %d epochs, %d history records", res.Steps, res.Epochs, len(res.History))
	}
	if res.Sums == nil || res.Sums.Count != res.AffinitySteps {
		t.Errorf("Sums %+v", res.Sums)
	}
}

// Parameters survive a gob round trip, and equal parameters encode to
// equal bytes (maps would not).
func TestParametersGob(t *testing.T) {
	w := &Parameters{Shared: map[string][]float32{"trunk/b": {1}, "trunk/a": {2, 3}},
		Heads: map[string]map[string][]float32{"x": {"out/w": {4}, "out/b": {5}}, "y": {"out/w": {6}}}}
	var first []byte
	for k := range 5 {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(w); err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			first = slices.Clone(buf.Bytes())
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatal("two encodings of the same weights differ")
		}
		var back Parameters
		if err := gob.NewDecoder(&buf).Decode(&back); err != nil || back.Digest() != w.Digest() {
			t.Fatalf("round trip: %v", err)
		}
	}
}

// A stop rule checked every few steps ends the run mid-epoch at the
// check where it says so; its own state (here a count of checks) goes
// through the checkpoint, so interrupted and resumed runs stop at the
// same step as an uninterrupted one.
func TestStopRuleEveryStepsWithState(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	cfg, opt := affinityConfig(ds)
	cfg.Epochs = 6
	checks := 0
	opt.Stop = &StopRule{Name: "fourth check", Every: 7,
		After: func(epoch int, acc *affinity.Accumulator) bool {
			checks++
			return checks == 4
		},
		State: func() []byte { return []byte{byte(checks)} },
		Restore: func(b []byte) error {
			checks = 0
			if len(b) == 1 {
				checks = int(b[0])
			}
			return nil
		}}
	res, err := Train(context.Background(), ds, []string{"a", "noise", "r", "c"}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 28 || !res.StoppedEarly || checks != 4 {
		t.Errorf("%d steps, stopped early %v, %d checks; want 28, true, 4", res.Steps, res.StoppedEarly, checks)
	}
	checkResume(t, ds, cfg, opt)
}

// The snapshot after step S equals the last parameters of the same run
// stopped after S steps; a run resumed from checkpoints written before and
// after S returns the same snapshot; a run that ends before S has none.
func TestSnapshotStep(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	cfg, opt := affinityConfig(ds)
	cfg.Epochs = 3
	tasks := []string{"a", "noise", "r", "c"}
	stopped := opt
	stopped.MaxSteps = 10
	short, err := Train(context.Background(), ds, tasks, cfg, stopped)
	if err != nil {
		t.Fatal(err)
	}
	if short.Snapshot != nil {
		t.Error("a run without SnapshotStep has a snapshot")
	}
	opt.SnapshotStep = 10
	full, err := Train(context.Background(), ds, tasks, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if full.Snapshot == nil || full.Snapshot.Digest() != short.Parameters.Digest() {
		t.Fatal("the snapshot after step 10 differs from the parameters of a run stopped there")
	}
	if full.Snapshot.Digest() == full.Parameters.Digest() {
		t.Error("the snapshot equals the last parameters")
	}
	checkResume(t, ds, cfg, opt) // interrupted after steps 7 and 19: snapshot taken in between
	stopped.SnapshotStep = 11
	if res, err := Train(context.Background(), ds, tasks, cfg, stopped); err != nil || res.Snapshot != nil {
		t.Errorf("a run of 10 steps with SnapshotStep 11: snapshot %v, error %v", res.Snapshot != nil, err)
	}
}
