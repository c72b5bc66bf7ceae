package experiment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/dirlock"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// Method names.
const (
	MTL     = "mtl"
	STL     = "stl"
	TAG     = "tag"
	CS      = "cs"
	HOA     = "hoa"
	Random  = "random"
	Optimal = "optimal"
	// UW, GradNorm and PCGrad train all tasks in one network with
	// uncertainty weighting, GradNorm or PCGrad instead of the plain sum of
	// losses; they are also the names of those update rules in a Job.
	// TAGRefine trains the best few groupings of TAG's objective and keeps
	// the best on validation; RandomBest does the same with as many random
	// groupings.
	TAGRefine = "tag-refine"
	// TAGPaper is tag with the selection rule of the paper (RulePaper).
	TAGPaper = "tag-paper"
	// TAGConsensus is tag with one grouping per budget for every seed,
	// selected on the affinity pooled over the seeds (PooledAffinity).
	TAGConsensus = "tag-consensus"
	RandomBest   = "random-best"
	// RandomSized is random groupings with the group sizes tag chose
	// (under each seed and budget); not run by default.
	RandomSized = "random-sized"
	UW          = "uw"
	GradNorm    = "gradnorm"
	PCGrad      = "pcgrad"
)

// Methods lists every method in report order.
var Methods = func() []string {
	names := make([]string, len(registry))
	for i, m := range registry {
		names[i] = m.name()
	}
	return names
}()

// AllBudgets is the budget key of mtl and stl.
const AllBudgets = "all"

// DefaultOptimalMaxTasks is the largest task count for which optimal is on
// by default (2^8 − 1 = 255 networks).
const DefaultOptimalMaxTasks = 8

// MaxOptimalTasks is the largest task count optimal accepts at all: 2^12 − 1
// networks are within MaxNetworks, 2^13 − 1 are not.
const MaxOptimalTasks = 12

// DefaultCandidates is the number of groupings tag-refine and random-best
// train per budget.
const DefaultCandidates = 3

// DefaultRandomSeeds is the number of random groupings per budget.
const DefaultRandomSeeds = 5

// DefaultHOAMaxTasks is the largest task count for which hoa is on by
// default (16·17/2 = 136 networks); it trains n(n+1)/2 networks, 820 for
// 40 tasks.
const DefaultHOAMaxTasks = 16

// DefaultMethods returns the methods on by default for n tasks: all of
// them but random-sized, optimal only for n ≤ DefaultOptimalMaxTasks, hoa
// only for n ≤ DefaultHOAMaxTasks and stl only for n ≤ DefaultSTLMaxTasks.
// Plan may skip more of them (a selection that cannot be made at n).
func DefaultMethods(n int) []string {
	return slices.DeleteFunc(slices.Clone(Methods), func(m string) bool {
		return m == RandomSized || defaultMaxTasks[m] > 0 && n > defaultMaxTasks[m]
	})
}

// Config is one experiment.
type Config struct {
	// Tasks are the tasks to group, in report order.
	Tasks []string
	// Budgets are the numbers of networks allowed, each ≥ 1.
	Budgets []int
	// Methods to run: each must be able to run at this task count, or Run
	// refuses the configuration (see CheckMethods). Nil means Defaults.
	Methods []string
	// Defaults are the methods to try when Methods is nil (nil: every
	// method but random-sized); those that cannot run at this task count,
	// or are on by default only for fewer tasks (DefaultMethods), are
	// skipped and listed in Results.Skipped.
	Defaults []string
	// RandomSeeds is the number of random groupings per budget (0 means
	// DefaultRandomSeeds).
	RandomSeeds int
	// Seed is the training seed of every network (so that coinciding groups
	// are the same network) and the base of the random groupings' seeds.
	Seed uint64
	// Seeds is the number of repetitions of the whole experiment (0 means
	// 1): repetition r trains every network, the affinity run included,
	// with seed Seed + r, so that every method's totals are paired by seed.
	// The random groupings are the same in every repetition.
	Seeds int
	// Rule is the selection rule of tag, cs and tag-refine on their
	// affinity matrix ("" means DefaultRule); tag-paper always uses
	// RulePaper.
	Rule string
	// Candidates is the number of groupings tag-refine and random-best
	// train per budget before keeping the best on validation (0 means
	// DefaultCandidates).
	Candidates int
	// PoolAffinity makes tag and cs select, in every repetition, on the
	// mean of the matrices of all repetitions' affinity runs instead of
	// their own repetition's.
	PoolAffinity bool
	// Workers bounds the units trained at once (0 means runtime.NumCPU()).
	Workers int
	// Data describes the data set; it is written to results.json and hashed
	// with the Trainer's recipe.
	Data map[string]any
	// Source, if set, is how the command opened the data (for tag, a
	// catalog.Spec), written to results.json and not hashed: a run
	// continued from this one (PlanFrom, From.Recorded) opens the same
	// data without being told.
	Source any
	// Progress, if set, is called after each unit finishes or is reused;
	// calls never overlap.
	Progress func(Progress)
	// Phase, if set, is called with a line describing each phase.
	Phase func(string)
	// Executor trains the units of each phase; nil means Local (this
	// process, Workers at once). Another executor is handed each phase's
	// Plan of missing units (see Executor).
	Executor Executor
	// Worker is written into every Plan: what a worker process needs to
	// rebuild the Trainer (for tag, the arguments of `tag run`).
	Worker []string
	// From, if set, continues a finished run for a changed task set
	// (PlanFrom): Tasks must be From.Tasks(), the data and recipe those
	// of From's units; Results.Reuse says what was reused.
	From *From
}

