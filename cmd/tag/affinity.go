package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/csvdata"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/engines"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/report"
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
	Data       string                 `json:"data"`
	Tasks      []string               `json:"tasks"`
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
}

// affinityOutputs are the files `tag affinity` writes into DIR.
var affinityOutputs = []string{"affinity.csv", "cosine.csv", "trajectory.csv", "plots", "run.json"}

func runAffinity(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("affinity", stderr)
	csvPath := fs.String("data", "", "CSV `FILE` with one column per target and feature")
	useGlyphs := fs.Bool("glyphs", false, "use the built-in glyph images instead of -data")
	targets := fs.String("targets", "", "comma-separated target `COLUMNS` of -data (with -glyphs: attributes, default all)")
	features := fs.String("features", "", "comma-separated feature `COLUMNS` (default: every other column)")
	recipe := addRecipeFlags(fs)
	divide := fs.Bool("divide-by-lr", false, "divide Z by the learning rate, as the published code does")
	seed := fs.Uint64("seed", 1, "seed of the weights, the data order and the data split")
	out := fs.String("out", "", "output `DIR` (affinity.csv, cosine.csv, trajectory.csv, plots/, run.json, checkpoint)")
	resume := fs.Bool("resume", false, "continue the run stopped in -out")
	force := fs.Bool("force", false, "start over, replacing what -out holds")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tag affinity (-data FILE.csv -targets a,b,c | -glyphs) -out DIR [flags]\n\n"+
			"Trains one multi-task network on all targets and records the lookahead affinity\n"+
			"Z[i→j] = 1 − L_j(after task i's step)/L_j(before), averaged over the run.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return badInputf("-out is required")
	case *resume && *force:
		return badInputf("-resume and -force exclude each other")
	case (*csvPath == "") == !*useGlyphs:
		return badInputf("give exactly one of -data FILE.csv and -glyphs")
	case *csvPath != "" && *targets == "":
		return badInputf("-targets is required with -data")
	}
	ds, err := loadAffinityData(*csvPath, *targets, *features, *seed)
	if err != nil {
		return badInput(err)
	}
	cfg := mtl.DefaultConfig(ds)
	aopt := affinity.DefaultOptions()
	tunedRecipe(ds, &cfg, &aopt)
	cfg.Seed = *seed
	cfg.CheckpointEvery = 50
	aopt.DivideByLR = *divide
	if err := recipe.apply(ds, &cfg, &aopt); err != nil {
		return err
	}
	if err := prepareOutDir(*out, *resume, *force); err != nil {
		return err
	}
	tasks := splitList(*targets)
	if len(tasks) == 0 {
		for _, t := range ds.Tasks() {
			tasks = append(tasks, t.Name)
		}
	}

	if w := mtl.SIMDWarning(cfg.Backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newBar(stderr)
	res, err := mtl.Train(ctx, ds, tasks, cfg, mtl.Options{CheckpointDir: *out, Affinity: &aopt, Progress: bar})
	fmt.Fprintln(stderr)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted; the checkpoint in %s continues with -resume", *out)
	}
	if err != nil {
		return err
	}
	run := affinityRun{Data: ds.Name(), Tasks: tasks, Config: cfg, Affinity: aopt, Seed: *seed,
		Versions: versions(), Seconds: res.Seconds, Steps: res.Steps, Epochs: res.Epochs,
		BestEpoch: res.BestEpoch, Validation: res.Validation, Test: res.Test, History: res.History,
		Finished: time.Now().UTC()}
	if err := writeAffinityOutputs(*out, res, run); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d tasks, %d steps (%d recorded) in %.1fs; wrote %s\n", ds.Name(), len(tasks),
		res.Steps, res.AffinitySteps, res.Seconds, strings.Join(affinityOutputs, ", "))
	return nil
}

// prepareOutDir refuses to overwrite a finished or started run unless
// resume or force is given; force removes the earlier files.
func prepareOutDir(dir string, resume, force bool) error {
	started := exists(filepath.Join(dir, mtl.CheckpointFile))
	finished := exists(filepath.Join(dir, "run.json"))
	switch {
	case force:
		for _, name := range append([]string{mtl.CheckpointFile}, affinityOutputs...) {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	case resume && !started:
		return badInputf("-resume: %s holds no checkpoint", dir)
	case !resume && finished:
		return badInputf("%s holds a finished run; use -resume to rewrite its results or -force to start over", dir)
	case !resume && started:
		return badInputf("%s holds a started run; use -resume to continue it or -force to start over", dir)
	}
	return os.MkdirAll(dir, 0o755)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func loadAffinityData(csvPath, targets, features string, seed uint64) (data.Dataset, error) {
	if csvPath != "" {
		return csvdata.Load(csvPath, csvdata.Options{Targets: splitList(targets), Features: splitList(features), Seed: seed})
	}
	return glyphs.New(glyphs.Options{Seed: seed, Tasks: splitList(targets)})
}

// newBar returns a progress callback drawing a bar with epoch, loss and
// ETA on w.
func newBar(w io.Writer) func(mtl.Progress) {
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

func writeAffinityOutputs(dir string, res *mtl.Result, run affinityRun) error {
	if err := res.Affinity.WriteFile(filepath.Join(dir, "affinity.csv")); err != nil {
		return err
	}
	if err := res.Cosine.WriteFile(filepath.Join(dir, "cosine.csv")); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "trajectory.csv"), func(w io.Writer) error {
		return affinity.WriteTrajectoryCSV(w, res.Trajectory)
	}); err != nil {
		return err
	}
	summary := &experiment.AffinitySummary{Affinity: res.Affinity, Cosine: res.Cosine, Trajectory: engines.Trajectory(res.Trajectory)}
	if _, err := report.WriteAffinityPlots(dir, summary, res.Tasks); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "run.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(run)
	})
}
