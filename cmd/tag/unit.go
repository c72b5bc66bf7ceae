package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tagroup/tag/cluster"
	"github.com/tagroup/tag/experiment"
)

func init() {
	register(&command{
		name:    "unit",
		summary: "train one unit of a run's plan (the worker of -executor slurm and k8s)",
		run:     runUnit,
	})
}

func runUnit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("unit", stderr)
	dir := fs.String("dir", "", "run `DIR` holding the plan (required)")
	phase := fs.Int("phase", 0, "phase `N` of the plan (default: the highest-numbered plan in DIR/plans)")
	index := fs.Int("index", -1, "`I`, the unit's index in the plan (default: $"+cluster.EnvSlurmIndex+", else $"+cluster.EnvK8sIndex+")")
	indices := fs.String("indices", "", "comma-separated plan indices `LIST`: the worker of index I trains LIST[I] (resubmissions of missing units)")
	setUsage(fs, stderr, "usage: tag unit -dir DIR [-phase N] [-index I]\n\n"+
		"Trains unit I of the run's plan for phase N (written by tag run -executor slurm or k8s), with the\n"+
		"data and recipe the plan records, and writes DIR/units/KEY.json. A unit already written exits 0\n"+
		"at once; two workers given the same unit are harmless (one trains, the other waits and reads).")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return badInputf("-dir is required")
	}
	i, err := cluster.UnitIndex(*index, *indices)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	plan, err := experiment.ReadPlan(abs, *phase)
	if err != nil {
		return badInput(err)
	}
	if i >= len(plan.Units) {
		return badInputf("plan %s has %d units; index %d is past its end", plan.Path(), len(plan.Units), i)
	}
	u := plan.Units[i]
	if plan.Done(i) {
		fmt.Fprintf(stderr, "tag unit: [%d] %s already written\n", i, u)
		return nil
	}
	// Relative paths among the run's arguments (a CSV file) resolve against
	// the working directory of the run when it exists here.
	if plan.WorkDir != "" {
		if st, err := os.Stat(plan.WorkDir); err == nil && st.IsDir() {
			if err := os.Chdir(plan.WorkDir); err != nil {
				return err
			}
		}
	}
	rc := newRunCommand(io.Discard)
	if err := parseFlags(rc.fs, plan.Worker); err != nil {
		return fmt.Errorf("plan %s: the run's arguments: %w", plan.Path(), err)
	}
	rd, err := rc.trainer(stderr)
	if err != nil {
		return fmt.Errorf("plan %s: %w", plan.Path(), err)
	}
	ctx, stop := signalContext()
	defer stop()
	fmt.Fprintf(stderr, "tag unit: [%d] %s: training (%s)\n", i, u, u.Key)
	reused, err := plan.RunUnit(ctx, i, rd.Description, rd.Trainer)
	if err != nil {
		return err
	}
	if reused {
		fmt.Fprintf(stderr, "tag unit: [%d] %s written by another worker\n", i, u)
	} else {
		fmt.Fprintf(stderr, "tag unit: [%d] %s written\n", i, u)
	}
	return nil
}
