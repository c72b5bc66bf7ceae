package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// Metrics are one task's loss and error on one split.
type Metrics struct {
	// Loss is the task's mean loss (cross-entropy or squared error).
	Loss float64 `json:"loss"`
	// Error is the task's error rate (classification) or mean squared error
	// (regression).
	Error float64 `json:"error"`
}

// TaskMetrics are one task's metrics on the validation and test splits.
type TaskMetrics struct {
	// Validation metrics drive selection and serving.
	Validation Metrics `json:"validation"`
	// Test metrics are reported.
	Test Metrics `json:"test"`
}

// GroupResult is the outcome of training one network on a group of tasks.
type GroupResult struct {
	// Tasks holds the metrics of every task of the group, by task name.
	Tasks map[string]TaskMetrics `json:"tasks"`
	// Steps is the number of training steps taken.
	Steps int64 `json:"steps"`
	// Seconds is the training time of the network.
	Seconds float64 `json:"seconds"`
}

// AffinityResult is the outcome of the one training run of all tasks
// together during which the inter-task affinities are measured.
type AffinityResult struct {
	// Affinity is Ẑ: row i, column j = mean Z_{i→j} over the recorded steps.
	Affinity *taskmatrix.Matrix `json:"affinity"`
	// Cosine is the mean cosine similarity of the per-task gradients with
	// respect to the shared parameters, in the same orientation; nil if the
	// engine did not measure it.
	Cosine *taskmatrix.Matrix `json:"cosine,omitempty"`
	// Trajectory holds per-epoch means of Z for every ordered pair.
	Trajectory []taskmatrix.Point `json:"trajectory,omitempty"`
	// Tasks holds the metrics of every task of the affinity network.
	Tasks map[string]TaskMetrics `json:"tasks"`
	// Steps is the number of training steps taken.
	Steps int64 `json:"steps"`
	// Seconds is the time of the whole run, lookaheads included.
	Seconds float64 `json:"seconds"`
	// Continued is set when the run continued an earlier one
	// (Job.Continue): Steps and Seconds are then the continuation's.
	Continued *ContinuedRun `json:"continued,omitempty"`
}

// ContinuedRun says how an affinity run that continued an earlier one
// (Job.Continue) ended.
type ContinuedRun struct {
	// Stop names why the measurement ended (the stop rule met, the
	// recipe's early stopping, its last epoch, nothing added) and
	// StopReason says it in words.
	Stop       string `json:"stop"`
	StopReason string `json:"stop_reason"`
	// Start says where the training of the continuation started (the
	// seed's initialization, the earlier run's snapshot a quarter of the
	// way through, its final weights), StartNote why that is not the
	// start asked for; both empty when nothing was trained.
	Start     string `json:"start,omitempty"`
	StartNote string `json:"start_note,omitempty"`
}

