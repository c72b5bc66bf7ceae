package mtl

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/glyphs"
)

// glyphBench returns the 9-task glyph data set (n examples) and its tasks.
func glyphBench(b *testing.B, n int) (data.Dataset, []string) {
	b.Helper()
	tasks := glyphs.DefaultTasks()
	ds, err := glyphs.New(glyphs.Options{N: n, Seed: 1, Tasks: tasks})
	if err != nil {
		b.Fatal(err)
	}
	return ds, tasks
}

// benchRun prepares a run of cfg that measures the affinity every step,
// and loads its first training batch.
func benchRun(b *testing.B, ds data.Dataset, tasks []string, cfg Config) (*run, batch) {
	b.Helper()
	r, err := prepare(ds, tasks, cfg, Options{Affinity: &affinity.Options{Every: 1}})
	if err != nil {
		b.Fatal(err)
	}
	bt, err := r.train.load(data.Train, data.EpochOrder(ds.Len(data.Train), 1, 0)[:r.train.batch])
	if err != nil {
		b.Fatal(err)
	}
	return r, bt
}

// reportCPU reports the process CPU time per operation since cpu: unlike
// the wall time, it does not grow when other processes take the cores.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkStep compares one plain training step, one affinity
// measurement (the whole 9×9 matrix) and one training step fused with the
// measurement, on the default glyph model, with the default pure-Go
// backend and with sequential operations.
func BenchmarkStep(b *testing.B) {
	ds, tasks := glyphBench(b, 600)
	for _, backend := range []string{"go", "go:ops_sequential"} {
		cfg := DefaultConfig(ds)
		cfg.Backend = backend
		r, bt := benchRun(b, ds, tasks, cfg)
		for _, c := range []struct {
			name string
			run  func(step int) error
		}{
			{"train", func(step int) error {
				_, _, err := r.eng.trainStep(bt, 1e-3, step)
				return err
			}},
			{"affinity", func(step int) error {
				_, _, _, err := r.eng.measure(bt, 1e-3, step, nil)
				return err
			}},
			{"train+affinity", func(step int) error {
				_, _, err := r.eng.trainMeasureStep(bt, 1e-3, step, nil, func(_, _ [][]float64) error { return nil })
				return err
			}},
		} {
			benchSteps(b, backend+"/"+c.name, c.run)
		}
		bt.free()
		r.eng.close()
	}
}

