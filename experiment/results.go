package experiment

import (
	"encoding/json"
	"io"

	"github.com/tagroup/tag/taskmatrix"
)

// TaskResult is one task's reported metrics under one method and budget.
type TaskResult struct {
	// TestLoss and TestError come from the network that serves the task.
	TestLoss  float64 `json:"test_loss"`
	TestError float64 `json:"test_error"`
	// ValidationLoss is the serving network's validation loss for the task,
	// the quantity that chose it among overlapping groups.
	ValidationLoss float64 `json:"validation_loss"`
	// ServedBy is the index in Groups of the serving group (-1 for random,
	// whose per-task numbers are means over seeds).
	ServedBy int `json:"served_by"`
}

// BudgetResult is a method's outcome for one budget (or "all" for mtl and
// stl).
type BudgetResult struct {
	// Groups are the chosen groups, each in the run's task order; for random,
	// its first grouping, the same under every seed (SeedGroups has all of them).
	Groups [][]string `json:"groups"`
	// PerTask holds each task's test metrics from its serving network.
	PerTask map[string]TaskResult `json:"per_task"`
	// TotalTestLoss and TotalTestError are sums over tasks (for random, the
	// mean over seeds of the per-seed sums).
	TotalTestLoss  float64 `json:"total_test_loss"`
	TotalTestError float64 `json:"total_test_error"`
	// MeanTestLoss and MeanTestError are the totals divided by the number
	// of tasks.
	MeanTestLoss  float64 `json:"mean_test_loss"`
	MeanTestError float64 `json:"mean_test_error"`
	// TrainSeconds and TrainSteps are the training cost of the chosen
	// networks (for random, the mean over seeds).
	TrainSeconds float64 `json:"train_seconds"`
	TrainSteps   float64 `json:"train_steps"`
	// Units are the keys of the unit files of the chosen networks (of every
	// seed).
	Units []string `json:"units"`
	// TotalTestLossSeeds and TotalTestErrorSeeds are the totals of each
	// seed of the experiment, in seed order (Results.Seeds); for random,
	// each seed's mean over its groupings. TotalTestLoss is their mean.
	TotalTestLossSeeds  []float64 `json:"total_test_loss_seeds"`
	TotalTestErrorSeeds []float64 `json:"total_test_error_seeds"`
	// TotalTestLossCI95 is the 95% Student-t interval of the mean of
	// TotalTestLossSeeds (set with at least two seeds).
	TotalTestLossCI95 *[2]float64 `json:"total_test_loss_ci95,omitempty"`
	// GroupsBySeed holds each seed's groups when they differ between seeds
	// (Groups holds the first seed's).
	GroupsBySeed [][][]string `json:"groups_by_seed,omitempty"`
	// TogetherBootstrap is set for tag-consensus: for each group, the share
	// of groupings selected on bootstrap resamples of the measured
	// trajectories that put its tasks together (see Together).
	TogetherBootstrap []float64 `json:"together_bootstrap,omitempty"`

	// The following are set for random only.

	// TotalTestLossStd and TotalTestErrorStd are sample standard deviations
	// (n − 1 denominator) of the totals of the random groupings of one seed
	// (pooled over seeds: the root of the mean of the variances).
	TotalTestLossStd  *float64 `json:"total_test_loss_std,omitempty"`
	TotalTestErrorStd *float64 `json:"total_test_error_std,omitempty"`
	// Seeds are the draw numbers of the random groupings; SeedGroups and
	// SeedTotalTestLoss, SeedTotalTestError are the grouping and totals of
	// each (with several experiment seeds, seed by seed, draws within).
	Seeds              []uint64     `json:"seeds,omitempty"`
	SeedGroups         [][][]string `json:"seed_groups,omitempty"`
	SeedTotalTestLoss  []float64    `json:"seed_total_test_loss,omitempty"`
	SeedTotalTestError []float64    `json:"seed_total_test_error,omitempty"`
	// TotalTestLossDraws holds, per seed of the experiment, the totals of
	// that seed's random groupings.
	TotalTestLossDraws [][]float64 `json:"total_test_loss_draws,omitempty"`
}

