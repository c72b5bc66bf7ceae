// Package throughput holds the networks that `tag bench throughput` times
// (mtl.MeasureThroughput: a plain training step against one that also
// measures the n×n affinity matrix of Eq. 1) and prints their table.
package throughput

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
)

// Model is one network to time: its name, a description, and how to build
// it for a task count (0: the model's own) and a GoMLX backend.
type Model struct {
	Name  string
	About string
	build func(tasks int, backend string) (mtl.ThroughputModel, error)
}

// Models are the networks of `tag bench throughput`, in order.
var Models = []Model{
	{"mlp", "MLP 128→512→512, 8 binary heads, batch 256", func(n int, backend string) (mtl.ThroughputModel, error) {
		return model("mlp", []int{128}, mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{512, 512}}, 256, 8, n, backend), nil
	}},
	{"cnn", "CNN 16,32 channels (3×3, stride 2), dense 64, 64×64×3, 9 heads, batch 64",
		func(n int, backend string) (mtl.ThroughputModel, error) {
			return model("cnn", []int{64, 64, 3}, mtl.TrunkSpec{Kind: mtl.TrunkCNN, Channels: []int{16, 32}, Kernel: 3,
				Widths: []int{64}}, 64, 9, n, backend), nil
		}},
	{"resnet", "ResNet trunk 16 channels (3×3), dense 64, 64×64×3, 9 heads, batch 64",
		func(n int, backend string) (mtl.ThroughputModel, error) {
			return model("resnet", []int{64, 64, 3}, mtl.TrunkSpec{Kind: mtl.TrunkResNet, Channels: []int{16}, Kernel: 3,
				Widths: []int{64}}, 64, 9, n, backend), nil
		}},
	{"glyphs", "the default `tag run` model: 9 glyph attributes, MLP 16, batch 64", defaultRun},
	{"mnist", "the cnn trunk at 28×28×1, 6 heads, batch 64: the default model of mnist-attributes (fashion-mnist: 7 heads)",
		func(n int, backend string) (mtl.ThroughputModel, error) {
			return model("mnist", []int{28, 28, 1}, mtl.TrunkSpec{Kind: mtl.TrunkCNN, Channels: []int{16, 32}, Kernel: 3,
				Widths: []int{64}}, 64, 6, n, backend), nil
		}},
}

// Names lists the names of Models, comma-separated.
func Names() string {
	names := make([]string, len(Models))
	for k, m := range Models {
		names[k] = m.Name
	}
	return strings.Join(names, ",")
}

// Build returns the models named, in order, each with tasks binary heads
// (0: the model's own) on backend. An unknown or empty list is bad input
// (experiment.ConfigError) naming -models.
func Build(names []string, tasks int, backend string) ([]mtl.ThroughputModel, error) {
	var chosen []mtl.ThroughputModel
	for _, name := range names {
		found := false
		for _, m := range Models {
			if m.Name == name {
				tm, err := m.build(tasks, backend)
				if err != nil {
					return nil, err
				}
				chosen, found = append(chosen, tm), true
			}
		}
		if !found {
			return nil, &experiment.ConfigError{Err: fmt.Errorf("-models: unknown model %q (want one of %s)", name, Names())}
		}
	}
	if len(chosen) == 0 {
		return nil, &experiment.ConfigError{Err: fmt.Errorf("-models is empty")}
	}
	return chosen, nil
}

// model is a throughput model with a ReLU trunk, binary heads and SGD with
// momentum 0.9.
func model(name string, input []int, trunk mtl.TrunkSpec, batch, defaultTasks, tasks int, backend string) mtl.ThroughputModel {
	if tasks == 0 {
		tasks = defaultTasks
	}
	trunk.Activation = "relu"
	cfg := mtl.Config{Trunk: trunk, Optimizer: mtl.OptimizerSGD, LearningRate: 0.01, Momentum: 0.9,
		Schedule: mtl.Schedule{Kind: mtl.ScheduleConstant}, BatchSize: batch, Epochs: 1, Seed: 1, Backend: backend}
	return mtl.ThroughputModel{Name: name, Config: cfg, InputShape: input, Tasks: mtl.BinaryTasks(tasks)}
}

// defaultRun is the recipe and tasks of the default `tag run`.
func defaultRun(tasks int, backend string) (mtl.ThroughputModel, error) {
	ds, err := glyphs.New(glyphs.Options{N: 100, Size: catalog.DefaultGlyphs.Size, Seed: 1, Tasks: glyphs.DefaultTasks()})
	if err != nil {
		return mtl.ThroughputModel{}, err
	}
	cfg, _ := gomlxtrainer.Recipe(ds)
	cfg.Backend = backend
	ts := ds.Tasks()
	if tasks > 0 {
		ts = mtl.BinaryTasks(tasks)
	}
	return mtl.ThroughputModel{Name: "glyphs", Config: cfg, InputShape: ds.InputShape(), Tasks: ts}, nil
}

// Write times each model over steps steps of each kind (saying which on
// log) and prints the table to w: the build, then one row per model.
func Write(w, log io.Writer, models []mtl.ThroughputModel, steps int) error {
	b := mtl.ReadBuildInfo()
	fmt.Fprintf(w, "backend %s, SIMD kernels %v, %s; ms per step, mean of %d\n", b.Backend, b.SIMD, b.Go, steps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\ttasks\tbatch\tplain ms\taffinity ms\texamples/s\tGFLOP/s plain\tGFLOP/s affinity\tcores\tevery-10 ratio\tplain CPU ms\taffinity CPU ms\tmeasure ms\tevery-10 measure\t")
	for _, tm := range models {
		fmt.Fprintf(log, "timing %s...\n", tm.Name)
		r, err := mtl.MeasureThroughput(tm, steps)
		if err != nil {
			return fmt.Errorf("model %s: %w", tm.Name, err)
		}
		cores := float64(r.Plain.CPU) / float64(r.Plain.Wall)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.0f\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", r.Model, r.Tasks, r.Batch,
			ms(r.Plain.Wall), ms(r.Affinity.Wall), r.ExamplesPerSecond(), r.Plain.GFLOPS(), r.Affinity.GFLOPS(),
			cores, r.EveryRatio(10), ms(r.Plain.CPU), ms(r.Affinity.CPU), ms(r.Measure.Wall), r.EveryRatioMeasure(10))
	}
	return tw.Flush()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
