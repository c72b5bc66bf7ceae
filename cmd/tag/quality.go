package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/experiment/quality"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/report"
	"github.com/tagroup/tag/selection"
)

// runBenchQuality is `tag bench quality`: the grouping methods on every
// suite of package quality, over seeds, with verdicts.
func runBenchQuality(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench quality", stderr)
	only := fs.String("data", "", "comma-separated `SUITES` to run among "+strings.Join(quality.SuiteNames(), ",")+" (default: all)")
	out := fs.String("out", filepath.Join("runs", "quality"), "benchmark `DIR`: one resumable run directory per data set, and quality.md")
	seeds := fs.Int("seeds", 3, "repetitions (seeds) per data set")
	budgets := fs.String("budgets", "2,3,4,5", "comma-separated `LIST` of budgets")
	randomSeeds := fs.Int("random-seeds", 20, "random groupings per budget, each trained under every seed")
	candidates := fs.Int("candidates", experiment.DefaultCandidates, "groupings tag-refine and random-best train per budget")
	epochs := fs.Int("epochs", 0, "epochs of every network (default: each data set's recipe)")
	workers := fs.Int("workers", runtime.NumCPU(), "networks trained at once")
	spend := fs.Bool("spend-budget", selection.DefaultSpendBudget, "tag, cs and tag-refine (rule zsum) use as many networks as the budget allows; -spend-budget=false makes a budget a maximum")
	training := fs.Bool("training-batches", false, "the affinity runs measure Eq. 1 on the training batch of the step, as the paper does, instead of validation batches (use another -out: every network is trained anew)")
	setUsage(fs, stderr, "usage: tag bench quality [-data SUITES] [-out DIR] [flags]\n\n"+
		"Runs mtl, stl, random, random-best, random-sized, tag, tag-consensus, tag-paper and tag-refine on each data set over several seeds\n"+
		"and prints, per data set, whether grouping measurably matters and how each method compares with\n"+
		"random groupings, one network and one network per task (95% intervals, paired by seed).\n"+
		"Rerunning resumes. Writes DIR/quality.md, DIR/quality.json and DIR/<data set>/report.md.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ks, err := parseIntList("budgets", *budgets)
	if err != nil {
		return err
	}
	for _, v := range []struct {
		name string
		v    int
	}{{"seeds", *seeds}, {"random-seeds", *randomSeeds}, {"candidates", *candidates}, {"workers", *workers}} {
		if v.v < 1 {
			return badInputf("-%s %d: must be at least 1", v.name, v.v)
		}
	}
	if *epochs < 0 {
		return badInputf("-epochs %d: must be at least 0 (0: the recipe's)", *epochs)
	}
	suites, err := quality.Select(splitList(*only))
	if err != nil {
		return err
	}
	if w := mtl.SIMDWarning(""); w != "" {
		fmt.Fprintln(stderr, w)
	}
	mon := gomlxtrainer.NewMonitor(stderr, 30*time.Second)
	ctx, stop := signalContext()
	defer stop()
	rep, err := quality.Run(ctx, suites, quality.Options{Dir: *out, Seeds: *seeds, Budgets: ks, RandomSeeds: *randomSeeds,
		Candidates: *candidates, Epochs: *epochs, Workers: *workers, BudgetAsMaximum: !*spend, TrainingBatches: *training, Phase: mon.Phase, Progress: mon.Unit, Step: mon.Step})
	if err != nil {
		return err
	}
	for _, s := range rep.Suites {
		if s.Results != nil {
			if _, err := report.Write(filepath.Join(*out, s.Suite.Name), s.Results); err != nil {
				return err
			}
		}
	}
	p, err := rep.Write(*out)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", p)
	return nil
}
