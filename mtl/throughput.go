package mtl

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
)

// ThroughputModel is a network to time with MeasureThroughput: a recipe
// (trunk, heads, optimizer, batch size, backend), the shape of one input
// and the tasks, one head each.
type ThroughputModel struct {
	Name       string
	Config     Config
	InputShape []int
	Tasks      []data.Task
}

// BinaryTasks returns n binary tasks named t0, t1, ...
func BinaryTasks(n int) []data.Task {
	tasks := make([]data.Task, n)
	for j := range tasks {
		tasks[j] = data.Task{Name: fmt.Sprintf("t%d", j), Kind: data.Binary, Classes: 2}
	}
	return tasks
}

// StepTiming is the measured cost of one kind of training step.
type StepTiming struct {
	// Wall and CPU are the wall-clock and process CPU time per step (CPU
	// is 0 where the system does not report it); CPU/Wall is the number
	// of cores kept busy.
	Wall, CPU time.Duration
	// FLOPs counts the multiply-adds (×2) of the step's matrix products
	// and convolutions, analytically (see FLOPs).
	FLOPs float64
}

// GFLOPS returns the step's FLOPs per wall-clock nanosecond.
func (s StepTiming) GFLOPS() float64 { return s.FLOPs / float64(s.Wall.Nanoseconds()) }

// Throughput is the result of MeasureThroughput.
type Throughput struct {
	Model        string
	Tasks, Batch int
	Steps        int // timed steps of each kind
	// Plain is a training step; Affinity a training step that also
	// measures the n×n affinity matrix of Eq. 1 on its batch (the fused
	// step that `tag run -validation-batches=false` takes every
	// affinity.Options.Every steps); Measure the measurement alone, as
	// `tag run`'s default recipe takes it on a validation batch after
	// every affinity.Options.Every plain steps (its FLOPs are not
	// counted: 0).
	Plain, Affinity, Measure StepTiming
}

// ExamplesPerSecond returns the training examples per second of plain
// steps.
func (t Throughput) ExamplesPerSecond() float64 {
	return float64(t.Batch) / t.Plain.Wall.Seconds()
}

// EveryRatio returns the cost of a run that measures the affinity every
// k steps relative to a plain run: ((k−1)·plain + affinity) / (k·plain).
func (t Throughput) EveryRatio(k int) float64 {
	p, a := float64(t.Plain.Wall), float64(t.Affinity.Wall)
	return (float64(k-1)*p + a) / (float64(k) * p)
}

// EveryRatioMeasure returns the cost of a run that takes a measurement on
// a validation batch after every k plain steps (the default recipe)
// relative to a plain run: (k·plain + measure) / (k·plain).
func (t Throughput) EveryRatioMeasure(k int) float64 {
	p, m := float64(t.Plain.Wall), float64(t.Measure.Wall)
	return (float64(k)*p + m) / (float64(k) * p)
}

// MeasureThroughput builds tm on its backend, compiles its plain and its
// affinity-measuring training step (with an SGD lookahead), runs each once
// untimed, then times steps of each kind, alternating the two kinds in
// blocks so that a change of machine load affects both alike. Inputs and
// targets are random (binary targets 0/1, class labels uniform, regression
// targets normal); the weights start from Config.Seed and change with
// every step, as in training.
func MeasureThroughput(tm ThroughputModel, steps int) (*Throughput, error) {
	cfg := tm.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(tm.Tasks) == 0 || steps < 1 {
		return nil, fmt.Errorf("throughput %s: want at least one task and one step", tm.Name)
	}
	eng, b, err := throughputEngine(tm)
	if err != nil {
		return nil, err
	}
	defer eng.close()
	defer b.free()
	m := eng.m

	lr := float32(cfg.LearningRate)
	plain := func(step int) error {
		_, _, err := eng.trainStep(b, lr, step)
		return err
	}
	fused := func(step int) error {
		_, _, err := eng.trainMeasureStep(b, lr, step, nil, func(_, _ [][]float64) error { return nil })
		return err
	}
	measure := func(step int) error {
		_, _, _, err := eng.measure(b, lr, step, nil)
		return err
	}
	res := &Throughput{Model: tm.Name, Tasks: len(tm.Tasks), Batch: cfg.BatchSize, Steps: steps}
	res.Plain.FLOPs, res.Affinity.FLOPs = m.flops()
	kinds := []func(int) error{plain, fused, measure}
	timings := []*StepTiming{&res.Plain, &res.Affinity, &res.Measure}
	for _, f := range kinds { // compile and warm up
		if err := f(0); err != nil {
			return nil, err
		}
	}
	const block = 5
	for done := 0; done < steps; done += block {
		n := min(block, steps-done)
		for k, f := range kinds {
			t := timings[k]
			cpu, start := processCPU(), time.Now()
			for i := range n {
				if err := f(done + i + 1); err != nil {
					return nil, err
				}
			}
			t.Wall += time.Since(start)
			t.CPU += processCPU() - cpu
		}
	}
	for _, t := range timings {
		t.Wall /= time.Duration(steps)
		t.CPU /= time.Duration(steps)
	}
	return res, nil
}