// ConfigError is Run's refusal of a configuration: a bad Config, or a run
// directory made with another data set or recipe. Nothing was trained.
type ConfigError struct{ Err error }

// Error returns the reason for the refusal.
func (e *ConfigError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// BadInput marks the error as the user's: commands exit with status 2.
func (e *ConfigError) BadInput() {}

// normalize fills defaults and checks the configuration.
func (c Config) normalize() (Config, error) {
	if len(c.Tasks) == 0 {
		return c, errors.New("no tasks")
	}
	seen := map[string]bool{}
	for _, t := range c.Tasks {
		if strings.TrimSpace(t) == "" {
			return c, errors.New("a task has an empty name")
		}
		if seen[t] {
			return c, fmt.Errorf("task %q listed twice", t)
		}
		seen[t] = true
	}
	if c.Methods == nil {
		c.Methods = DefaultMethods(len(c.Tasks))
	}
	for _, m := range c.Methods {
		if !slices.Contains(Methods, m) {
			return c, fmt.Errorf("unknown method %q (want %s)", m, strings.Join(Methods, ", "))
		}
	}
	grouping := c.grouping()
	if grouping && len(c.Tasks) < 2 {
		return c, fmt.Errorf("grouping methods need at least 2 tasks; %d given (%s)", len(c.Tasks), strings.Join(c.Tasks, ", "))
	}
	if grouping && len(c.Budgets) == 0 {
		return c, errors.New("no budgets")
	}
	for _, k := range c.Budgets {
		if k < 1 {
			return c, fmt.Errorf("budget %d: must be at least 1", k)
		}
	}
	c.Budgets = slices.Compact(slices.Sorted(slices.Values(c.Budgets)))
	if c.Rule == "" {
		c.Rule = DefaultRule
	}
	if !slices.Contains(selection.AffinityRules, c.Rule) {
		return c, fmt.Errorf("selection rule %q: want one of %s", c.Rule, strings.Join(selection.AffinityRules, ", "))
	}
	if c.Candidates == 0 {
		c.Candidates = DefaultCandidates
	}
	if c.Candidates < 0 {
		return c, fmt.Errorf("candidates %d: must be positive", c.Candidates)
	}
	if c.Seeds == 0 {
		c.Seeds = 1
	}
	if c.Seeds < 0 {
		return c, fmt.Errorf("seeds %d: must be positive", c.Seeds)
	}
	if c.RandomSeeds == 0 {
		c.RandomSeeds = DefaultRandomSeeds
	}
	if c.RandomSeeds < 0 {
		return c, fmt.Errorf("random seeds %d: must be positive", c.RandomSeeds)
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("workers %d: must be positive", c.Workers)
	}
	return c, nil
}

func (c Config) has(method string) bool { return slices.Contains(c.Methods, method) }

// grouping reports whether a method that chooses groups per budget is
// among the (known) methods.
func (c Config) grouping() bool {
	return slices.ContainsFunc(c.Methods, func(name string) bool {
		m, ok := lookup(name)
		return ok && m.budgeted()
	})
}

// manifest is DIR/manifest.json: what the unit files of DIR depend on.
type manifest struct {
	ConfigHash string         `json:"config_hash"`
	Data       map[string]any `json:"data"`
	Recipe     any            `json:"recipe"`
}

// newManifest hashes the canonical JSON of the data description and recipe.
func newManifest(data map[string]any, recipe any) (*manifest, error) {
	m := &manifest{Data: data, Recipe: recipe}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding the data description and recipe: %w", err)
	}
	// Round-trip so the stored form compares equal to a decoded one, into
	// a fresh value: decoding into m would write into the caller's map.
	m = &manifest{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	m.ConfigHash = hex.EncodeToString(sum[:8])
	return m, nil
}

// settings are what the results of a run depend on, as the processes
// sharing a run directory must agree on them (dirlock): the data and recipe
// of its units, and the tasks, methods, budgets, seeds and selection
// settings of results.json. Workers and executor do not count.
func (c Config) settings(m *manifest) map[string]any {
	return map[string]any{
		"data": m.Data, "recipe": m.Recipe, "tasks": c.Tasks, "methods": c.Methods, "budgets": c.Budgets,
		"seed": c.Seed, "seeds": c.Seeds, "random_seeds": c.RandomSeeds, "rule": c.Rule,
		"candidates": c.Candidates, "pool_affinity": c.PoolAffinity, "from": c.fromDir(),
	}
}

// fromDir is the run that Config.From continues, "" for none.
func (c Config) fromDir() string {
	if c.From == nil {
		return ""
	}
	return c.From.Layout.Dir
}

// openDir writes the manifest of the run directory of l, or checks that an
// existing manifest has the same hash. The caller holds the directory's
// lock (dirlock), so that no other configuration can come between the
// look and the write.
func openDir(l Layout, m *manifest) error {
	p := l.Manifest()
	b, err := atomicfile.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		out, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.WriteBytes(p, append(out, '\n'))
	}
	if err != nil {
		return err
	}
	var old manifest
	if err := json.Unmarshal(b, &old); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if old.ConfigHash != m.ConfigHash {
		return &ConfigError{fmt.Errorf("%s was made with another data set or training recipe (config hash %s, now %s); use another output directory or delete this one",
			p, old.ConfigHash, m.ConfigHash)}
	}
	return nil
}

