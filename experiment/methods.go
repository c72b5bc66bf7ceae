package experiment

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/tagroup/tag/taskmatrix"
)

// run is one call of Run: the normalized configuration, the selector and the
// unit store.
type run struct {
	cfg Config
	sel Selector
	st  *store
	idx map[string]int // task → position in cfg.Tasks
}

func (e *run) phase(format string, args ...any) {
	if e.cfg.Phase != nil {
		e.cfg.Phase(fmt.Sprintf(format, args...))
	}
}

// group returns the unit that trains tasks (already in run order).
func (e *run) group(tasks ...string) unit {
	return unit{kind: kindGroup, tasks: tasks, seed: e.cfg.Seed}
}

// subsets returns every non-empty subset of the tasks, in run order, with
// size at most maxSize.
func (e *run) subsets(maxSize int) [][]string {
	n := len(e.cfg.Tasks)
	var out [][]string
	for mask := 1; mask < 1<<n; mask++ {
		var g []string
		for i, t := range e.cfg.Tasks {
			if mask&(1<<i) != 0 {
				g = append(g, t)
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
// groups, and checks that it has at most budget groups covering every task.
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
	if len(out) > budget {
		return nil, fmt.Errorf("%s returned %d groups for budget %d", who, len(out), budget)
	}
	for _, t := range e.cfg.Tasks {
		if !covered[t] {
			return nil, fmt.Errorf("%s, budget %d: no group serves task %q", who, budget, t)
		}
	}
	return out, nil
}

// randomGrouping partitions the tasks into min(k, n) non-empty groups at
// random, deterministically for the seed: a random permutation deals one
// task to each group, and each remaining task goes to a group drawn
// uniformly. (This is not uniform over set partitions: balanced groupings
// are somewhat more likely than with a uniform partition.)
func randomGrouping(tasks []string, k int, seed uint64, draw int) [][]string {
	r := rand.New(rand.NewPCG(seed, uint64(k)<<32|uint64(draw)))
	m := min(k, len(tasks))
	groups := make([][]string, m)
	for i, p := range r.Perm(len(tasks)) {
		g := i
		if i >= m {
			g = r.IntN(m)
		}
		groups[g] = append(groups[g], tasks[p])
	}
	return groups
}

// units returns the group units of a grouping.
func (e *run) units(groups [][]string) []unit {
	us := make([]unit, len(groups))
	for i, g := range groups {
		us[i] = e.group(g...)
	}
	return us
}

// cost sums the seconds and steps of distinct units.
func (e *run) cost(us []unit) (seconds float64, steps int64, count int) {
	seen := map[string]bool{}
	for _, u := range us {
		k := u.key(e.st.configHash)
		if seen[k] {
			continue
		}
		seen[k] = true
		r := e.st.get(u)
		seconds += r.seconds()
		steps += r.steps()
		count++
	}
	return seconds, steps, count
}

// serve assigns every task to the group whose network has the lowest
// validation loss for it (the first such group on ties) and reports that
// network's test metrics.
func (e *run) serve(groups [][]string) *BudgetResult {
	b := &BudgetResult{Groups: groups, PerTask: map[string]TaskResult{}}
	for _, t := range e.cfg.Tasks {
		best := TaskResult{ServedBy: -1}
		for gi, g := range groups {
			if !slices.Contains(g, t) {
				continue
			}
			m := e.st.get(e.group(g...)).Group.Tasks[t]
			if best.ServedBy < 0 || m.Validation.Loss < best.ValidationLoss {
				best = TaskResult{TestLoss: m.Test.Loss, TestError: m.Test.Error, ValidationLoss: m.Validation.Loss, ServedBy: gi}
			}
		}
		b.PerTask[t] = best
		b.TotalTestLoss += best.TestLoss
		b.TotalTestError += best.TestError
	}
	n := float64(len(e.cfg.Tasks))
	b.MeanTestLoss, b.MeanTestError = b.TotalTestLoss/n, b.TotalTestError/n
	us := e.units(groups)
	secs, steps, _ := e.cost(us)
	b.TrainSeconds, b.TrainSteps = secs, float64(steps)
	for _, u := range us {
		b.Units = append(b.Units, u.key(e.st.configHash))
	}
	return b
}

// meanStd returns the mean and the sample standard deviation (0 for fewer
// than two values).
func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// combineRandom summarises the per-seed results of random groupings.
func (e *run) combineRandom(per []*BudgetResult) *BudgetResult {
	b := &BudgetResult{Groups: per[0].Groups, PerTask: map[string]TaskResult{}}
	n := float64(len(per))
	units := map[string]bool{}
	var losses, errs []float64
	for r, p := range per {
		b.Seeds = append(b.Seeds, uint64(r))
		b.SeedGroups = append(b.SeedGroups, p.Groups)
		losses = append(losses, p.TotalTestLoss)
		errs = append(errs, p.TotalTestError)
		b.TrainSeconds += p.TrainSeconds / n
		b.TrainSteps += p.TrainSteps / n
		for _, u := range p.Units {
			units[u] = true
		}
		for t, tr := range p.PerTask {
			acc := b.PerTask[t]
			acc.TestLoss += tr.TestLoss / n
			acc.TestError += tr.TestError / n
			acc.ValidationLoss += tr.ValidationLoss / n
			acc.ServedBy = -1
			b.PerTask[t] = acc
		}
	}
	b.SeedTotalTestLoss, b.SeedTotalTestError = losses, errs
	var lossStd, errStd float64
	b.TotalTestLoss, lossStd = meanStd(losses)
	b.TotalTestError, errStd = meanStd(errs)
	b.TotalTestLossStd, b.TotalTestErrorStd = &lossStd, &errStd
	tasks := float64(len(e.cfg.Tasks))
	b.MeanTestLoss, b.MeanTestError = b.TotalTestLoss/tasks, b.TotalTestError/tasks
	b.Units = slices.Sorted(maps.Keys(units))
	return b
}

// pairLosses builds HOA's matrix from validation losses: row i, column j =
// loss of j trained with i; the diagonal holds the single-task losses.
func (e *run) pairLosses() *taskmatrix.Matrix {
	ts := e.cfg.Tasks
	m := taskmatrix.New(ts)
	for i := range ts {
		for j := range ts {
			u := e.group(ts[j])
			if i < j {
				u = e.group(ts[i], ts[j])
			} else if i > j {
				u = e.group(ts[j], ts[i])
			}
			m.Values[i][j] = e.st.get(u).Group.Tasks[ts[j]].Validation.Loss
		}
	}
	return m
}

// trueLosses lists the validation losses of every trained subset.
func (e *run) trueLosses(subsets [][]string) []GroupLoss {
	out := make([]GroupLoss, len(subsets))
	for i, g := range subsets {
		r := e.st.get(e.group(g...)).Group
		l := make(map[string]float64, len(g))
		for _, t := range g {
			l[t] = r.Tasks[t].Validation.Loss
		}
		out[i] = GroupLoss{Tasks: slices.Clone(g), Loss: l}
	}
	return out
}

// run executes the experiment: phase 1 trains everything that does not
// depend on a selection, then groups are selected, phase 2 trains the
// chosen groups, and the results are assembled.
func (e *run) run(ctx context.Context) (*Results, error) {
	c := e.cfg
	e.idx = map[string]int{}
	for i, t := range c.Tasks {
		e.idx[t] = i
	}
	all := c.Tasks
	aff := unit{kind: kindAffinity, tasks: all, seed: c.Seed}
	singles, pairs := e.subsets(1), [][]string(nil)
	for _, g := range e.subsets(2) {
		if len(g) == 2 {
			pairs = append(pairs, g)
		}
	}
	var subsets [][]string
	if c.has(Optimal) {
		subsets = e.subsets(len(all))
	}

	// Phase 1.
	var p1 []unit
	if c.has(TAG) || c.has(CS) {
		p1 = append(p1, aff)
	}
	if c.has(MTL) {
		p1 = append(p1, e.group(all...))
	}
	hoaUnits := append(e.units(singles), e.units(pairs)...)
	if c.has(STL) {
		p1 = append(p1, e.units(singles)...)
	}
	if c.has(HOA) {
		p1 = append(p1, hoaUnits...)
	}
	p1 = append(p1, e.units(subsets)...)
	random := map[int][][][]string{}
	if c.has(Random) {
		for _, k := range c.Budgets {
			for r := range c.RandomSeeds {
				g, err := e.canonical("random grouping", k, randomGrouping(all, k, c.Seed, r))
				if err != nil {
					return nil, err
				}
				random[k] = append(random[k], g)
				p1 = append(p1, e.units(g)...)
			}
		}
	}
	e.phase("phase 1: affinity run, baselines and grouping units")
	if err := e.st.ensure(ctx, p1); err != nil {
		return nil, err
	}

	// Selection.
	res := &Results{Data: c.Data, Tasks: all, Seed: c.Seed, Budgets: c.Budgets, Methods: map[string]*MethodResult{}}
	type selector func(k int) ([][]string, error)
	selectors := map[string]selector{}
	grouping := map[string][]unit{}
	if c.has(TAG) || c.has(CS) {
		a := e.st.get(aff).Affinity
		res.Affinity = &AffinitySummary{Affinity: a.Affinity, Cosine: a.Cosine, Trajectory: a.Trajectory, Steps: a.Steps, Seconds: a.Seconds}
		if c.has(TAG) {
			selectors[TAG] = func(k int) ([][]string, error) { return e.sel.Select(a.Affinity, MaxAffinity, k) }
			grouping[TAG] = []unit{aff}
		}
		if c.has(CS) {
			if a.Cosine == nil {
				return nil, fmt.Errorf("method cs: the affinity run gave no cosine matrix")
			}
			selectors[CS] = func(k int) ([][]string, error) { return e.sel.Select(a.Cosine, MaxAffinity, k) }
			grouping[CS] = []unit{aff}
		}
	}
	if c.has(HOA) {
		l := e.pairLosses()
		selectors[HOA] = func(k int) ([][]string, error) { return e.sel.Select(l, MinPairLoss, k) }
		grouping[HOA] = hoaUnits
	}
	if c.has(Optimal) {
		gl := e.trueLosses(subsets)
		selectors[Optimal] = func(k int) ([][]string, error) { return e.sel.SelectTrueLosses(gl, slices.Clone(all), k) }
		grouping[Optimal] = e.units(subsets)
	}
	chosen := map[string]map[int][][]string{}
	var p2 []unit
	for _, m := range Methods {
		s, ok := selectors[m]
		if !ok {
			continue
		}
		chosen[m] = map[int][][]string{}
		for _, k := range c.Budgets {
			g, err := s(k)
			if err != nil {
				return nil, fmt.Errorf("method %s, budget %d: selection: %w", m, k, err)
			}
			if g, err = e.canonical("method "+m+" selection", k, g); err != nil {
				return nil, err
			}
			chosen[m][k] = g
			p2 = append(p2, e.units(g)...)
		}
	}
	e.phase("phase 2: networks of the selected groups")
	if err := e.st.ensure(ctx, p2); err != nil {
		return nil, err
	}

	// Assembly.
	if c.has(MTL) {
		res.Methods[MTL] = &MethodResult{Budgets: map[string]*BudgetResult{AllBudgets: e.serve([][]string{all})}}
	}
	if c.has(STL) {
		res.Methods[STL] = &MethodResult{Budgets: map[string]*BudgetResult{AllBudgets: e.serve(singles)}}
	}
	if c.has(Random) {
		mr := &MethodResult{Budgets: map[string]*BudgetResult{}}
		for _, k := range c.Budgets {
			per := make([]*BudgetResult, len(random[k]))
			for r, g := range random[k] {
				per[r] = e.serve(g)
			}
			mr.Budgets[strconv.Itoa(k)] = e.combineRandom(per)
		}
		res.Methods[Random] = mr
	}
	for m, byK := range chosen {
		mr := &MethodResult{Budgets: map[string]*BudgetResult{}}
		mr.GroupingSeconds, mr.GroupingSteps, mr.GroupingUnits = e.cost(grouping[m])
		for k, g := range byK {
			mr.Budgets[strconv.Itoa(k)] = e.serve(g)
		}
		res.Methods[m] = mr
	}
	return res, nil
}