// throughputEngine builds tm's model and an engine for it (task weights
// 1, plain SGD lookahead) on its backend, with sequential operations for a
// small model as a run would take them (modelOnBackend), sets the weights
// from Config.Seed and returns it with a random batch (randomBatch).
func throughputEngine(tm ThroughputModel) (*engine, batch, error) {
	cfg := tm.Config
	m, backend, err := modelOnBackend(cfg, tm.Tasks, tm.InputShape)
	if err != nil {
		return nil, batch{}, err
	}
	weights := make([]float32, len(tm.Tasks))
	for j := range weights {
		weights[j] = 1
	}
	eng, err := newEngine(backend, m, weights, affinity.Options{})
	if err != nil {
		return nil, batch{}, err
	}
	eng.setParameters(m.initialValues(cfg.Seed), nil)
	return eng, randomBatch(tm.InputShape, tm.Tasks, cfg.BatchSize, cfg.Seed), nil
}

// randomBatch returns a batch of random inputs and targets.
func randomBatch(inputShape []int, tasks []data.Task, size int, seed uint64) batch {
	r := rand.New(rand.NewPCG(seed, 0x62656e6368))
	in := 1
	for _, d := range inputShape {
		in *= d
	}
	x := make([]float32, size*in)
	for k := range x {
		x[k] = float32(r.NormFloat64())
	}
	y := make([]float32, size*len(tasks))
	for b := range size {
		for j, t := range tasks {
			var v float32
			switch t.Kind {
			case data.Binary:
				v = float32(r.IntN(2))
			case data.MultiClass:
				v = float32(r.IntN(t.Classes))
			default:
				v = float32(r.NormFloat64())
			}
			y[b*len(tasks)+j] = v
		}
	}
	return batch{x: tensors.FromFlatDataAndDimensions(x, append([]int{size}, inputShape...)...),
		y: tensors.FromFlatDataAndDimensions(y, size, len(tasks))}
}

// flops returns the floating-point operations (2 per multiply-add of the
// matrix products and convolutions; elementwise work is not counted) of
// a plain training step and of an affinity-measuring step on a batch of
// Config.BatchSize examples. With T the trunk's forward cost, T1 that of
// its first layer, H the heads' and n tasks, per example:
//   - plain step: forward T+H, backward 2(T+H) − T1 (weight and input
//     gradients of every layer but the input gradient of the first);
//   - affinity step: the forward T+H; n per-task backward passes through
//     the trunk, 2T − T1 each, and the input gradients of the heads, H in
//     all; n lookahead forward passes T+H; the heads' weight gradients H.
func (m *model) flops() (plain, withAffinity float64) {
	var t, t1, h float64
	for _, c := range m.costs {
		f := 2 * float64(c.macs) * float64(m.cfg.BatchSize)
		switch {
		case c.owner != sharedOwner:
			h += f
		case t == 0:
			t, t1 = f, f
		default:
			t += f
		}
	}
	n := float64(len(m.tasks))
	plain = 3*(t+h) - t1
	withAffinity = (t + h) + n*(2*t-t1) + h + n*(t+h) + h
	return plain, withAffinity
}
