// Package quality is the quality benchmark of the grouping methods: the
// experiment of package experiment on several data sets (built-in ones with
// planted or known structure and real multi-target data shipped by Debian
// packages), over several seeds, with many random groupings per budget, so
// that every method is placed within the distribution of random groupings
// and compared with training all tasks together, pair by pair over seeds.
//
// It answers, per data set: does the choice of grouping measurably matter
// (random groupings differ by more than training noise), and does each
// method (TAG with the default rule, TAG with the paper's rule, tag-refine)
// beat random groupings, the best of as many random groupings (random-best),
// one network (mtl) and one network per task (stl), with 95% intervals.
package quality

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/data/mnist"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
)

// Suite is one data set of the benchmark.
type Suite struct {
	// Name names the data set and its folder in the benchmark directory.
	Name string
	// About says what it is and where it comes from (licence included).
	About string
	// Open opens it; an error (a missing Debian package, say) skips the
	// suite with the error as the reason.
	Open func() (data.Dataset, error)
	// Known is true for data with planted or known task structure.
	Known bool
	// Planted is the budget of a planted grouping (0: none): the data were
	// generated from it, so TAG must beat random groupings there.
	Planted int
}

// Limit caps each split of the MNIST-based suites, so that the benchmark's
// thousands of small networks fit a 2-core machine.
const Limit = 3000

// Suites returns the benchmark's data sets: the built-in glyphs (the
// default run), all 18 glyph attributes, planted families, MNIST digit
// attributes, and the real multi-target sets of Debian packages
// (Fashion-MNIST attributes, scikit-learn's digits, Weka's supermarket
// baskets).
func Suites() []Suite {
	registered := func(name string) func() (data.Dataset, error) {
		return func() (data.Dataset, error) { return data.Open(name) }
	}
	suites := []Suite{
		{Name: "glyphs", About: "the default run's 4000 16×16 glyphs, 9 attributes in 3 families (built in)",
			Open: registered("glyphs")},
		{Name: "glyphs-all", About: "all 18 glyph attributes on all 62 characters, 4000 16×16 images like the default run's (built in)",
			Open: func() (data.Dataset, error) {
				return glyphs.New(glyphs.Options{N: 4000, Size: 16, Seed: 1, Chars: glyphs.AllChars})
			}},
		{Name: "planted", About: "synthetic: 3 families of 3 tasks with a known grouping (built in)", Open: registered("planted")},
		{Name: "mnist-attributes", About: fmt.Sprintf("MNIST digits, 6 attributes of the digit (Go module GoMNIST), %d per split", Limit),
			Open: func() (data.Dataset, error) { return mnist.NewAttributes(mnist.Options{Limit: Limit}) }},
		{Name: "fashion-mnist", About: fmt.Sprintf("Fashion-MNIST (Zalando, MIT; Debian dataset-fashion-mnist), 7 clothing attributes, %d per split", Limit),
			Open: func() (data.Dataset, error) { return mnist.NewFashionAttributes(mnist.Options{Limit: Limit}) }},
		{Name: "sklearn-digits", About: "scikit-learn's 1797 8×8 digits (UCI, CC BY 4.0; Debian python3-sklearn), 6 attributes", Open: registered("sklearn-digits")},
		{Name: "supermarket", About: "Weka's supermarket baskets (GPL-2+; Debian weka), 8 departments", Open: registered("supermarket")},
	}
	// What is known of each suite's task structure is the catalog's.
	for k, s := range suites {
		if r, ok := catalog.Lookup(s.Name); ok {
			suites[k].Known, suites[k].Planted = r.Structure != "", r.PlantedBudget
		}
	}
	return suites
}

// Recipe is the training recipe of a suite: the tuned recipe of a built-in
// data set (gomlxtrainer.Recipe), and for the others the same kind of recipe
// (gomlxtrainer.Narrow with 16 units, 15 epochs) so that tasks compete for the
// trunk and thousands of networks stay affordable.
func Recipe(ds data.Dataset) (mtl.Config, affinity.Options) {
	cfg, aff := gomlxtrainer.Recipe(ds)
	if catalog.RecipeWidth(ds) > 0 {
		return cfg, aff
	}
	gomlxtrainer.Narrow(&cfg, &aff, 16)
	cfg.Epochs = 15
	return cfg, aff
}

// DefaultMethods are the methods the benchmark compares.
var DefaultMethods = []string{experiment.MTL, experiment.STL, experiment.Random, experiment.RandomBest,
	experiment.RandomSized, experiment.TAG, experiment.TAGConsensus, experiment.TAGPaper, experiment.TAGRefine}

