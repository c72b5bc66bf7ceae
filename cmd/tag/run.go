package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/engines"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/report"
	"github.com/tagroup/tag/selection"
)

func init() {
	register(&command{
		name:    "run",
		summary: "the paper's experiment: every method × budget, trained, compared, reported",
		run:     runRun,
	})
}

// Built-in default run: glyph images, sized so that every method of the
// default run (about 100 small networks, HOA's 45 included) finishes in a
// few minutes on two cores.
const (
	defaultGlyphN    = 4000
	defaultGlyphSize = 16
)

// tunedRecipe applies the recipe chosen for a built-in data set, if ds is
// one, to cfg and aff; other data keep mtl.DefaultConfig and
// affinity.DefaultOptions. Both recipes follow the paper's optimizer (SGD
// with momentum 0.9, so that the plain-SGD lookahead of Eq. 1 takes a step
// of the size training takes) and a deliberately narrow trunk, so that
// tasks compete for it; affinity is measured every 2 steps, as the runs are
// short and single measurements are noisy.
func tunedRecipe(ds data.Dataset, cfg *mtl.Config, aff *affinity.Options) {
	switch ds.(type) {
	case *glyphs.Dataset:
		// Three families of three tasks (place, scale, shape: see
		// glyphs.DefaultTasks); 16 units hold one family far better than
		// all nine tasks (8 and 12 units gave noisier comparisons).
		cfg.Trunk = mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{16}, Activation: "relu"}
	case *planted.Dataset:
		// Three families of rank 2 need about 9 units; 8 make them compete.
		cfg.Trunk = mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{8}, Activation: "relu"}
	default:
		return
	}
	cfg.Optimizer, cfg.LearningRate, cfg.Momentum = mtl.OptimizerSGD, 0.1, 0.9
	cfg.Epochs, cfg.Patience = 20, 0
	aff.Every = 2
}

// runFlags are the flags of tag run besides the data flags.
type runFlags struct {
	budgets, methods, tasks, out string
	workers, randomSeeds, glyphN int
	glyphSize, maxGroupSize      int
	rule                         string
	seed                         uint64
	noReport                     bool
	recipe                       *recipeFlags
}

// parseIntList parses a comma-separated list of integers ≥ 1 for flag name
// (-budgets, -widths); an empty item is an error, as in tag group's -budget.
func parseIntList(name, s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, badInputf("-%s is empty", name)
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return nil, badInputf("-%s: %q is not a whole number ≥ 1", name, p)
		}
		out = append(out, v)
	}
	return out, nil
}

// dirName turns a data set name into a folder name: a file's base name
// without its extension, or a generator's description with every run of
// other characters turned into "-" (dots in values such as noise=0.5 are
// kept, so that two descriptions never share a folder by truncation).
func dirName(name string) string {
	if ext := filepath.Ext(name); strings.IndexFunc(ext[min(1, len(ext)):], isNotAlnum) < 0 {
		name = strings.TrimSuffix(filepath.Base(name), ext)
	}
	s := strings.Trim(regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(name, "-"), "-.")
	if s == "" {
		return "data"
	}
	return s
}

// isNotAlnum reports whether r is outside [A-Za-z0-9].
func isNotAlnum(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
}

