package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/mtl"
)

func init() {
	register(&command{
		name:    "update",
		summary: "add or remove tasks of a tag affinity run without starting over",
		run:     runUpdate,
	})
}

func runUpdate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("update", stderr)
	td := addTrainingDataFlags(fs)
	recipe := addRecipeFlags(fs)
	divide := fs.Bool("divide-by-lr", false, "as the tag affinity run of -from (default: its value; a different one is refused)")
	seed := fs.Uint64("seed", 1, "as the tag affinity run of -from (default: its seed; a different one is refused)")
	from := fs.String("from", "", "`DIR` of the tag affinity (or tag update) run to continue")
	add := fs.String("add", "", "comma-separated `TASKS` to add (tasks of the data set)")
	remove := fs.String("remove", "", "comma-separated `TASKS` to remove")
	out := fs.String("out", "", "output `DIR` (the outputs of tag affinity, and changes.md)")
	steps := fs.Int("steps", 0, "measure the new tasks for exactly `N` steps (0: until the groups at the -budget list are stable, see -checks)")
	maxEpochs := fs.Int("max-epochs", 0, "at most this many epochs of measurement without -steps (0: the recipe's epochs)")
	start := fs.String("start", affinityrun.DefaultStart, "`WEIGHTS` all tasks are trained from while the added pairs are measured: "+
		"init (the initialization of -from's seed, as it started), quarter (its weights a quarter of the way through its training, weights-quarter.gob; "+
		"init where it has none) or final (its weights after its last step)")
	warm := fs.Bool("warm", false, "the same as -start final (kept for earlier command lines)")
	refresh := fs.Bool("refresh", false, "add the update's measurements of the old pairs to their saved sums (default: keep the old pairs as they were)")
	stop := addStopFlags(fs, " and changes.md reports")
	compare := fs.String("compare", "", "comma-separated `DIRS` of from-scratch tag affinity runs on the new tasks: changes.md reports the rank correlation with each, and of each two with each other")
	resume := fs.Bool("resume", false, "continue the update stopped in -out")
	force := fs.Bool("force", false, "start over, replacing what -out holds")
	setUsage(fs, stderr, "usage: tag update -from DIR [-add T1,T2,...] [-remove T3,...] -out NEWDIR [data and recipe flags of tag affinity]\n\n"+
		"Continues a tag affinity run for a changed task set. Removing tasks drops their rows and\n"+
		"columns (no training). Adding tasks trains all tasks from the weights -start names (the\n"+
		"initialization of the run's seed, its weights a quarter of the way through, or its last)\n"+
		"while measuring every pair, keeping the new\n"+
		"pairs (those involving an added task) until the groups at the -budget list have stayed the\n"+
		"same for -checks checks in a row (and the new pairs' ranks settled); the old pairs keep\n"+
		"their saved sums. The data source, feature columns, split, recipe and seed are -from's\n"+
		"(its run.json): data and recipe flags are not needed, and may only repeat them. On a CSV file\n"+
		"an added task is a further target column of the same file.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if td.Tasks != "" {
		return badInputf("-tasks does not apply to tag update: the tasks are -from's, changed by -add and -remove")
	}
	if *resume && *force {
		return badInputf("-resume and -force exclude each other")
	}
	given := givenFlags(fs)
	if *warm && given["start"] {
		return badInputf("-warm is -start final: give one of them")
	}
	if *warm {
		*start = affinityrun.StartFinal
	}
	ks, err := stop.budgetList()
	if err != nil {
		return err
	}
	opt := affinityrun.UpdateOptions{From: *from, Out: *out, Add: splitList(*add), Remove: splitList(*remove),
		Steps: *steps, Checks: stop.checks, CheckEvery: stop.every, MinHalfAgreement: stop.minHalfAgreement, MinReliability: stop.minReliability, SettledMore: stop.settledMore, MaxEpochs: *maxEpochs,
		Refresh: *refresh, Start: *start, Budgets: ks, Rule: stop.rule, Compare: splitList(*compare), Progress: newBar(stderr)}
	u, err := affinityrun.PlanUpdate(opt)
	if err != nil {
		return err
	}
	st, err := u.Settings(affinityrun.Given{Flags: given, Seed: *seed, DivideByLR: *divide, Data: td.Choice})
	if err != nil {
		return err
	}
	ds, err := td.openSource(st.Source, stderr)
	if err != nil {
		return err
	}
	// The recipe is the record's, changed by the recipe flags given, so
	// that a flag that differs from the record is named (Check).
	cfg, aopt := st.Config, st.Affinity
	// nTasks 0: under -estimator auto the record's estimator is kept.
	if err := recipe.apply(ds, 0, &cfg, &aopt); err != nil {
		return err
	}
	if err := u.Check(ds, cfg, aopt, st.Seed); err != nil {
		return err
	}
	lock, err := affinityrun.PrepareDir(u.Out(), *resume, *force, u.Conf())
	if err != nil {
		return err
	}
	defer lock.Release()
	if _, err := data.WriteFeatures(stdout, ds); err != nil {
		return err
	}
	if w := mtl.SIMDWarning(cfg.Backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	if err := interruptible(u.Out().Dir, stderr, func(ctx context.Context) error { return u.Run(ctx, ds) }); err != nil {
		return err
	}
	r := u.Result()
	if r.Update.StartNote != "" {
		fmt.Fprintf(stderr, "tag update: -start %s: %s\n", *start, r.Update.StartNote)
	}
	if r.Update.StopReason != "" {
		fmt.Fprintf(stdout, "stop: %s\n", r.Update.StopReason)
	}
	fmt.Fprintf(stdout, "%s: %d tasks (+%d, −%d), %d steps (%.1f%% of %d from scratch) in %.1fs, stop: %s; wrote %s\n",
		ds.Name(), len(r.Tasks), len(r.Update.Added), len(r.Update.Removed), r.Steps, 100*r.Update.StepRatio,
		r.Update.ScratchSteps, r.Seconds, r.Update.Stop, strings.Join(affinityrun.Written(u.Out()), ", "))
	return nil
}