// MethodResult is one method's outcome for every budget.
type MethodResult struct {
	// GroupingSeconds and GroupingSteps are the training cost of reaching
	// the groups: tag and cs the affinity run, hoa every pair and single
	// task, optimal every subset; zero for mtl, stl and random. They are sums
	// of the units' own times, independent of how many ran in parallel.
	GroupingSeconds float64 `json:"grouping_seconds"`
	GroupingSteps   int64   `json:"grouping_steps"`
	// GroupingUnits is the number of networks the grouping phase trained.
	GroupingUnits int `json:"grouping_units"`
	// Budgets maps the budget ("2", "3", … or "all") to its outcome.
	Budgets map[string]*BudgetResult `json:"budgets"`
}

// AffinitySummary is the outcome of the affinity run, for the report.
type AffinitySummary struct {
	// Affinity is Ẑ (row i, column j = mean Z_{i→j}), in the run's task order.
	Affinity *taskmatrix.Matrix `json:"affinity"`
	// Cosine is the gradient cosine-similarity matrix, if measured.
	Cosine *taskmatrix.Matrix `json:"cosine,omitempty"`
	// Trajectory holds the per-epoch means of every ordered pair.
	Trajectory []taskmatrix.Point `json:"trajectory,omitempty"`
	// Steps and Seconds are the cost of the affinity run.
	Steps   int64   `json:"steps"`
	Seconds float64 `json:"seconds"`
	// Continued is set when the affinity run continued an earlier run's
	// (Config.From): Steps and Seconds are the continuation's.
	Continued *ContinuedRun `json:"continued,omitempty"`
}

// Results is the content of results.json.
type Results struct {
	// Data describes the data set (as given in Config.Data).
	Data map[string]any `json:"data"`
	// Tasks lists the tasks in run order.
	Tasks []string `json:"tasks"`
	// Seed is the training seed of every network of the first repetition.
	Seed uint64 `json:"seed"`
	// Seeds are the seeds of the repetitions of the experiment (Seed,
	// Seed+1, ...), the order of every per-seed list.
	Seeds []uint64 `json:"seeds"`
	// ConfigHash identifies the data and training recipe.
	ConfigHash string `json:"config_hash"`
	// Recipe is the Trainer's recipe.
	Recipe any `json:"recipe"`
	// Source is how the data were opened (Config.Source).
	Source any `json:"source,omitempty"`
	// Selection holds the Selector's settings, when it reports them
	// (SelectorSettings).
	Selection any `json:"selection,omitempty"`
	// Budgets lists the budgets run.
	Budgets []int `json:"budgets"`
	// Methods maps a method name to its outcome.
	Methods map[string]*MethodResult `json:"methods"`
	// Skipped lists the default methods left out at this task count, with
	// the reasons (see CheckMethods).
	Skipped []Skip `json:"skipped,omitempty"`
	// Analysis compares the methods with intervals over seeds and states a
	// verdict (see Analyze).
	Analysis *Analysis `json:"analysis,omitempty"`
	// Recommendation is what to serve (see Recommend).
	Recommendation *Recommendation `json:"recommendation,omitempty"`
	// Affinity is set when tag or cs ran.
	Affinity *AffinitySummary `json:"affinity,omitempty"`
	// Reuse is set for a run continued from another (Config.From).
	Reuse *Reuse `json:"reuse,omitempty"`
	// Executor records where this call of Run trained the units (Config.Executor)
	// and the jobs it submitted.
	Executor *ExecutorRecord `json:"executor,omitempty"`
}

// WriteJSON writes r as indented JSON.
func (r *Results) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadResults decodes a results.json.
func ReadResults(rd io.Reader) (*Results, error) {
	var r Results
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}