// trainingRecipe returns the training recipe for ds: the package default,
// tuned for the built-in data (tunedRecipe), then changed by the recipe
// flags given on the command line.
func (f *runFlags) trainingRecipe(ds data.Dataset) (mtl.Config, affinity.Options, error) {
	cfg := mtl.DefaultConfig(ds)
	aff := affinity.DefaultOptions()
	tunedRecipe(ds, &cfg, &aff)
	if f.recipe != nil {
		if err := f.recipe.apply(ds, &cfg, &aff); err != nil {
			return cfg, aff, err
		}
	}
	return cfg, aff, nil
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	df := addDataFlags(fs)
	dataSpec := fs.String("data", "", "data set: a CSV `FILE` (with -targets) or a built-in name from 'tag data list' (default: glyph images, see -glyphs)")
	var f runFlags
	fs.IntVar(&f.glyphN, "glyphs", defaultGlyphN, "examples of the built-in glyph data used when neither -data nor -celeba is given")
	fs.IntVar(&f.glyphSize, "glyph-size", defaultGlyphSize, "image side in pixels of the built-in glyph data")
	fs.StringVar(&f.tasks, "tasks", "", "comma-separated `TASKS` to group (default: every task of the data; the glyph default is its 9 default attributes)")
	fs.StringVar(&f.budgets, "budgets", "2,3,4", "comma-separated `LIST` of budgets (numbers of networks)")
	fs.StringVar(&f.methods, "methods", "", "comma-separated `LIST` of methods among "+strings.Join(experiment.Methods, ",")+
		fmt.Sprintf(" (default: all; optimal only up to %d tasks, hoa up to %d)", experiment.DefaultOptimalMaxTasks, experiment.DefaultHOAMaxTasks))
	fs.StringVar(&f.rule, "rule", selection.DefaultRule, "selection `RULE` of tag and cs: "+strings.Join(selection.AffinityRules, " or "))
	fs.IntVar(&f.maxGroupSize, "max-group-size", 0, "allow only groups of at most `M` tasks when selecting (tag, cs, hoa, optimal); 0: no cap")
	fs.IntVar(&f.randomSeeds, "random-seeds", experiment.DefaultRandomSeeds, "random groupings per budget")
	fs.StringVar(&f.out, "out", "", "run `DIR` (default runs/<data name>); rerunning the same command resumes it")
	fs.Uint64Var(&f.seed, "seed", 1, "training seed of every network and of the random groupings")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "networks trained at once")
	f.recipe = addRecipeFlags(fs)
	fs.BoolVar(&f.noReport, "no-report", false, "skip report.md and the plots")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tag run [-data FILE.csv -targets A,B,... | -data NAME | -celeba DIR] [flags]\n\n"+
			"Runs the experiment of the TAG paper: for each budget, every method picks groups, one network per\n"+
			"group is trained, each task is served by its best chosen network (validation loss) and reported on\n"+
			"the test split. Writes DIR/results.json, DIR/report.md and DIR/plots/; prints the tables.\n"+
			"Each trained network is a unit in DIR/units/: an interrupted run resumes where it stopped.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	budgets, err := parseIntList("budgets", f.budgets)
	if err != nil {
		return err
	}
	if f.workers < 1 {
		return badInputf("-workers %d: must be at least 1", f.workers)
	}
	if f.randomSeeds < 1 {
		return badInputf("-random-seeds %d: must be at least 1", f.randomSeeds)
	}
	if f.maxGroupSize < 0 {
		return badInputf("-max-group-size %d: must be at least 0 (0: no cap)", f.maxGroupSize)
	}
	builtin := *dataSpec == "" && df.celebaDir == ""
	var ds data.Dataset
	if builtin {
		if df.targets != "" {
			return badInputf("-targets needs -data FILE.csv")
		}
		if f.glyphN < 100 {
			return badInputf("-glyphs %d: want at least 100 examples", f.glyphN)
		}
		fmt.Fprintf(stderr, "rendering %d glyph images...\n", f.glyphN)
		if ds, err = glyphs.New(glyphs.Options{N: f.glyphN, Size: f.glyphSize, Seed: f.seed, Tasks: glyphs.DefaultTasks()}); err != nil {
			return badInputf("-glyphs/-glyph-size: %v", err)
		}
	} else if ds, err = df.open(*dataSpec); err != nil {
		return err
	}
	var tasks []string
	for _, t := range ds.Tasks() {
		tasks = append(tasks, t.Name)
	}
	if f.tasks != "" {
		tasks = splitList(f.tasks)
		for _, t := range tasks {
			if _, err := data.TaskIndex(ds, t); err != nil {
				return badInputf("-tasks: %v", err)
			}
		}
	}
	if err := checkGroupCap(f.maxGroupSize, budgets, len(tasks)); err != nil {
		return err
	}
	var methods []string
	if f.methods != "" {
		methods = splitList(f.methods)
		for _, m := range methods {
			if !slices.Contains(experiment.Methods, m) {
				return badInputf("-methods: unknown method %q (want %s)", m, strings.Join(experiment.Methods, ", "))
			}
		}
	}
	cfg, aff, err := f.trainingRecipe(ds)
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join("runs", dirName(ds.Name()))
	}
	exp := experiment.Config{
		Tasks: tasks, Budgets: budgets, Methods: methods, RandomSeeds: f.randomSeeds, Seed: f.seed,
		Workers: f.workers, Data: engines.Describe(ds),
		Phase: func(s string) { fmt.Fprintf(stderr, "%s\n", s) },
	}
	start := time.Now()
	exp.Progress = func(p experiment.Progress) {
		how := fmt.Sprintf("%.1fs", p.Seconds)
		if p.Reused {
			how = "done earlier"
		}
		elapsed := time.Since(start)
		eta := ""
		if p.Done < p.Total && p.Done > 0 && !p.Reused {
			// Units differ in size; the mean so far is a rough guide.
			left := time.Duration(float64(elapsed) / float64(p.Done) * float64(p.Total-p.Done))
			eta = fmt.Sprintf(", about %s left", left.Round(time.Second))
		}
		fmt.Fprintf(stderr, "  [%d/%d] %s %s (elapsed %s%s)\n", p.Done, p.Total, p.Unit, how, elapsed.Round(time.Second), eta)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(stderr, "tag run: %d tasks, budgets %v, out %s, %d workers\n", len(tasks), budgets, out, f.workers)
	// Networks in training checkpoint under DIR/checkpoints, so that an
	// interrupted run also keeps the progress of the networks in flight.
	tr := &engines.Trainer{Data: ds, Config: cfg, Affinity: aff, CheckpointRoot: filepath.Join(out, "checkpoints")}
	res, err := experiment.Run(ctx, out, exp, tr, engines.Selector{Rule: f.rule, Options: selection.Options{Seed: f.seed, MaxGroupSize: f.maxGroupSize}})
	if err == nil {
		os.Remove(tr.CheckpointRoot) // empty once every network has finished; kept otherwise
	}
	if err != nil {
		if isConfigError(err) {
			return badInput(err)
		}
		return err
	}
	if err := report.WriteTable(stdout, res); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "results: %s\n", filepath.Join(out, "results.json"))
	if !f.noReport {
		paths, err := report.Write(out, res)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s (%d files)\n", filepath.Join(out, "report.md"), len(paths))
	}
	return nil
}

// isConfigError reports whether err is experiment's refusal of the
// configuration (as opposed to a failure while training).
// checkGroupCap refuses a -max-group-size cap under which some budget of
// k networks cannot hold all n tasks (k·cap < n).
func checkGroupCap(cap int, budgets []int, n int) error {
	for _, k := range budgets {
		if cap > 0 && k*cap < n {
			return badInputf("-max-group-size %d with -budgets %d: %d networks of at most %d tasks cannot hold the %d tasks (need k·M ≥ %d)",
				cap, k, k, cap, n, n)
		}
	}
	return nil
}

func isConfigError(err error) bool {
	var ce *experiment.ConfigError
	return errors.As(err, &ce)
}
