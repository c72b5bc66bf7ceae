package experiment

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/tagroup/tag/stats"
)

// A method is one way of deciding which networks serve the tasks, as one
// self-contained part: the networks it needs before it can choose (phase 1),
// the groupings it then trains for each budget (phase 2), and how it turns
// the served groupings into its result. The run only iterates methods; each
// lives in its own file and is listed once in registry.
type method interface {
	// name is the method's name in Config.Methods, results.json and the
	// report.
	name() string
	// budgeted is false for a method that trains the same networks whatever
	// the budget (mtl, stl, the loss-balancing baselines); its result is
	// reported once, under AllBudgets.
	budgeted() bool
	// prepare returns the units the method needs before it can choose its
	// groups; they are trained in phase 1, together with every other
	// method's.
	prepare(t *trial) ([]unit, error)
	// candidates returns, once phase 1 is finished, the groupings to train
	// for budget k (0 for a method that is not budgeted); they are put in
	// run order and checked, then trained in phase 2.
	candidates(t *trial, k int) ([]grouping, error)
	// pick returns the method's result for budget k from its candidates,
	// each served (see trial.serve) in the order candidates returned them.
	pick(t *trial, k int, served []*BudgetResult) *BudgetResult
	// needs returns what the method needs for n tasks under c (see
	// Plan): its networks per seed whatever the budgets and its selection
	// rule.
	needs(n int, c Config) needs
	// groupingCost returns the units whose training is the method's cost of
	// reaching its groups (none for a method that needs no measurement);
	// it is called after phase 2, when t.chosen holds every candidate.
	groupingCost(t *trial) []unit
}

// grouping is one candidate set of networks: its groups and the multi-task
// update rule they are trained with ("" for the plain sum of losses).
type grouping struct {
	groups  [][]string
	balance string
}

// registry lists every method in report order: adding a method is a file
// and a line here.
var registry = []method{
	fixed{MTL, "", allTasks, one},
	fixed{STL, "", singleTasks, perTask},
	fixed{UW, UW, allTasks, one},
	fixed{GradNorm, GradNorm, allTasks, one},
	fixed{PCGrad, PCGrad, allTasks, one},
	random{},
	hoa{},
	fromAffinity{method: CS, matrix: cosineMatrix},
	fromAffinity{method: TAG, matrix: affinityMatrix},
	consensus{},
	fromAffinity{method: TAGPaper, matrix: affinityMatrix, rule: RulePaper},
	tagRefine{},
	randomBest{},
	randomSized{},
	optimal{},
}

// lookup returns the registered method with the given name.
func lookup(name string) (method, bool) {
	for _, m := range registry {
		if m.name() == name {
			return m, true
		}
	}
	return nil, false
}

// single is embedded by methods that train one grouping per budget and
// report it as is.
type single struct{}

func (single) budgeted() bool { return true }

func (single) pick(_ *trial, _ int, served []*BudgetResult) *BudgetResult { return served[0] }

// selected checks and wraps the groups a selector chose for method name
// and budget k.
func (t *trial) selected(name string, k int, groups [][]string, err error) ([]grouping, error) {
	if err != nil {
		return nil, fmt.Errorf("method %s, budget %d: selection: %w", name, k, err)
	}
	g, err := t.canonical("method "+name+" selection", k, groups)
	if err != nil {
		return nil, err
	}
	return plain(g), nil
}

// trial is one seed of a run: what a method sees of it.
type trial struct {
	*run
	seed uint64
	// chosen holds, once phase 1 is finished, every method's candidate
	// groupings by budget (as candidates returned them, checked).
	chosen map[string]map[int][]grouping
}

// candidateUnits returns the units of every candidate grouping method
// chose at every budget (see trial.chosen).
func (t *trial) candidateUnits(method string) []unit {
	var us []unit
	for _, k := range t.cfg.Budgets {
		for _, g := range t.chosen[method][k] {
			us = append(us, t.units(g)...)
		}
	}
	return us
}

// tasks returns the run's tasks, in run order.
func (t *trial) tasks() []string { return t.cfg.Tasks }

// group returns the unit that trains tasks (already in run order) with the
// plain sum of losses.
func (t *trial) group(tasks ...string) unit {
	return unit{kind: kindGroup, tasks: tasks, seed: t.seed}
}

// affinity returns the unit of the affinity run on all tasks.
func (t *trial) affinity() unit {
	return unit{kind: kindAffinity, tasks: t.cfg.Tasks, seed: t.seed, cont: t.conts[t.seed]}
}

// units returns the group units of a grouping.
func (t *trial) units(g grouping) []unit {
	us := make([]unit, len(g.groups))
	for i, tasks := range g.groups {
		us[i] = t.group(tasks...)
		us[i].balance = g.balance
	}
	return us
}

// budgetUnits returns the units of every grouping that candidates returns
// for each of the run's budgets.
func (t *trial) budgetUnits(candidates func(*trial, int) ([]grouping, error)) ([]unit, error) {
	var us []unit
	for _, k := range t.cfg.Budgets {
		gs, err := candidates(t, k)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			us = append(us, t.units(g)...)
		}
	}
	return us, nil
}

