package main

import (
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/engines"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/report"
	"github.com/tagroup/tag/taskmatrix"
	"golang.org/x/term"
)

func init() {
	register(&command{
		name:    "affinity",
		summary: "train all tasks together and record lookahead inter-task affinity (Eq. 1)",
		run:     runAffinity,
	})
}

// affinityRun is DIR/run.json of `tag affinity`.
type affinityRun struct {
	Data string `json:"data"`
	// DataDigest fingerprints the data's content (data.Digest), so that
	// `tag update` refuses other data.
	DataDigest string                 `json:"data_digest"`
	Tasks      []string               `json:"tasks"`
	Features   []string               `json:"features,omitempty"`
	Leakage    []string               `json:"leakage_warnings,omitempty"`
	Config     mtl.Config             `json:"config"`
	Affinity   affinity.Options       `json:"affinity"`
	Seed       uint64                 `json:"seed"`
	Versions   map[string]string      `json:"versions"`
	Seconds    float64                `json:"seconds"`
	Steps      int                    `json:"steps"`
	Epochs     int                    `json:"epochs"`
	BestEpoch  int                    `json:"best_epoch"`
	Validation map[string]mtl.Metrics `json:"validation"`
	Test       map[string]mtl.Metrics `json:"test"`
	History    []mtl.EpochRecord      `json:"history"`
	Finished   time.Time              `json:"finished"`
	// Update is set when `tag update` made the run: Steps and Seconds are
	// then the update's alone.
	Update *updateRecord `json:"update,omitempty"`
}

// affinityFiles are what `tag affinity` and `tag update` write besides
// run.json, and what `tag update` continues from.
type affinityFiles struct {
	// Sums are the per-pair sums and counts behind affinity.csv and
	// cosine.csv.
	Sums       *affinity.PairSums
	Trajectory []taskmatrix.Point
	// Weights are the network's weights after its last step.
	Weights *mtl.Weights
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
	setUsage(fs, stderr, "usage: tag affinity [-data FILE.csv -targets A,B,... | -data NAME | -celeba DIR] -out DIR [flags]\n\n"+
		"Trains one multi-task network on all tasks and records the lookahead affinity\n"+
		"Z[i→j] = 1 − L_j(after task i's step)/L_j(before), averaged over the run.\n"+
		"With no data flag it uses the built-in glyph images, as tag run does.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return badInputf("-out is required")
	case *resume && *force:
		return badInputf("-resume and -force exclude each other")
	}
	ds, tasks, err := td.load(*seed, stderr)
	if err != nil {
		return err
	}
	cfg, aopt, err := affinityRecipe(ds, recipe, *seed, *divide)
	if err != nil {
		return err
	}
	digest, err := data.Digest(ds)
	if err != nil {
		return err
	}
	l := experiment.Layout{Dir: *out}
	if err := prepareOutDir(l, *resume, *force); err != nil {
		return err
	}

	// Which columns are inputs, and which of them look like labels.
	if _, err := data.WriteFeatures(stdout, ds); err != nil {
		return err
	}

	res, err := trainInterruptible(ds, tasks, cfg, mtl.Options{CheckpointDir: l.Dir, Affinity: &aopt}, stderr)
	if err != nil {
		return err
	}
	run := affinityRun{Data: ds.Name(), DataDigest: digest, Tasks: tasks, Config: cfg, Affinity: aopt, Seed: *seed,
		Versions: versions(), Seconds: res.Seconds, Steps: res.Steps, Epochs: res.Epochs,
		BestEpoch: res.BestEpoch, Validation: res.Validation, Test: res.Test, History: res.History,
		Finished: time.Now().UTC()}
	run.Features, run.Leakage = data.Inputs(ds)
	if res.Sums == nil || res.Weights == nil {
		return badInputf("%s holds a run finished by an older tag without its affinity sums and weights; use -force to start over", l.Dir)
	}
	files := affinityFiles{Sums: res.Sums.PairSums(), Trajectory: res.Trajectory, Weights: res.Weights}
	if err := writeAffinityOutputs(l, files, run); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d tasks, %d steps (%d recorded) in %.1fs; wrote %s\n", ds.Name(), len(tasks),
		res.Steps, res.AffinitySteps, res.Seconds, strings.Join(written(l), ", "))
	return nil
}

// trainInterruptible trains with a progress bar on stderr until done or
// Ctrl-C, after which opt.CheckpointDir continues with -resume.
func trainInterruptible(ds data.Dataset, tasks []string, cfg mtl.Config, opt mtl.Options, stderr io.Writer) (*mtl.Result, error) {
	if w := mtl.SIMDWarning(cfg.Backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opt.Progress = newBar(stderr)
	res, err := mtl.Train(ctx, ds, tasks, cfg, opt)
	fmt.Fprintln(stderr)
	if errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("interrupted; the checkpoint in %s continues with -resume", opt.CheckpointDir)
	}
	return res, err
}

