package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
	"golang.org/x/term"
)

func init() {
	register(&command{
		name:    "affinity",
		summary: "train all tasks together and record lookahead inter-task affinity (Eq. 1)",
		run:     runAffinity,
	})
}

func runAffinity(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("affinity", stderr)
	td := addTrainingDataFlags(fs)
	recipe := addRecipeFlags(fs)
	divide := fs.Bool("divide-by-lr", false, "divide Z by the learning rate, as the published code does")
	seed := fs.Uint64("seed", 1, "seed of the weights, the data order and the built-in glyph images")
	out := fs.String("out", "", "output `DIR` (affinity.csv, cosine.csv, trajectory.csv, plots/, run.json, checkpoint)")
	resume := fs.Bool("resume", false, "continue the run stopped in -out")
	force := fs.Bool("force", false, "start over, replacing what -out holds")
	untilStable := fs.Bool("until-stable", false, "end the measurement (and the training) once the groups at the -budget list stop changing (see -checks, -check-every, -min-half-agreement, -min-reliability); the reason goes to run.json")
	stop := addStopFlags(fs, " with -until-stable")
	prof := addProfileFlags(fs)
	setUsage(fs, stderr, "usage: tag affinity [-data FILE.csv -targets A,B,... | -data NAME | -celeba DIR] -out DIR [flags]\n\n"+
		"Trains one multi-task network on all tasks and records the lookahead affinity\n"+
		"Z[i→j] = 1 − L_j(after task i's step)/L_j(before), averaged over the run.\n"+
		"With no data flag it uses the built-in glyph images, as tag run does.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return badInputf("-out is required")
	}
	if *resume && *force {
		return badInputf("-resume and -force exclude each other")
	}
	endProfile, err := prof.start()
	if err != nil {
		return err
	}
	defer endProfile()
	ds, tasks, src, err := td.load(*seed, stderr)
	if err != nil {
		return err
	}
	where := "-tasks"
	if td.Tasks == "" {
		where = "the data " + ds.Name()
	}
	if err := affinityrun.CheckTasks(where, tasks); err != nil {
		return err
	}
	cfg, aopt := gomlxtrainer.AffinityRecipe(ds, *seed, *divide)
	if err := recipe.apply(ds, len(tasks), &cfg, &aopt); err != nil {
		return err
	}
	run := &affinityrun.Fresh{Data: ds, Tasks: tasks, Config: cfg, Affinity: aopt, Seed: *seed, Source: catalog.Recorded(src, ds)}
	if *untilStable {
		rule, err := stop.groupStability(aopt.Every, cfg.Epochs*mtl.StepsPerEpoch(ds, cfg), len(tasks))
		if err != nil {
			return err
		}
		if err := rule.CheckTasks(len(tasks)); err != nil {
			return err
		}
		run.Stop = &rule
	}
	conf, err := run.Conf()
	if err != nil {
		return err
	}
	l := experiment.Layout{Dir: *out}
	lock, err := affinityrun.PrepareDir(l, *resume, *force, conf)
	if err != nil {
		return err
	}
	defer lock.Release()

	// Which columns are inputs, and which of them look like labels.
	if _, err := data.WriteFeatures(stdout, ds); err != nil {
		return err
	}
	if _, err := data.WriteClassWarnings(stdout, ds); err != nil {
		return err
	}

	res, err := trainInterruptible(ds, tasks, cfg, run.Options(l.Dir), stderr)
	if err != nil {
		return err
	}
	untuneGC()
	rec, err := run.Record(res)
	if err != nil {
		return err
	}
	if rec.Stop != nil {
		fmt.Fprintf(stdout, "stop: %s\n", rec.Stop.StopReason)
	}
	if err := affinityrun.WriteResult(l, res, rec); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d tasks, %d steps (%d recorded) in %.1fs; wrote %s\n", ds.Name(), len(tasks),
		res.Steps, res.AffinitySteps, res.Seconds, strings.Join(affinityrun.Written(l), ", "))
	return nil
}

// trainInterruptible trains with a progress bar on stderr until done or
// Ctrl-C, after which opt.CheckpointDir continues with -resume.
func trainInterruptible(ds data.Dataset, tasks []string, cfg mtl.Config, opt mtl.Options, stderr io.Writer) (*mtl.Result, error) {
	if w := mtl.SIMDWarning(cfg.Backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	opt.Progress = newBar(stderr)
	var res *mtl.Result
	err := interruptible(opt.CheckpointDir, stderr, func(ctx context.Context) (err error) {
		res, err = mtl.Train(ctx, ds, tasks, cfg, opt)
		return err
	})
	return res, err
}

// interruptible calls train with a context that Ctrl-C or SIGTERM cancels, then ends
// the progress bar's line on stderr; a cancelled training says that the
// checkpoint in dir continues with -resume.
func interruptible(dir string, stderr io.Writer, train func(ctx context.Context) error) error {
	ctx, stop := signalContext()
	defer stop()
	err := train(ctx)
	fmt.Fprintln(stderr)
	if errors.Is(err, context.Canceled) {
		return &resumeError{fmt.Sprintf("the checkpoint in %s continues with -resume", dir), err}
	}
	return err
}

// newBar returns a progress callback for one training run on w: a redrawn
// bar with epoch, loss and ETA when w is a terminal, and otherwise (a log
// file, a pipe) one line per epoch, so that a log stays readable.
func newBar(w io.Writer) func(mtl.Progress) {
	if !isTerminal(w) {
		last := -1
		return func(p mtl.Progress) {
			if p.Epoch == last {
				return
			}
			last = p.Epoch
			fmt.Fprintf(w, "epoch %d/%d step %d/%d loss %.4f elapsed %s eta %s\n", p.Epoch+1, p.Epochs, p.Step, p.Steps,
				p.Loss, p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
		}
	}
	var bar *progressbar.ProgressBar
	return func(p mtl.Progress) {
		if bar == nil {
			bar = progressbar.NewOptions(p.Steps, progressbar.OptionSetWriter(w), progressbar.OptionShowCount(),
				progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true))
		}
		bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", p.Epoch+1, p.Epochs, p.Loss))
		_ = bar.Set(p.Step)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
