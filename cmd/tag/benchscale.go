package main

import (
	"io"
	"os"
	"path/filepath"

	"github.com/tagroup/tag/experiment/scale"
)

// runBenchScale is `tag bench scale`: plain and affinity runs, selection
// and agreement with the planted families at several numbers of tasks.
func runBenchScale(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench scale", stderr)
	sizes := fs.String("sizes", "100,300,1000", "comma-separated task `COUNTS` (multiples of -family-size)")
	family := fs.Int("family-size", 10, "tasks per planted family")
	dim := fs.Int("dim", 64, "input dimension of the planted data")
	dataSeed := fs.Uint64("data-seed", 3, "seed of the planted data")
	budgets := fs.String("budgets", "2-50", "selection budgets: numbers and ranges A-B, comma-separated (the planted budget is always added)")
	out := fs.String("out", filepath.Join("runs", "scale"), "benchmark `DIR`: the runs of each task count, and scale.json")
	qualityUpTo := fs.Int("quality-up-to", 100, "also run `tag run` (tag and random at the planted budget) at task counts up to `N` (0: never)")
	qualitySeeds := fs.Int("quality-seeds", 3, "seeds of that `tag run`")
	epochs := fs.Int("epochs", 0, "epochs of every run (0: the recipe's)")
	var agreement []string
	fs.Func("agreement", "also compare the estimators with exact Eq. 1 on the -data `DATA` (repeatable): tag affinity exact under seeds 1 and 2, sampled and firstorder under seed 2", func(v string) error {
		agreement = append(agreement, v)
		return nil
	})
	agreementBudget := fs.Int("agreement-budget", 0, "budget of the groups compared by -agreement (0: the planted families)")
	childArgs := fs.String("args", "", "further `ARGS` of every child tag affinity and tag run, space-separated (e.g. \"-trunk mlp\")")
	quick := fs.Bool("quick", false, "a quick check: one epoch per run (unless -epochs), budgets up to 4, 2 quality seeds")
	setUsage(fs, stderr, "usage: tag bench scale [-sizes 100,300,1000] [-out DIR] [flags]\n\n"+
		"For each task count n, on planted data (n/-family-size families of -family-size binary tasks, known\n"+
		"membership), runs in a process of its own each: a plain run (tag affinity -every 100000) and an\n"+
		"affinity run (the default recipe and estimator); prints their wall times, ratio and peak memory,\n"+
		"the selection's time and proven gap at every budget (rule zsum, one pass) and the adjusted Rand\n"+
		"index of the groups at the planted budget with the families; up to -quality-up-to tasks also\n"+
		"TAG against random groupings at the planted budget (tag run, -quality-seeds seeds, 95% interval).")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var ns []int
	if len(agreement) == 0 || flagSet(fs, "sizes") {
		var err error
		if ns, err = parseIntList("sizes", *sizes); err != nil {
			return err
		}
	}
	ks, err := scale.ParseBudgets(*budgets)
	if err != nil {
		return err
	}
	if *epochs < 0 || *qualityUpTo < 0 || *qualitySeeds < 1 || *agreementBudget < 0 {
		return badInputf("-epochs, -quality-up-to and -agreement-budget must be at least 0, -quality-seeds at least 1")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o := scale.Options{Sizes: ns, FamilySize: *family, Dim: *dim, DataSeed: *dataSeed, Budgets: ks, Dir: *out,
		Command: []string{exe}, QualityUpTo: *qualityUpTo, QualitySeeds: *qualitySeeds, Log: stderr}
	if *quick {
		*epochs = o.Quicken(flagSet(fs, "quality-seeds"), *epochs)
	}
	o.SetExtra(*epochs, *childArgs)
	if err := o.Check(); err != nil {
		return badInput(err)
	}
	ctx, stop := signalContext()
	defer stop()
	rows, err := scale.Run(ctx, o)
	if err != nil {
		return err
	}
	var agreements []*scale.Agreement
	for _, d := range agreement {
		a, err := scale.Agree(ctx, o, d, *agreementBudget)
		if err != nil {
			return err
		}
		agreements = append(agreements, a)
	}
	if err := scale.WriteJSON(*out, rows, agreements); err != nil {
		return err
	}
	if len(rows) > 0 {
		if err := scale.WriteTable(stdout, rows); err != nil {
			return err
		}
	}
	for _, a := range agreements {
		if err := scale.WriteAgreement(stdout, a); err != nil {
			return err
		}
	}
	return nil
}

// benchScaleUsage is the line of `tag bench -h` for bench scale.
const benchScaleUsage = "       tag bench scale [-sizes 100,300,1000] [-out DIR] [flags]   (see 'tag bench scale -h')\n"
