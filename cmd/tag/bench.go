package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "'bench throughput': time training steps (ms, examples/s, GFLOP/s); 'bench quality': every method on several data sets over seeds; 'bench scale': cost and recovery at hundreds of planted tasks",
		run:     runBench,
	})
}

// benchModels are the networks of `tag bench throughput`, in order: the
// names of -models and a function building each for a task count (0 = the
// model's own) and a backend.
var benchModels = []struct {
	name  string
	about string
	build func(tasks int, backend string) (mtl.ThroughputModel, error)
}{
	{"mlp", "MLP 128→512→512, 8 binary heads, batch 256", func(n int, backend string) (mtl.ThroughputModel, error) {
		return benchModel("mlp", []int{128}, mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{512, 512}}, 256, 8, n, backend), nil
	}},
	{"cnn", "CNN 16,32 channels (3×3, stride 2), dense 64, 64×64×3, 9 heads, batch 64",
		func(n int, backend string) (mtl.ThroughputModel, error) {
			return benchModel("cnn", []int{64, 64, 3}, mtl.TrunkSpec{Kind: mtl.TrunkCNN, Channels: []int{16, 32}, Kernel: 3,
				Widths: []int{64}}, 64, 9, n, backend), nil
		}},
	{"resnet", "ResNet trunk 16 channels (3×3), dense 64, 64×64×3, 9 heads, batch 64",
		func(n int, backend string) (mtl.ThroughputModel, error) {
			return benchModel("resnet", []int{64, 64, 3}, mtl.TrunkSpec{Kind: mtl.TrunkResNet, Channels: []int{16}, Kernel: 3,
				Widths: []int{64}}, 64, 9, n, backend), nil
		}},
	{"glyphs", "the default `tag run` model: 9 glyph attributes, MLP 16, batch 64", benchGlyphs},
	{"mnist", "the cnn trunk at 28×28×1, 6 heads, batch 64: the default model of mnist-attributes (fashion-mnist: 7 heads)",
		func(n int, backend string) (mtl.ThroughputModel, error) {
			return benchModel("mnist", []int{28, 28, 1}, mtl.TrunkSpec{Kind: mtl.TrunkCNN, Channels: []int{16, 32}, Kernel: 3,
				Widths: []int{64}}, 64, 6, n, backend), nil
		}},
}

// benchModelNames lists the names of benchModels, for flags and messages.
func benchModelNames() string {
	names := make([]string, len(benchModels))
	for k, m := range benchModels {
		names[k] = m.name
	}
	return strings.Join(names, ",")
}

// benchModel is a throughput model with a ReLU trunk, binary heads and
// SGD with momentum 0.9.
func benchModel(name string, input []int, trunk mtl.TrunkSpec, batch, defaultTasks, tasks int, backend string) mtl.ThroughputModel {
	if tasks == 0 {
		tasks = defaultTasks
	}
	trunk.Activation = "relu"
	cfg := mtl.Config{Trunk: trunk, Optimizer: mtl.OptimizerSGD, LearningRate: 0.01, Momentum: 0.9,
		Schedule: mtl.Schedule{Kind: mtl.ScheduleConstant}, BatchSize: batch, Epochs: 1, Seed: 1, Backend: backend}
	return mtl.ThroughputModel{Name: name, Config: cfg, InputShape: input, Tasks: mtl.BinaryTasks(tasks)}
}

// benchGlyphs is the recipe and tasks of the default `tag run`.
func benchGlyphs(tasks int, backend string) (mtl.ThroughputModel, error) {
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

func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "quality" {
		return runBenchQuality(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "scale" {
		return runBenchScale(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "throughput" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			return benchUsage(stdout, nil)
		}
		return badInputf("want a sub-command: 'tag bench throughput', 'tag bench quality' or 'tag bench scale'")
	}
	fs := newFlags("bench throughput", stderr)
	models := fs.String("models", benchModelNames(), "comma-separated `MODELS` to time")
	tasks := fs.Int("tasks", 0, "number of binary task heads of every model (0: each model's own)")
	steps := fs.Int("steps", 20, "timed `STEPS` of each kind, after one untimed step")
	backend := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	fs.Usage = func() { _ = benchUsage(stderr, fs.PrintDefaults) }
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *steps < 1 || *tasks < 0 {
		return badInputf("-steps must be ≥ 1 and -tasks ≥ 0")
	}
	if err := mtl.CheckBackend(*backend); err != nil {
		return badInput(err)
	}
	var chosen []mtl.ThroughputModel
	for _, name := range splitList(*models) {
		found := false
		for _, m := range benchModels {
			if m.name == name {
				tm, err := m.build(*tasks, *backend)
				if err != nil {
					return err
				}
				chosen, found = append(chosen, tm), true
			}
		}
		if !found {
			return badInputf("-models: unknown model %q (want one of %s)", name, benchModelNames())
		}
	}
	if len(chosen) == 0 {
		return badInputf("-models is empty")
	}
	if w := mtl.SIMDWarning(*backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	b := mtl.ReadBuildInfo()
	fmt.Fprintf(stdout, "backend %s, SIMD kernels %v, %s; ms per step, mean of %d\n", b.Backend, b.SIMD, b.Go, *steps)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\ttasks\tbatch\tplain ms\taffinity ms\texamples/s\tGFLOP/s plain\tGFLOP/s affinity\tcores\tevery-10 ratio\tplain CPU ms\taffinity CPU ms\tmeasure ms\tevery-10 measure\t")
	for _, tm := range chosen {
		fmt.Fprintf(stderr, "timing %s...\n", tm.Name)
		r, err := mtl.MeasureThroughput(tm, *steps)
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

func benchUsage(w io.Writer, defaults func()) error {
	fmt.Fprintln(w, "usage: tag bench throughput [-models "+benchModelNames()+"] [-tasks N] [-steps N] [-backend B]\n"+
		"       tag bench quality [-data SUITES] [-out DIR] [flags]   (see 'tag bench quality -h')\n"+
		benchScaleUsage+"\n"+
		"Times, in one process, a plain training step and a training step that also measures the n×n\n"+
		"affinity matrix (Eq. 1) for each model, on random inputs:")
	for _, m := range benchModels {
		fmt.Fprintf(w, "  %-7s %s\n", m.name, m.about)
	}
	fmt.Fprintln(w, "cores = process CPU time / wall time of plain steps; every-10 ratio = cost of a run measuring\n"+
		"every 10 steps over a plain run (wall time), with the fused step (affinity ms: training batch,\n"+
		"-validation-batches=false); measure ms = the measurement alone, as the default recipe takes it on\n"+
		"a validation batch after every 10 plain steps (every-10 measure). CPU ms (process CPU time per step) varies less than\n"+
		"the wall time on a machine shared with other work. GFLOP/s counts matrix products and convolutions only.")
	if defaults != nil {
		fmt.Fprintln(w, "\nflags:")
		defaults()
	}
	return nil
}
