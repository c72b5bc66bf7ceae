package main

import (
	"fmt"
	"io"

	"github.com/tagroup/tag/experiment/throughput"
	"github.com/tagroup/tag/mtl"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "'bench throughput': time training steps (ms, examples/s, GFLOP/s); 'bench quality': every method on several data sets over seeds; 'bench scale': cost and recovery at hundreds of planted tasks",
		run:     runBench,
	})
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
	models := fs.String("models", throughput.Names(), "comma-separated `MODELS` to time")
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
	chosen, err := throughput.Build(splitList(*models), *tasks, *backend)
	if err != nil {
		return err
	}
	if w := mtl.SIMDWarning(*backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	return throughput.Write(stdout, stderr, chosen, *steps)
}

func benchUsage(w io.Writer, defaults func()) error {
	fmt.Fprintln(w, "usage: tag bench throughput [-models "+throughput.Names()+"] [-tasks N] [-steps N] [-backend B]\n"+
		"       tag bench quality [-data SUITES] [-out DIR] [flags]   (see 'tag bench quality -h')\n"+
		benchScaleUsage+"\n"+
		"Times, in one process, a plain training step and a training step that also measures the n×n\n"+
		"affinity matrix (Eq. 1) for each model, on random inputs:")
	for _, m := range throughput.Models {
		fmt.Fprintf(w, "  %-7s %s\n", m.Name, m.About)
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