// Run runs the experiment in dir: it trains the units the methods need
// (reusing finished ones), selects groups, trains the chosen networks, and
// writes dir/results.json, plus dir/affinity.csv, dir/cosine.csv and
// dir/trajectory.csv when tag or cs ran. It returns the results.
func Run(ctx context.Context, dir string, cfg Config, tr Trainer, sel Selector) (*Results, error) {
	cfg, skipped, err := CheckMethods(cfg, sel)
	if err != nil {
		return nil, err
	}
	man, err := newManifest(cfg.Data, tr.Recipe())
	if err != nil {
		return nil, err
	}
	if cfg.From != nil {
		if err := cfg.From.Check(cfg, tr.Recipe()); err != nil {
			return nil, err
		}
	}
	l := Layout{Dir: dir}
	if err := l.makeDirs(); err != nil {
		return nil, err
	}
	lock, err := dirlock.Acquire(dir, cfg.settings(man))
	var conflict *dirlock.ConflictError
	if errors.As(err, &conflict) {
		return nil, &ConfigError{err}
	}
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	// Temporary files of writers killed before this run (a read-only
	// folder keeps them: nothing is written there either).
	if _, err := atomicfile.RemoveStaleTree(dir); err != nil && !atomicfile.ReadOnly(err) {
		return nil, err
	}
	if err := openDir(l, man); err != nil {
		return nil, err
	}
	e := &run{cfg: cfg, sel: sel, st: &store{
		layout: l, configHash: man.ConfigHash, trainer: tr,
		workers: cfg.Workers, progress: cfg.Progress, records: map[string]*unitRecord{},
	}}
	if cfg.From != nil {
		settings, err := continueSettings(tr)
		if err != nil {
			return nil, err
		}
		if e.conts, e.whyFresh, err = cfg.From.prepare(l, cfg, man.ConfigHash, settings); err != nil {
			return nil, err
		}
	}
	res, err := e.run(ctx)
	if err != nil {
		return nil, err
	}
	// Empty once every network has finished; kept (with the checkpoints of
	// unfinished networks) otherwise.
	os.Remove(l.Checkpoints())
	// The data description and recipe as stored (decoded from JSON), as
	// results.json and the report have always shown them.
	res.Data, res.ConfigHash, res.Recipe, res.Source = man.Data, man.ConfigHash, man.Recipe, cfg.Source
	res.Analysis = Analyze(res)
	res.Recommendation = Recommend(res, res.Analysis)
	res.Skipped = skipped
	if cfg.From != nil {
		res.Reuse = e.reuse(cfg.From, e.units)
	}
	if st, ok := sel.(SelectorSettings); ok {
		res.Selection = st.Settings()
	}
	if err := writeOutputs(l, res); err != nil {
		return nil, err
	}
	return res, nil
}

// writeOutputs writes results.json and the affinity files atomically.
func writeOutputs(l Layout, res *Results) error {
	if err := atomicfile.Write(l.Results(), res.WriteJSON); err != nil {
		return err
	}
	if res.Affinity == nil {
		return nil
	}
	return WriteAffinityFiles(l, res.Affinity)
}

