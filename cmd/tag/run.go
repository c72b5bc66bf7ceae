package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tagroup/tag/cluster"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
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

// defaultSeeds is the number of repetitions of tag run: enough for an
// interval, few enough that the default run takes minutes.
const defaultSeeds = 3

// runFlags are the flags of tag run besides the data flags.
type runFlags struct {
	seeds, candidates     int
	spendBudget           bool
	rule                  string
	poolAffinity          bool
	varySplit             bool
	budgets, methods, out string
	workers, randomSeeds  int
	maxGroupSize          int
	seed                  uint64
	noReport              bool
	recipe                *recipeFlags
	from, add, remove     string
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

// runCommand is tag run's flag set and the values of its flags. `tag unit`
// parses a plan's recorded arguments with it to rebuild the same Trainer.
type runCommand struct {
	fs   *flag.FlagSet
	td   *trainingData
	f    runFlags
	exec *cluster.Options
}

// newRunCommand defines the flags of tag run; usage goes to stderr.
func newRunCommand(stderr io.Writer) *runCommand {
	fs := newFlags("run", stderr)
	r := &runCommand{fs: fs, td: addTrainingDataFlags(fs)}
	f := &r.f
	fs.StringVar(&f.budgets, "budgets", "2,3,4", "comma-separated `LIST` of budgets (numbers of networks)")
	fs.StringVar(&f.methods, "methods", "", "comma-separated `LIST` of methods among "+strings.Join(experiment.Methods, ",")+
		fmt.Sprintf(" (default: all but random-sized; optimal only up to %d tasks, hoa up to %d, stl up to %d; those that cannot run at this task count are skipped with the reason)",
			experiment.DefaultOptimalMaxTasks, experiment.DefaultHOAMaxTasks, experiment.DefaultSTLMaxTasks))
	fs.StringVar(&f.rule, "rule", selection.DefaultRule, "selection `RULE` of tag, cs and tag-refine: "+strings.Join(selection.AffinityRules, " or ")+
		" (tag-paper always uses paper)")
	fs.BoolVar(&f.spendBudget, "spend-budget", selection.DefaultSpendBudget, "tag, cs and tag-refine with rule zsum use as many networks as the budget allows (exactly k groups), the best such grouping; -spend-budget=false makes a budget a maximum")
	fs.IntVar(&f.maxGroupSize, "max-group-size", 0, "allow only groups of at most `M` tasks when selecting (tag, cs, hoa, optimal); 0: no cap")
	fs.IntVar(&f.randomSeeds, "random-seeds", experiment.DefaultRandomSeeds, "random groupings per budget")
	fs.StringVar(&f.out, "out", "", "run `DIR` (default runs/<data name>); rerunning the same command resumes it")
	fs.Uint64Var(&f.seed, "seed", 1, "training seed of every network and of the random groupings (of the first repetition)")
	fs.IntVar(&f.seeds, "seeds", defaultSeeds, "repetitions of the whole experiment, with seeds -seed, -seed+1, ...; every method's totals are paired by seed")
	fs.IntVar(&f.candidates, "candidates", experiment.DefaultCandidates, "groupings tag-refine and random-best train per budget before keeping the best on validation")
	fs.BoolVar(&f.poolAffinity, "pool-affinity", false, "tag and cs select on the mean affinity of all seeds' affinity runs")
	fs.BoolVar(&f.varySplit, "vary-split", false, "CSV: repetition r also splits the rows anew, with split seed -data-seed + r (train, validation and test rows vary with the seed)")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "networks trained at once (by -executor local)")
	f.recipe = addRecipeFlags(fs)
	fs.BoolVar(&f.noReport, "no-report", false, "skip report.md and the plots")
	fs.StringVar(&f.from, "from", "", "run `DIR` of a tag run to continue for a changed task set (-add, -remove): its networks whose tasks all remain are reused")
	fs.StringVar(&f.add, "add", "", "with -from: comma-separated `TASKS` to add")
	fs.StringVar(&f.remove, "remove", "", "with -from: comma-separated `TASKS` to remove")
	r.exec = addExecutorFlags(fs)
	setUsage(fs, stderr, "usage: tag run [-data FILE.csv -targets A,B,... | -data NAME | -celeba DIR] [flags]\n\n"+
		"Runs the experiment of the TAG paper: for each budget, every method picks groups, one network per\n"+
		"group is trained, each task is served by its best chosen network (validation loss) and reported on\n"+
		"the test split. Writes DIR/results.json, DIR/report.md and DIR/plots/; prints the tables.\n"+
		"Each trained network is a unit in DIR/units/: an interrupted run resumes where it stopped.\n"+
		"-executor slurm or k8s trains the units as Slurm job arrays or Kubernetes Indexed Jobs (tag unit).")
	return r
}

