package mtl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
)

func smallConfig(ds data.Dataset) Config {
	cfg := DefaultConfig(ds)
	cfg.Trunk.Widths = []int{16}
	cfg.BatchSize = 32
	cfg.Epochs = 3
	cfg.LearningRate = 0.01
	cfg.Patience = 0
	return cfg
}

func TestTrainLearnsEveryTaskKind(t *testing.T) {
	ds := newSynthetic(512, 128, 128)
	for _, opt := range []string{OptimizerSGD, OptimizerAdam} {
		for _, sched := range []Schedule{{Kind: ScheduleConstant}, {Kind: ScheduleCosine}, {Kind: ScheduleStep, DecayEpochs: 1, Gamma: 0.5}} {
			cfg := smallConfig(ds)
			cfg.Optimizer, cfg.Schedule = opt, sched
			if opt == OptimizerSGD {
				cfg.LearningRate = 0.05
			}
			res, err := Train(context.Background(), ds, []string{"a", "r", "c"}, cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			h := res.History
			if len(h) != 3 || !(h[2].ValidationLoss < h[0].ValidationLoss) {
				t.Errorf("%s/%s: validation loss did not fall: %+v", opt, sched.Kind, h)
			}
			// Chance error is 0.5 for "a" and about 0.67 for "c".
			if e := res.Test["a"].Error; e > 0.3 {
				t.Errorf("%s/%s: test error of a = %g", opt, sched.Kind, e)
			}
			if res.Steps != 3*16 || res.Affinity != nil {
				t.Errorf("%s/%s: steps %d, affinity %v", opt, sched.Kind, res.Steps, res.Affinity)
			}
		}
	}
}

func TestLearningRateSchedules(t *testing.T) {
	for _, c := range []struct {
		s          Schedule
		step, want float64
	}{
		{Schedule{Kind: ScheduleConstant}, 7, 1},
		{Schedule{Kind: ScheduleCosine}, 0, 1},
		{Schedule{Kind: ScheduleCosine}, 50, 0.5},
		{Schedule{Kind: ScheduleStep, DecayEpochs: 2, Gamma: 0.1}, 19, 1},
		{Schedule{Kind: ScheduleStep, DecayEpochs: 2, Gamma: 0.1}, 20, 0.1},
		{Schedule{Kind: ScheduleStep, DecayEpochs: 2, Gamma: 0.1}, 45, 0.01},
	} {
		cfg := Config{LearningRate: 1, Schedule: c.s}
		if got := cfg.learningRate(int(c.step), 10, 100); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v at step %g: %g, want %g", c.s, c.step, got, c.want)
		}
	}
}