// benchSteps runs the sub-benchmark name over calls run(0), run(1), ...,
// after one untimed call that compiles the executable.
func benchSteps(b *testing.B, name string, run func(step int) error) {
	b.Run(name, func(b *testing.B) {
		if err := run(0); err != nil {
			b.Fatal(err)
		}
		cpu := processCPU()
		for i := 0; b.Loop(); i++ {
			if err := run(i + 1); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
}

// BenchmarkBalance compares one training step under each balance rule
// (Config.UpdateRule) with a plain step, alone and fused with the affinity
// measurement, on the 9 glyph tasks with the default run's narrow MLP
// trunk (16 units) and with DefaultConfig's CNN trunk. The ratio of a
// rule's ns/op to plain's is its cost per step.
func BenchmarkBalance(b *testing.B) {
	ds, tasks := glyphBench(b, 600)
	for _, trunk := range []string{TrunkMLP, TrunkCNN} {
		for _, balance := range []string{UpdateSum, UpdateUW, UpdateGradNorm, UpdatePCGrad} {
			cfg := DefaultConfig(ds)
			if trunk == TrunkMLP {
				cfg.Trunk = TrunkSpec{Kind: TrunkMLP, Widths: []int{16}, Activation: "relu"}
				cfg.Optimizer, cfg.LearningRate = OptimizerSGD, 0.05
			}
			cfg.UpdateRule = balance
			r, bt := benchRun(b, ds, tasks, cfg)
			name := trunk + "/" + balance
			if balance == UpdateSum {
				name = trunk + "/plain"
			}
			benchSteps(b, name+"/train", func(step int) error {
				_, _, err := r.eng.trainStep(bt, 1e-3, step)
				return err
			})
			benchSteps(b, name+"/train+affinity", func(step int) error {
				_, _, err := r.eng.trainMeasureStep(bt, 1e-3, step, nil, func(_, _ [][]float64) error { return nil })
				return err
			})
			bt.free()
			r.eng.close()
		}
	}
}

// BenchmarkRun compares a whole default run on 9 glyph tasks without and
// with affinity every 10 steps (on the training batch, fused with the
// step, or on a validation batch, separately), on the pure-Go backend as
// configured by default (unbounded pool, parallel operations) and with
// sequential operations (the earlier deadlock workaround).
func BenchmarkRun(b *testing.B) {
	ds, tasks := glyphBench(b, 6000)
	for _, backend := range []string{"go", "go:ops_sequential"} {
		for _, c := range []struct {
			name string
			aff  *affinity.Options
		}{
			{"plain", nil},
			{"every10", &affinity.Options{Every: 10}},
			// Measured on a validation batch, by the separate affinity
			// executable: the cost of not sharing passes with the step.
			{"every10-validation", &affinity.Options{Every: 10, Validation: true}},
		} {
			b.Run(backend+"/"+c.name, func(b *testing.B) {
				cfg := DefaultConfig(ds)
				cfg.Epochs, cfg.Backend = 2, backend
				cpu := processCPU()
				for b.Loop() {
					if _, err := Train(context.Background(), ds, tasks, cfg, Options{Affinity: c.aff}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkConvStep times one plain training step of the CNN and ResNet
// trunks of `tag bench throughput` (64×64×3, batch 64, 9 binary heads),
// for profiling the convolutions (-cpuprofile).
func BenchmarkConvStep(b *testing.B) {
	for _, trunk := range []TrunkSpec{
		{Kind: TrunkCNN, Channels: []int{16, 32}, Kernel: 3, Widths: []int{64}, Activation: "relu"},
		{Kind: TrunkResNet, Channels: []int{16}, Kernel: 3, Widths: []int{64}, Activation: "relu"},
	} {
		cfg := Config{Trunk: trunk, Optimizer: OptimizerSGD, LearningRate: 0.01, Momentum: 0.9,
			Schedule: Schedule{Kind: ScheduleConstant}, BatchSize: 64, Epochs: 1, Seed: 1}
		eng, bt, err := throughputEngine(ThroughputModel{Config: cfg, InputShape: []int{64, 64, 3}, Tasks: BinaryTasks(9)})
		if err != nil {
			b.Fatal(err)
		}
		benchSteps(b, trunk.Kind, func(step int) error {
			_, _, err := eng.trainStep(bt, 0.01, step)
			return err
		})
		bt.free()
		eng.close()
	}
}

// BenchmarkMeasure times the affinity measurement alone (the default
// recipe's validation-batch measurement) and a plain training step on the
// default run's model (16×16 inputs, one ReLU layer of 16 units, batch
// 64) at 9 and 40 binary tasks, for profiling the measurement
// (-cpuprofile); `tag bench throughput -models glyphs` reports the same
// as ratios.
func BenchmarkMeasure(b *testing.B) {
	for _, n := range []int{9, 40} {
		cfg := Config{Trunk: TrunkSpec{Kind: TrunkMLP, Widths: []int{16}, Activation: "relu"}, Optimizer: OptimizerSGD,
			LearningRate: 0.1, Momentum: 0.9, Schedule: Schedule{Kind: ScheduleConstant}, BatchSize: 64, Epochs: 1, Seed: 1}
		eng, bt, err := throughputEngine(ThroughputModel{Config: cfg, InputShape: []int{16, 16, 1}, Tasks: BinaryTasks(n)})
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("tasks=%d/", n)
		benchSteps(b, name+"train", func(step int) error {
			_, _, err := eng.trainStep(bt, 0.1, step)
			return err
		})
		benchSteps(b, name+"measure", func(step int) error {
			_, _, _, err := eng.measure(bt, 0.1, step, nil)
			return err
		})
		bt.free()
		eng.close()
	}
}

// BenchmarkWeightGradient times weightGradient (both layouts) on the
// weight-gradient shapes (rows, in, out) of the built-in models: the MNIST
// CNN's two convolutions and dense layer, the ResNet stem and 3×3
// convolutions at 64×64, the glyph model's trunk and heads, the 512-wide
// MLP.
func BenchmarkWeightGradient(b *testing.B) {
	backend := sequentialBackend(b)
	for _, c := range [][3]int{{12544, 9, 16}, {3136, 144, 32}, {64, 1568, 64}, {65536, 27, 16}, {16384, 144, 16},
		{64, 256, 16}, {64, 16, 9}, {256, 128, 512}, {256, 512, 512}} {
		rows, in, out := c[0], c[1], c[2]
		x, v := randomMatrix(rows, in), randomMatrix(rows, out)
		for _, transposed := range []bool{false, true} {
			exec, err := NewExec(backend, func(x, v *Node) *Node { return weightGradient(v, x, transposed) })
			if err != nil {
				b.Fatal(err)
			}
			benchExec(b, fmt.Sprintf("%dx%dx%d/transposed=%v", rows, in, out, transposed), exec, x, v)
			exec.Finalize()
		}
		x.FinalizeAll()
		v.FinalizeAll()
	}
}

// randomMatrix returns a [rows, cols] tensor of uniform values in [−1, 1).
func randomMatrix(rows, cols int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
	v := make([]float32, rows*cols)
	for k := range v {
		v[k] = 2*r.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(v, rows, cols)
}

// BenchmarkSumRows compares sumRows with the backend's ReduceSum on the
// bias gradients and parameters of the built-in models ([rows, cols]: the
// MNIST CNN's first convolution, the ResNet's convolutions, the CelebA
// CNN's dense weights, the 512-wide MLP's second layer, the glyph model's
// trunk bias, which stays on ReduceSum).
func BenchmarkSumRows(b *testing.B) {
	backend := sequentialBackend(b)
	for _, c := range [][2]int{{12544, 16}, {65536, 16}, {8192, 64}, {512, 512}, {64, 16}} {
		x := randomMatrix(c[0], c[1])
		for _, f := range []struct {
			name string
			sum  func(x *Node) *Node
		}{{"ReduceSum", func(x *Node) *Node { return ReduceSum(x, 0) }}, {"sumRows", sumRows}} {
			exec, err := NewExec(backend, f.sum)
			if err != nil {
				b.Fatal(err)
			}
			benchExec(b, fmt.Sprintf("%dx%d/%s", c[0], c[1], f.name), exec, x)
			exec.Finalize()
		}
		x.FinalizeAll()
	}
}

// BenchmarkConvInputGradient times convInputGradient for the second
// convolution of the MNIST CNN (14×14×16 inputs, 32 outputs, 3×3, stride
// 2) and of the CelebA-size CNN (32×32×16), batch 64.
func BenchmarkConvInputGradient(b *testing.B) {
	backend := sequentialBackend(b)
	for _, side := range []int{14, 32} {
		dims := []int{64, side, side, 16}
		v, w := randomMatrix(64*(side/2)*(side/2), 32), randomMatrix(9*16, 32)
		exec, err := NewExec(backend, func(v, w *Node) *Node { return convInputGradient(v, w, dims, 3, 2, 1) })
		if err != nil {
			b.Fatal(err)
		}
		benchExec(b, fmt.Sprintf("%dx%dx16", side, side), exec, v, w)
		exec.Finalize()
		v.FinalizeAll()
		w.FinalizeAll()
	}
}

// benchExec runs the sub-benchmark name over calls of exec with args.
func benchExec(b *testing.B, name string, exec *Exec, args ...any) {
	b.Run(name, func(b *testing.B) {
		for b.Loop() {
			res, err := exec.Call(args...)
			if err != nil {
				b.Fatal(err)
			}
			finalizeAll(res)
		}
	})
}

// sequentialBackend returns the pure-Go backend with sequential
// operations, for timing single operations.
func sequentialBackend(b *testing.B) compute.Backend {
	backend, err := backendFor("go:ops_sequential")
	if err != nil {
		b.Fatal(err)
	}
	return backend
}