// affinityRecipe is the recipe of `tag affinity` (and of the `tag update`
// that continues it) for ds: the tuned recipe, the seed, a checkpoint
// every 50 steps, then the recipe flags.
func affinityRecipe(ds data.Dataset, recipe *recipeFlags, seed uint64, divide bool) (mtl.Config, affinity.Options, error) {
	cfg, aopt := engines.Recipe(ds)
	cfg.Seed = seed
	cfg.CheckpointEvery = 50
	aopt.DivideByLR = divide
	err := recipe.apply(ds, &cfg, &aopt)
	return cfg, aopt, err
}

// written lists the outputs present in l.Dir.
func written(l experiment.Layout) []string {
	var out []string
	for _, p := range l.AffinityOutputs() {
		if exists(p) {
			out = append(out, p)
		}
	}
	return out
}

// prepareOutDir refuses to overwrite a finished or started run unless
// resume or force is given; force removes the earlier files.
func prepareOutDir(l experiment.Layout, resume, force bool) error {
	checkpoint := filepath.Join(l.Dir, mtl.CheckpointFile)
	started := exists(checkpoint)
	finished := exists(l.RunRecord())
	switch {
	case force:
		for _, p := range append([]string{checkpoint}, l.AffinityOutputs()...) {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
	case resume && !started:
		return badInputf("-resume: %s holds no checkpoint", l.Dir)
	case !resume && finished:
		return badInputf("%s holds a finished run; use -resume to rewrite its results or -force to start over", l.Dir)
	case !resume && started:
		return badInputf("%s holds a started run; use -resume to continue it or -force to start over", l.Dir)
	}
	return os.MkdirAll(l.Dir, 0o755)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
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

func versions() map[string]string {
	v := map[string]string{"go": runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v["tag"] = bi.Main.Version
		for _, d := range bi.Deps {
			if strings.HasPrefix(d.Path, "github.com/gomlx/") {
				v[d.Path] = d.Version
			}
		}
	}
	return v
}

// writeAffinityOutputs writes the matrices, the trajectory, the plots, the
// weights, the sums and, last, run.json: a folder with run.json is
// complete.
func writeAffinityOutputs(l experiment.Layout, f affinityFiles, run affinityRun) error {
	summary := &experiment.AffinitySummary{Affinity: f.Sums.Affinity(), Cosine: f.Sums.CosineMean(), Trajectory: f.Trajectory}
	if err := experiment.WriteAffinityFiles(l, summary); err != nil {
		return err
	}
	if _, err := report.WriteAffinityPlots(l.Dir, summary, f.Sums.Tasks, nil); err != nil {
		return err
	}
	if err := atomicfile.Write(l.Weights(), func(w io.Writer) error { return gob.NewEncoder(w).Encode(f.Weights) }); err != nil {
		return err
	}
	// The sums are for tag update, not for reading: without indentation,
	// which put each of the 3n² numbers on a line of its own.
	if err := atomicfile.Write(l.AffinitySums(), func(w io.Writer) error { return json.NewEncoder(w).Encode(f.Sums) }); err != nil {
		return err
	}
	return writeJSON(l.RunRecord(), run)
}

// writeJSON writes v as indented JSON to path, atomically.
func writeJSON(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// readAffinityRun reads what writeAffinityOutputs wrote in l.Dir. Errors
// are input errors that say what is missing.
func readAffinityRun(l experiment.Layout) (*affinityRun, *affinityFiles, error) {
	b, err := os.ReadFile(l.RunRecord())
	if err != nil {
		return nil, nil, badInputf("%s is not a finished tag affinity run: %v", l.Dir, err)
	}
	var run affinityRun
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, nil, badInputf("%s: %v", l.RunRecord(), err)
	}
	if run.DataDigest == "" || len(run.Tasks) == 0 {
		return nil, nil, badInputf("%s is not a tag affinity run that can be updated (no data_digest or tasks; rerun tag affinity)", l.RunRecord())
	}
	f := &affinityFiles{Sums: &affinity.PairSums{}, Weights: &mtl.Weights{}}
	if b, err = os.ReadFile(l.AffinitySums()); err == nil {
		err = json.Unmarshal(b, f.Sums)
	}
	if err == nil {
		err = f.Sums.Validate()
	}
	if err == nil && !slices.Equal(f.Sums.Tasks, run.Tasks) {
		err = fmt.Errorf("tasks %v, but run.json has %v", f.Sums.Tasks, run.Tasks)
	}
	if err != nil {
		return nil, nil, badInputf("%s is not a tag affinity run that can be updated: %s: %v", l.Dir, filepath.Base(l.AffinitySums()), err)
	}
	wf, err := os.Open(l.Weights())
	if err == nil {
		err = gob.NewDecoder(wf).Decode(f.Weights)
		wf.Close()
	}
	if err != nil {
		return nil, nil, badInputf("%s is not a tag affinity run that can be updated: %s: %v", l.Dir, filepath.Base(l.Weights()), err)
	}
	if f.Trajectory, err = taskmatrix.ReadTrajectoryFile(l.TrajectoryCSV()); err != nil {
		return nil, nil, badInputf("%s is not a tag affinity run that can be updated: %v", l.Dir, err)
	}
	return &run, f, nil
}