// Continuation is what an affinity run continues from instead of
// starting from scratch: the finished affinity unit From of an earlier
// run on the same data and recipe, whose state (Job.StateDir of that
// unit) was copied into this run's Layout.State(From). The old tasks less
// Removed, then Added, are the new task list; the run trains all tasks
// (from where the trainer's continuation starts) and measures the pairs
// involving an added task until the groups at Budgets (under Rule) are
// stable, keeping the old pairs' sums.
type Continuation struct {
	From    string   `json:"from"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Budgets []int    `json:"budgets"`
	Rule    string   `json:"rule"`
	// ScratchSteps are the steps of the affinity run from scratch that
	// the chain of continuations started from.
	ScratchSteps int64 `json:"scratch_steps"`
	// Settings are the Trainer's settings of the continuation that change
	// its result besides Budgets and Rule (ContinueSettings: where its
	// training starts, the stop rule's parameters), as decoded from JSON;
	// nil for a Trainer without any. They are part of the unit's key, as
	// Budgets and Rule are: a unit continued under other settings (by
	// another version of tag, say, whose continuation started elsewhere)
	// is trained anew, not reused.
	Settings map[string]any `json:"settings,omitempty"`
	// State is the folder of From's state in this run, and Old From's
	// result (both set in Job).
	State string          `json:"-"`
	Old   *AffinityResult `json:"-"`
}

// from is the key of the unit continued, "" for none.
func (c *Continuation) from() string {
	if c == nil {
		return ""
	}
	return c.From
}

// Job is one network for a Trainer to train.
type Job struct {
	// Key is the unit's key: the name of its file and checkpoint folder.
	Key string
	// Tasks are the network's tasks, in the run's task order.
	Tasks []string
	// Seed seeds the weights and the data order.
	Seed uint64
	// UpdateRule names the loss-balancing or gradient-surgery update rule of
	// the multi-task step ("" for the plain sum of the task losses; see
	// UpdateRules).
	UpdateRule string
	// CheckpointDir, if not empty, is a folder (named by the run's Layout
	// after the unit's key) where the network keeps an exact checkpoint while
	// it trains, so that an interrupted network continues where it stopped.
	// The experiment removes it once the unit's result is written.
	CheckpointDir string
	// StateDir, for an affinity run, is a folder (Layout.State of the
	// unit's key) where the run leaves what a continuation of it needs
	// (Continuation); the experiment keeps it. Empty: nothing to leave.
	StateDir string
	// Continue, for an affinity run, makes it continue an earlier one
	// instead of starting from scratch; nil for a run from scratch.
	Continue *Continuation
}

// UpdateRules lists the multi-task update rules a Job may name besides the
// plain sum of losses: uncertainty weighting (Kendall et al. 2018), GradNorm
// (Chen et al. 2018) and PCGrad (Yu et al. 2020).
var UpdateRules = []string{UW, GradNorm, PCGrad}

// Trainer trains networks with one fixed recipe. Implementations must be
// safe for concurrent use: units run in parallel. Given the same job, a
// Trainer must return the same metrics.
type Trainer interface {
	// Recipe describes everything besides the job that determines a unit's
	// result (architecture, optimizer, epochs, data options). It must be
	// JSON-serialisable; its hash keys the units and the run directory.
	Recipe() any
	// TrainGroup trains one network on the job's tasks from scratch.
	TrainGroup(ctx context.Context, job Job) (*GroupResult, error)
	// AffinityRun trains one network on all the job's tasks while measuring
	// the inter-task affinities (and, if available, gradient cosines).
	AffinityRun(ctx context.Context, job Job) (*AffinityResult, error)
}

// ContinueSettings is implemented by a Trainer whose continued affinity
// runs (Job.Continue) depend on settings of its own besides the budgets
// and the rule. ContinueSettings returns them, JSON-serialisable; Run
// records them in each Continuation (Settings), where the Trainer reads
// them back from the Job.
type ContinueSettings interface {
	ContinueSettings() any
}

// continueSettings returns tr's ContinueSettings as decoded from JSON, nil
// for a Trainer without any.
func continueSettings(tr Trainer) (map[string]any, error) {
	cs, ok := tr.(ContinueSettings)
	if !ok {
		return nil, nil
	}
	b, err := json.Marshal(cs.ContinueSettings())
	if err != nil {
		return nil, fmt.Errorf("encoding the settings of a continuation: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("the settings of a continuation %s: %w", b, err)
	}
	return m, nil
}

// Rule names of package selection used by the methods (declared there).
const (
	// RuleZSum is the default rule for an affinity-like matrix (TAG's Ẑ,
	// the gradient cosines): per-target standardized affinities summed over
	// groupmates less a charge per groupmate, disjoint groups, singletons
	// at 0.
	RuleZSum = selection.RuleZSum
	// RulePaper is the rule of the TAG paper: task j scores the mean over
	// its partners i in G of M[i][j]; groups may overlap (tag-paper).
	RulePaper = selection.RulePaper
	// RulePairLoss minimises, over tasks j, the mean of min over chosen
	// groups G ∋ j of the mean over partners i in G of L[i][j], where a
	// singleton scores L[j][j] (HOA).
	RulePairLoss = selection.RulePairLoss
	// DefaultRule is the affinity rule of tag, cs and tag-refine when
	// Config.Rule is empty.
	DefaultRule = selection.DefaultRule
)

// GroupLoss is the true validation loss of every task of one trained group.
type GroupLoss struct {
	// Tasks is the group.
	Tasks []string
	// Loss maps each task of the group to its validation loss.
	Loss map[string]float64
}

// Selector chooses at most budget groups whose union is every task.
// Groups may overlap.
type Selector interface {
	// Select picks groups from a task matrix under the named rule of package
	// selection (RuleZSum, RulePaper, RulePairLoss, ...).
	Select(m *taskmatrix.Matrix, rule string, budget int) ([][]string, error)
	// SelectTrueLosses picks groups from the true losses of trained groups,
	// minimising the mean over tasks of the lowest loss among the chosen
	// groups containing the task; only listed groups may be chosen.
	SelectTrueLosses(groups []GroupLoss, tasks []string, budget int) ([][]string, error)
}

// BudgetChecker is implemented by a Selector that can tell before anything
// is trained that a budget admits no grouping (for example a group-size cap
// under which k networks cannot hold every task); Run then refuses the
// configuration with a ConfigError.
type BudgetChecker interface {
	CheckBudget(tasks, budget int) error
}

// SelectorSettings is implemented by a Selector whose settings (a solver
// seed, a group-size cap, ...) change the groups it picks; Run records
// them in Results.Selection.
type SelectorSettings interface {
	Settings() any
}

// checkMetrics reports an error naming the unit and task if a task of tasks
// has no metrics or a non-finite one.
func checkMetrics(unit string, tasks []string, got map[string]TaskMetrics) error {
	for _, t := range tasks {
		m, ok := got[t]
		if !ok {
			return fmt.Errorf("unit %s: trainer returned no metrics for task %q", unit, t)
		}
		for _, s := range []struct {
			split string
			m     Metrics
		}{{"validation", m.Validation}, {"test", m.Test}} {
			if err := s.m.check(); err != nil {
				return fmt.Errorf("unit %s: task %q, %s %w", unit, t, s.split, err)
			}
		}
	}
	return nil
}

// check tells whether m can be a task's metrics: a loss that is finite and
// not negative (cross-entropy and squared error are not), and an error that
// is an error rate in [0, 1] or, for a regression task, equal to the loss
// (the mean squared error).
func (m Metrics) check() error {
	for _, v := range []float64{m.Loss, m.Error} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("metric %v is not finite", v)
		}
	}
	if m.Loss < 0 {
		return fmt.Errorf("loss %v is negative", m.Loss)
	}
	if m.Error < 0 || m.Error > 1 && m.Error != m.Loss {
		return fmt.Errorf("error %v is neither an error rate in [0, 1] nor the loss %v (a regression task's mean squared error)", m.Error, m.Loss)
	}
	return nil
}