// plain wraps groups as groupings trained with the plain sum of losses.
func plain(groups ...[][]string) []grouping {
	out := make([]grouping, len(groups))
	for i, g := range groups {
		out[i] = grouping{groups: g}
	}
	return out
}

// subsets returns every non-empty subset of the tasks, in run order, with
// size at most maxSize.
func (t *trial) subsets(maxSize int) [][]string {
	n := len(t.cfg.Tasks)
	var out [][]string
	for mask := 1; mask < 1<<n; mask++ {
		var g []string
		for i, task := range t.cfg.Tasks {
			if mask&(1<<i) != 0 {
				g = append(g, task)
			}
		}
		if len(g) <= maxSize {
			out = append(out, g)
		}
	}
	return out
}

// canonical puts a grouping returned by a selector into run order (tasks
// within a group, then groups by their task positions), drops repeated
// groups, and checks that it has at most budget groups (when budget > 0)
// covering every task.
func (e *run) canonical(who string, budget int, groups [][]string) ([][]string, error) {
	covered := map[string]bool{}
	var out [][]string
	for gi, g := range groups {
		if len(g) == 0 {
			return nil, fmt.Errorf("%s, budget %d: group %d is empty", who, budget, gi+1)
		}
		c := slices.Clone(g)
		for _, t := range c {
			if _, ok := e.idx[t]; !ok {
				return nil, fmt.Errorf("%s, budget %d: group %d has unknown task %q", who, budget, gi+1, t)
			}
			covered[t] = true
		}
		slices.SortFunc(c, func(a, b string) int { return e.idx[a] - e.idx[b] })
		if len(slices.Compact(slices.Clone(c))) != len(c) {
			return nil, fmt.Errorf("%s, budget %d: group %d lists a task twice", who, budget, gi+1)
		}
		out = append(out, c)
	}
	pos := func(g []string) []int {
		p := make([]int, len(g))
		for i, t := range g {
			p[i] = e.idx[t]
		}
		return p
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(pos(a), pos(b)) })
	out = slices.CompactFunc(out, slices.Equal)
	if budget > 0 && len(out) > budget {
		return nil, fmt.Errorf("%s returned %d groups for budget %d", who, len(out), budget)
	}
	for _, t := range e.cfg.Tasks {
		if !covered[t] {
			return nil, fmt.Errorf("%s, budget %d: no group serves task %q", who, budget, t)
		}
	}
	return out, nil
}

// cost sums the seconds and steps of distinct units.
func (e *run) cost(us []unit) (seconds float64, steps int64, count int) {
	for _, j := range e.st.distinct(us) {
		r := e.st.get(j.u)
		seconds += r.seconds()
		steps += r.steps()
		count++
	}
	return seconds, steps, count
}

// serve assigns every task to the group whose network has the lowest
// validation loss for it (the first such group on ties) and reports that
// network's test metrics.
func (t *trial) serve(g grouping) *BudgetResult {
	b := &BudgetResult{Groups: g.groups, PerTask: map[string]TaskResult{}}
	us := t.units(g)
	for _, task := range t.cfg.Tasks {
		best := TaskResult{ServedBy: -1}
		for gi, u := range us {
			if !slices.Contains(u.tasks, task) {
				continue
			}
			m := t.st.get(u).Group.Tasks[task]
			if best.ServedBy < 0 || m.Validation.Loss < best.ValidationLoss {
				best = TaskResult{TestLoss: m.Test.Loss, TestError: m.Test.Error, ValidationLoss: m.Validation.Loss, ServedBy: gi}
			}
		}
		b.PerTask[task] = best
		b.TotalTestLoss += best.TestLoss
		b.TotalTestError += best.TestError
	}
	n := float64(len(t.cfg.Tasks))
	b.MeanTestLoss, b.MeanTestError = b.TotalTestLoss/n, b.TotalTestError/n
	secs, steps, _ := t.cost(us)
	b.TrainSeconds, b.TrainSteps = secs, float64(steps)
	for _, u := range us {
		b.Units = append(b.Units, u.key(t.st.configHash))
	}
	return b
}

// bestOnValidation returns the served grouping with the lowest total
// validation loss (the first on ties). Losses are summed in task order, so
// that ties break the same way in every run.
func bestOnValidation(tasks []string, served []*BudgetResult) *BudgetResult {
	best, bestLoss := served[0], math.Inf(1)
	for _, b := range served {
		var v float64
		for _, task := range tasks {
			v += b.PerTask[task].ValidationLoss
		}
		if v < bestLoss {
			best, bestLoss = b, v
		}
	}
	return best
}

// meanStd returns the mean and the sample standard deviation (stats.Mean,
// stats.StdDev), the deviation 0 rather than undefined for fewer than two
// values.
func meanStd(xs []float64) (mean, std float64) {
	if len(xs) < 2 {
		return stats.Mean(xs), 0
	}
	return stats.Mean(xs), stats.StdDev(xs)
}

// sortedUnion returns the distinct strings of lists, sorted.
func sortedUnion(lists ...[]string) []string {
	set := map[string]bool{}
	for _, l := range lists {
		for _, s := range l {
			set[s] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