// Evaluation with padded, masked batches equals evaluation one example at
// a time.
func TestEvaluationIsExactOverTheSplit(t *testing.T) {
	ds := newSynthetic(64, 37, 16)
	var got [2][]Metrics
	for k, bs := range []int{16, 1} {
		cfg := smallConfig(ds)
		cfg.BatchSize = bs
		r, err := prepare(ds, []string{"a", "r", "c"}, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got[k], err = r.eng.evaluate(r.train, data.Validation); err != nil {
			t.Fatal(err)
		}
		r.eng.close()
	}
	for j := range got[0] {
		if !near(got[0][j].Loss, got[1][j].Loss, 1e-5) || !near(got[0][j].Error, got[1][j].Error, 1e-5) {
			t.Errorf("task %d: batch 16 %+v, batch 1 %+v", j, got[0][j], got[1][j])
		}
	}
}

func TestIdenticalTasksHaveHighAffinityNoiseNone(t *testing.T) {
	ds := newSynthetic(512, 64, 64)
	cfg := smallConfig(ds)
	cfg.Optimizer, cfg.LearningRate, cfg.Momentum = OptimizerSGD, 0.1, 0.9
	res, err := Train(context.Background(), ds, []string{"a", "a2", "noise"}, cfg,
		Options{Affinity: &affinity.Options{Every: 2}})
	if err != nil {
		t.Fatal(err)
	}
	z := res.Affinity.Values
	t.Logf("affinity %v\ncosine %v", z, res.Cosine.Values)
	if res.AffinitySteps != 24 {
		t.Errorf("recorded %d steps, want 24", res.AffinitySteps)
	}
	// The heads differ, so a2 gains less from a's step than a itself, but
	// much more than from the noise task's step.
	if !(z[0][1] > 0.5*z[0][0]) || !(z[1][0] > 0.5*z[1][1]) {
		t.Errorf("Z[a→a2] = %g, Z[a2→a] = %g, want above half of Z[a→a] = %g, Z[a2→a2] = %g",
			z[0][1], z[1][0], z[0][0], z[1][1])
	}
	if noise := math.Max(math.Abs(z[2][0]), math.Abs(z[2][1])); noise > 0.1*z[0][1] {
		t.Errorf("noise → a affinity %g is not small against a → a2 %g", noise, z[0][1])
	}
	if c, cn := res.Cosine.Values[0][1], res.Cosine.Values[0][2]; !(c > 0.5) || !(math.Abs(cn) < 0.1) {
		t.Errorf("cosine(a, a2) = %g, cosine(a, noise) = %g", c, cn)
	}
	if len(res.Trajectory) != 3*9 {
		t.Errorf("trajectory has %d points, want 27", len(res.Trajectory))
	}
}

func affinityConfig(ds data.Dataset) (Config, Options) {
	cfg := smallConfig(ds)
	cfg.Optimizer, cfg.Momentum, cfg.LearningRate = OptimizerSGD, 0.9, 0.05
	cfg.CheckpointEvery = 5
	return cfg, Options{Affinity: &affinity.Options{Every: 3, Lookahead: affinity.Optimizer}}
}

// A run interrupted mid-epoch and resumed from its checkpoint ends exactly
// like an uninterrupted run with the same seed.
func TestResumeEqualsUninterrupted(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	cfg, opt := affinityConfig(ds)
	checkResume(t, ds, cfg, opt)
}

// So does a run with the sampled estimator (two sources of four per
// measurement, on the training batch and on validation batches), whose
// source rows are all measured equally often.
func TestSampledRunResumesAndBalancesSources(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	for _, validation := range []bool{false, true} {
		cfg, opt := affinityConfig(ds)
		opt.Affinity.Estimator, opt.Affinity.Sources, opt.Affinity.Validation = affinity.Sampled, 2, validation
		checkResume(t, ds, cfg, opt)
		res, err := Train(context.Background(), ds, []string{"a", "noise", "r", "c"}, cfg, opt)
		if err != nil {
			t.Fatal(err)
		}
		counts := res.Sums.SourceCount
		if len(counts) != 4 || slices.Max(counts)-slices.Min(counts) > 1 || slices.Min(counts) < 1 {
			t.Errorf("validation %v: source counts %v over %d measurements", validation, counts, res.AffinitySteps)
		}
	}
}

// checkResume trains tasks a, noise, r and c of ds uninterrupted, then
// interrupted twice and resumed from checkpoints, and checks that the
// results are equal, that a finished checkpoint returns its result and
// that another recipe's checkpoint is refused.
func checkResume(t *testing.T, ds *synthetic, cfg Config, opt Options) {
	t.Helper()
	tasks := []string{"a", "noise", "r", "c"}
	full, err := Train(context.Background(), ds, tasks, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opt.CheckpointDir = dir
	for _, stopAt := range []int{7, 19} {
		ctx, cancel := context.WithCancel(context.Background())
		o := opt
		o.Progress = func(p Progress) {
			if p.Step == stopAt {
				cancel()
			}
		}
		if _, err := Train(ctx, ds, tasks, cfg, o); !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		cancel()
	}
	resumed, err := Train(context.Background(), ds, tasks, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	full.Seconds, resumed.Seconds = 0, 0
	if !reflect.DeepEqual(full, resumed) {
		t.Errorf("resumed result differs:\nfull    %+v\nresumed %+v", full, resumed)
	}
	again, err := Train(context.Background(), ds, tasks, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if again.Seconds = 0; !reflect.DeepEqual(again, resumed) {
		t.Error("a finished checkpoint did not return the stored result")
	}
	cfg.Seed++
	if _, err := Train(context.Background(), ds, tasks, cfg, opt); err == nil {
		t.Error("resumed a checkpoint of another configuration")
	}
}

// Concurrent runs in one process give the same results as one alone.
func TestConcurrentRunsAreIndependent(t *testing.T) {
	ds := newSynthetic(128, 32, 32)
	cfg, opt := affinityConfig(ds)
	cfg.Epochs = 2
	tasks := []string{"a", "r"}
	want, err := Train(context.Background(), ds, tasks, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	want.Seconds = 0
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for k := range errs {
		wg.Go(func() {
			got, err := Train(context.Background(), ds, tasks, cfg, opt)
			if err == nil {
				if got.Seconds = 0; !reflect.DeepEqual(got, want) {
					err = fmt.Errorf("run %d differs", k)
				}
			}
			errs[k] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}

// A diverging run stops with the step and task named and keeps its last
// good checkpoint, whether the failing step is a plain one or one that
// also measures the affinity.
func TestDivergenceNamesStepAndTaskAndKeepsCheckpoint(t *testing.T) {
	for _, aff := range []*affinity.Options{nil, {Every: 1}} {
		t.Run(fmt.Sprintf("affinity=%v", aff != nil), func(t *testing.T) {
			ds := newSynthetic(256, 32, 32)
			cfg := smallConfig(ds)
			cfg.Optimizer, cfg.LearningRate, cfg.Momentum = OptimizerSGD, 50, 0.9
			cfg.CheckpointEvery = 1
			dir := t.TempDir()
			opt := Options{CheckpointDir: dir, Affinity: aff}
			_, err := Train(context.Background(), ds, []string{"r", "a"}, cfg, opt)
			var div *DivergedError
			if !errors.As(err, &div) {
				t.Fatalf("got %v, want a DivergedError", err)
			}
			t.Log(err)
			if div.Task != "r" && div.Task != "a" && div.Task != "" {
				t.Errorf("task %q", div.Task)
			}
			r, err := prepare(ds, []string{"r", "a"}, cfg, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer r.eng.close()
			if r.st.Step != div.Step {
				t.Errorf("checkpoint at step %d, want the last good step %d", r.st.Step, div.Step)
			}
			for _, p := range r.st.Params {
				for _, v := range p {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatal("checkpoint holds non-finite parameters")
					}
				}
			}
		})
	}
}

func TestEarlyStoppingKeepsBestEpoch(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	cfg := smallConfig(ds)
	cfg.Epochs, cfg.Patience = 30, 2
	cfg.Optimizer, cfg.LearningRate, cfg.Momentum = OptimizerSGD, 0.5, 0.9
	res, err := Train(context.Background(), ds, []string{"noise"}, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || res.Epochs != res.BestEpoch+1+cfg.Patience {
		t.Errorf("stopped early %v after %d epochs, best %d", res.StoppedEarly, res.Epochs, res.BestEpoch)
	}
	best := math.Inf(1)
	for _, h := range res.History {
		best = math.Min(best, h.ValidationLoss)
	}
	if got := res.Validation["noise"].Loss; !near(got, best, 1e-5) || res.History[res.BestEpoch].ValidationLoss != best {
		t.Errorf("validation loss %g, best epoch %d, want %g", got, res.BestEpoch, best)
	}
}

func TestConvolutionalTrunks(t *testing.T) {
	ds := newSynthetic(128, 32, 32)
	ds.features, ds.image = 32, true
	for _, trunk := range []TrunkSpec{
		{Kind: TrunkCNN, Channels: []int{4, 8}, Kernel: 3, Widths: []int{8}, Activation: "relu"},
		{Kind: TrunkResNet, Channels: []int{4}, Kernel: 3, Widths: []int{8}, Activation: "relu"},
	} {
		cfg := smallConfig(ds)
		cfg.Trunk = trunk
		cfg.Head.Hidden = 4
		res, err := Train(context.Background(), ds, []string{"a", "r", "c"}, cfg,
			Options{Affinity: &affinity.Options{Every: 4, Validation: true, DivideByLR: true}})
		if err != nil {
			t.Fatalf("%s: %v", trunk.Kind, err)
		}
		if h := res.History; !(h[len(h)-1].ValidationLoss < h[0].ValidationLoss) {
			t.Errorf("%s: validation loss did not fall: %+v", trunk.Kind, h)
		}
		if res.AffinitySteps != 3 {
			t.Errorf("%s: %d affinity steps", trunk.Kind, res.AffinitySteps)
		}
	}
}

func TestBadInputsFailBeforeTraining(t *testing.T) {
	ds := newSynthetic(64, 16, 16)
	good := smallConfig(ds)
	for _, c := range []struct {
		name  string
		tasks []string
		edit  func(*Config)
	}{
		{"unknown task", []string{"zz"}, nil},
		{"duplicate task", []string{"a", "a"}, nil},
		{"no tasks", nil, nil},
		{"bad trunk", []string{"a"}, func(c *Config) { c.Trunk.Kind = "rnn" }},
		{"cnn on vectors", []string{"a"}, func(c *Config) {
			c.Trunk = TrunkSpec{Kind: TrunkCNN, Channels: []int{2}, Kernel: 3, Activation: "relu"}
		}},
		{"bad activation", []string{"a"}, func(c *Config) { c.Trunk.Activation = "wiggle" }},
		{"bad rate", []string{"a"}, func(c *Config) { c.LearningRate = -1 }},
		{"bad weight", []string{"a"}, func(c *Config) { c.LossWeights = map[string]float64{"c": 1} }},
		{"bad backend", []string{"a"}, func(c *Config) { c.Backend = "nosuch" }},
	} {
		cfg := good
		if c.edit != nil {
			c.edit(&cfg)
		}
		if _, err := Train(context.Background(), ds, c.tasks, cfg, Options{}); err == nil {
			t.Errorf("%s: no error", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), CheckpointFile)); err == nil {
		t.Error("unexpected checkpoint")
	}
}

// An epoch is the training split in whole batches, or one batch of the
// whole split when the split is smaller than a batch.
func TestStepsPerEpoch(t *testing.T) {
	for _, c := range []struct{ train, batch, want int }{{64, 16, 4}, {70, 16, 4}, {10, 16, 1}, {0, 16, 0}} {
		if got := StepsPerEpoch(newSynthetic(c.train, 4, 4), Config{BatchSize: c.batch}); got != c.want {
			t.Errorf("%d examples, batch %d: %d steps, want %d", c.train, c.batch, got, c.want)
		}
	}
}