// trainer builds, from the flags, the training of every unit
// (gomlxtrainer.NewSetup): the data the flags name, or with -from the
// data and recipe -from's run recorded, the recipe changed by the recipe
// flags, the data split per seed with -vary-split.
func (r *runCommand) trainer(stderr io.Writer) (*gomlxtrainer.Setup, error) {
	f, td := &r.f, r.td
	req := gomlxtrainer.Request{Data: td.Choice, Given: givenFlags(r.fs), Seed: f.seed, Open: td.opener(stderr),
		Recipe: f.recipe.apply, VarySplit: f.varySplit}
	if f.from != "" {
		var err error
		if req.From, err = planRunFrom(f.from, f.out, f.add, f.remove, td.Tasks != ""); err != nil {
			return nil, err
		}
	}
	return gomlxtrainer.NewSetup(req)
}

func runRun(args []string, stdout, stderr io.Writer) error {
	rc := newRunCommand(stderr)
	f := &rc.f
	if err := parseFlags(rc.fs, args); err != nil {
		return err
	}
	budgets, err := parseIntList("budgets", f.budgets)
	if err != nil {
		return err
	}
	if f.workers < 1 {
		return badInputf("-workers %d: must be at least 1", f.workers)
	}
	if f.seeds < 1 {
		return badInputf("-seeds %d: must be at least 1", f.seeds)
	}
	if f.candidates < 1 {
		return badInputf("-candidates %d: must be at least 1", f.candidates)
	}
	if f.randomSeeds < 1 {
		return badInputf("-random-seeds %d: must be at least 1", f.randomSeeds)
	}
	if f.maxGroupSize < 0 {
		return badInputf("-max-group-size %d: must be at least 0 (0: no cap)", f.maxGroupSize)
	}
	if f.from == "" && (f.add != "" || f.remove != "") {
		return badInputf("-add and -remove need -from")
	}
	executor, err := rc.exec.Executor(stderr)
	if err != nil {
		return err
	}
	rd, err := rc.trainer(stderr)
	if err != nil {
		return err
	}
	ds, tasks, tr, description, rf := rd.Data, rd.Tasks, rd.Trainer, rd.Description, rd.From
	var methods []string
	if f.methods != "" {
		methods = splitList(f.methods)
	}
	cfg := tr.Config
	out := f.out
	if out == "" {
		out = experiment.DefaultDir(ds.Name())
	}
	mon := gomlxtrainer.NewMonitor(stderr, 10*time.Second)
	exp := experiment.Config{
		Tasks: tasks, Budgets: budgets, Methods: methods, RandomSeeds: f.randomSeeds, Seed: f.seed,
		Seeds: f.seeds, Candidates: f.candidates, PoolAffinity: f.poolAffinity, Rule: f.rule,
		Workers: f.workers, Data: description, Source: rd.Source, Phase: mon.Phase, Progress: mon.Unit,
		Executor: executor, Worker: args,
	}
	sel := gomlxtrainer.Selector{Options: selection.Options{Seed: f.seed, MaxGroupSize: f.maxGroupSize, SpendBudget: f.spendBudget}}
	// Every method is checked before anything is printed or trained: a
	// refusal is the command's only line.
	if rf != nil {
		if err := tr.ContinueFrom(&exp, rf); err != nil {
			return err
		}
	}
	planned := exp
	planned, skipped, err := experiment.CheckMethods(planned, sel)
	if err != nil {
		return badInput(err)
	}
	if w := mtl.SIMDWarning(cfg.Backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	// Which columns are inputs, and which of them look like labels: on
	// standard error before training, on standard output with the tables.
	if _, err := data.WriteFeatures(stderr, ds); err != nil {
		return err
	}
	if _, err := data.WriteClassWarnings(stderr, ds); err != nil {
		return err
	}
	tr.Progress = mon.Step
	writeSkipped(stderr, skipped)
	ctx, stop := signalContext()
	defer stop()
	fmt.Fprintf(stderr, "tag run: %d tasks, budgets %v, methods %s, out %s, %s\n", len(exp.Tasks), planned.Budgets,
		strings.Join(planned.Methods, ","), out, rc.exec.Describe(f.workers))
	res, err := experiment.Run(ctx, out, exp, tr, sel)
	if err != nil {
		return err
	}
	if _, err := data.WriteFeatures(stdout, ds); err != nil {
		return err
	}
	if err := report.WriteTable(stdout, res); err != nil {
		return err
	}
	writeSkipped(stdout, res.Skipped)
	l := experiment.Layout{Dir: out}
	if res.Reuse != nil {
		if err := writeReuse(stdout, res.Reuse, l); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "results: %s\n", l.Results())
	if !f.noReport {
		paths, err := report.Write(out, res)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s (%d files)\n", l.Report(), len(paths))
	}
	return nil
}

// writeSkipped prints one line per default method left out of the run.
func writeSkipped(w io.Writer, skipped []experiment.Skip) {
	for _, s := range skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Method, s.Reason)
	}
}