// WriteAffinityFiles writes the matrices and the trajectory of an affinity
// run into the run directory of l (AffinityCSV, CosineCSV when measured,
// TrajectoryCSV), each atomically.
func WriteAffinityFiles(l Layout, a *AffinitySummary) error {
	if err := a.Affinity.WriteFile(l.AffinityCSV()); err != nil {
		return err
	}
	if a.Cosine != nil {
		if err := a.Cosine.WriteFile(l.CosineCSV()); err != nil {
			return err
		}
	}
	return taskmatrix.WriteTrajectoryFile(l.TrajectoryCSV(), a.Trajectory)
}

// run is one call of Run: the normalized configuration, the selector and the
// unit store.
type run struct {
	cfg    Config
	sel    Selector
	st     *store
	idx    map[string]int // task → position in cfg.Tasks
	trials []*trial       // one per seed
	jobs   []PhaseJobs    // what the executor submitted, per phase
	units  []unit         // every unit of both phases
	// conts continue From's affinity run of a seed; whyFresh says why a
	// seed's affinity run was not continued.
	conts    map[uint64]*Continuation
	whyFresh map[uint64]string
	// consensus holds tag-consensus's grouping per budget once selected,
	// consensusBoot its stability across bootstrap resamples.
	consensus     map[int][]grouping
	consensusBoot map[int][]float64
}

func (e *run) phase(format string, args ...any) {
	if e.cfg.Phase != nil {
		e.cfg.Phase(fmt.Sprintf(format, args...))
	}
}

// budgets returns the budgets a method is evaluated at: the run's budgets,
// or 0 alone for a method that is not budgeted.
func (e *run) budgets(m method) []int {
	if m.budgeted() {
		return e.cfg.Budgets
	}
	return []int{0}
}

// budgetKey is the key of budget k in MethodResult.Budgets.
func budgetKey(k int) string {
	if k == 0 {
		return AllBudgets
	}
	return strconv.Itoa(k)
}

// run executes the experiment: phase 1 trains every unit the methods need
// before they can choose, each method then chooses its candidate groupings
// for each budget, phase 2 trains them, and each method's result is
// assembled from its served candidates.
func (e *run) run(ctx context.Context) (*Results, error) {
	c := e.cfg
	e.idx = map[string]int{}
	for i, t := range c.Tasks {
		e.idx[t] = i
	}
	var methods []method
	for _, m := range registry {
		if c.has(m.name()) {
			methods = append(methods, m)
		}
	}
	e.trials = make([]*trial, c.Seeds)
	for i := range e.trials {
		e.trials[i] = &trial{run: e, seed: c.Seed + uint64(i)}
	}

	var p1 []unit
	for _, t := range e.trials {
		for _, m := range methods {
			us, err := m.prepare(t)
			if err != nil {
				return nil, err
			}
			p1 = append(p1, us...)
		}
	}
	e.phase("phase 1: affinity run, baselines and grouping units")
	e.units = append(e.units, p1...)
	if err := e.execute(ctx, 1, p1); err != nil {
		return nil, err
	}

	var p2 []unit
	for _, t := range e.trials {
		t.chosen = map[string]map[int][]grouping{}
		for _, m := range methods {
			t.chosen[m.name()] = map[int][]grouping{}
			for _, k := range e.budgets(m) {
				gs, err := m.candidates(t, k)
				if err != nil {
					return nil, err
				}
				t.chosen[m.name()][k] = gs
				for _, g := range gs {
					p2 = append(p2, t.units(g)...)
				}
			}
		}
	}
	e.phase("phase 2: networks of the selected groups")
	e.units = append(e.units, p2...)
	if err := e.execute(ctx, 2, p2); err != nil {
		return nil, err
	}

	res := &Results{Data: c.Data, Tasks: c.Tasks, Seed: c.Seed, Budgets: c.Budgets, Methods: map[string]*MethodResult{}, Executor: e.executorRecord()}
	for _, t := range e.trials {
		res.Seeds = append(res.Seeds, t.seed)
	}
	if a, ok := e.affinitySummary(); ok {
		res.Affinity = a
	}
	for _, m := range methods {
		mr := &MethodResult{Budgets: map[string]*BudgetResult{}}
		var secs []float64
		for _, t := range e.trials {
			s, steps, count := e.cost(m.groupingCost(t))
			secs = append(secs, s)
			mr.GroupingSteps += steps
			mr.GroupingUnits = count
		}
		mr.GroupingSeconds, _ = meanStd(secs)
		mr.GroupingSteps /= int64(len(e.trials))
		for _, k := range e.budgets(m) {
			per := make([]*BudgetResult, len(e.trials))
			for ti, t := range e.trials {
				gs := t.chosen[m.name()][k]
				served := make([]*BudgetResult, len(gs))
				for i, g := range gs {
					served[i] = t.serve(g)
				}
				per[ti] = m.pick(t, k, served)
			}
			mr.Budgets[budgetKey(k)] = combineSeeds(per)
		}
		res.Methods[m.name()] = mr
	}
	return res, nil
}