// Options configure a benchmark run.
type Options struct {
	// Dir holds one run directory per suite (resumable like any tag run).
	Dir string
	// Seeds is the number of repetitions (default 3).
	Seeds int
	// Budgets are the budgets (default 2, 3, 4, 5).
	Budgets []int
	// RandomSeeds is the number of random groupings per budget (default
	// 20).
	RandomSeeds int
	// Candidates is tag-refine's and random-best's number of groupings
	// (default experiment.DefaultCandidates).
	Candidates int
	// Methods are the methods to run, each of which must be able to run
	// on every suite; nil means DefaultMethods, those that cannot run on a
	// suite being skipped there (experiment.Config.Defaults).
	Methods []string
	// Epochs, if positive, replaces every suite's number of epochs.
	Epochs int
	// BudgetAsMaximum lets the zsum rule use fewer networks than the
	// budget allows (selection.Options.SpendBudget false; the default
	// spends it, selection.DefaultSpendBudget).
	BudgetAsMaximum bool
	// TrainingBatches makes the affinity runs measure Eq. 1 on the
	// training batch of the step, as the paper does, instead of the
	// recipe's validation batches (affinity.Options.Validation); every unit
	// is then trained anew.
	TrainingBatches bool
	// Workers bounds the networks trained at once (0: the core count).
	Workers int
	// Phase and Progress are passed to experiment.Config; Step to
	// gomlxtrainer.Trainer.
	Phase    func(string)
	Progress func(experiment.Progress)
	Step     func(experiment.Job, mtl.Progress)
}

func (o *Options) defaults() {
	if o.Seeds == 0 {
		o.Seeds = 3
	}
	if len(o.Budgets) == 0 {
		o.Budgets = []int{2, 3, 4, 5}
	}
	if o.RandomSeeds == 0 {
		o.RandomSeeds = 20
	}
}

// SuiteResult is one suite's outcome: its results, or why it was skipped.
type SuiteResult struct {
	Suite   Suite
	Skipped string
	Results *experiment.Results
}

// Report is the outcome of a benchmark run.
type Report struct {
	Options Options
	Suites  []SuiteResult
}

// Run runs the experiment on every suite in Dir/<suite name>. A suite whose
// data cannot be opened is skipped with the reason. Every suite's
// configuration is checked (experiment.CheckMethods) before anything is
// trained, so that a refusal comes first; a failure while training stops
// the benchmark (rerunning resumes it).
func Run(ctx context.Context, suites []Suite, opt Options) (*Report, error) {
	opt.defaults()
	rep := &Report{Options: opt}
	sel := gomlxtrainer.Selector{Options: selection.Options{Seed: 1, SpendBudget: !opt.BudgetAsMaximum}}
	type planned struct {
		suite Suite
		exp   experiment.Config
		tr    *gomlxtrainer.Trainer
	}
	var plans []planned
	for _, s := range suites {
		ds, err := s.Open()
		if err != nil {
			rep.Suites = append(rep.Suites, SuiteResult{Suite: s, Skipped: err.Error()})
			continue
		}
		cfg, aff := Recipe(ds)
		if opt.Epochs > 0 {
			cfg.Epochs = opt.Epochs
		}
		aff.Validation = aff.Validation && !opt.TrainingBatches
		var tasks []string
		for _, t := range ds.Tasks() {
			tasks = append(tasks, t.Name)
		}
		exp := experiment.Config{Tasks: tasks, Budgets: opt.Budgets, Methods: opt.Methods, Defaults: DefaultMethods, RandomSeeds: opt.RandomSeeds,
			Seed: 1, Seeds: opt.Seeds, Candidates: opt.Candidates, Workers: opt.Workers, Data: gomlxtrainer.Describe(ds),
			Phase: opt.Phase, Progress: opt.Progress}
		if _, _, err := experiment.CheckMethods(exp, sel); err != nil {
			return nil, fmt.Errorf("suite %s: %w", s.Name, err)
		}
		plans = append(plans, planned{s, exp, &gomlxtrainer.Trainer{Data: ds, Config: cfg, Affinity: aff, Progress: opt.Step}})
	}
	for _, p := range plans {
		if opt.Phase != nil {
			opt.Phase(fmt.Sprintf("suite %s: %d tasks, %d seeds, budgets %v", p.suite.Name, len(p.exp.Tasks), opt.Seeds, opt.Budgets))
		}
		res, err := experiment.Run(ctx, filepath.Join(opt.Dir, p.suite.Name), p.exp, p.tr, sel)
		if err != nil {
			var ce *experiment.ConfigError
			if errors.As(err, &ce) {
				return nil, fmt.Errorf("suite %s: %w", p.suite.Name, err)
			}
			return nil, fmt.Errorf("suite %s: %w (rerun to resume)", p.suite.Name, err)
		}
		rep.Suites = append(rep.Suites, SuiteResult{Suite: p.suite, Results: res})
	}
	return rep, nil
}
