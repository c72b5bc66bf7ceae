package experiment

import (
	"math/rand/v2"
)

// random is the random-groupings baseline: for each budget k, several
// random partitions of the tasks into k groups (Config.RandomSeeds of
// them), each trained; reported as the mean and standard deviation of
// their totals.
type random struct{}

func (random) name() string               { return Random }
func (random) budgeted() bool             { return true }
func (random) groupingCost(*trial) []unit { return nil }

// needs: no network whatever the budget, no selection.
func (random) needs(int, Config) needs { return needs{} }

// randomDraws returns the first count random groupings of budget k in
// trial t, in run order; random and random-best share them.
func randomDraws(t *trial, k, count int) ([]grouping, error) {
	var out []grouping
	for r := range count {
		// The draws depend on the run's first seed only: every seed trains
		// the same random groupings, so that the spread between groupings
		// can be told from seed-to-seed noise (see Analysis.Grouping).
		g, err := t.canonical("random grouping", k, randomGrouping(t.tasks(), k, t.cfg.Seed, r))
		if err != nil {
			return nil, err
		}
		out = append(out, grouping{groups: g})
	}
	return out, nil
}

// prepare trains the random groupings in phase 1: they depend on no
// measurement.
func (m random) prepare(t *trial) ([]unit, error) { return t.budgetUnits(m.candidates) }

// candidates are the budget's Config.RandomSeeds random groupings.
func (random) candidates(t *trial, k int) ([]grouping, error) {
	return randomDraws(t, k, t.cfg.RandomSeeds)
}

// pick summarises the served random groupings: per-task and total means,
// the standard deviation of the totals, and each grouping's totals.
func (random) pick(t *trial, _ int, per []*BudgetResult) *BudgetResult {
	b := &BudgetResult{Groups: per[0].Groups, PerTask: map[string]TaskResult{}}
	n := float64(len(per))
	var units [][]string
	var losses, errs []float64
	for r, p := range per {
		b.Seeds = append(b.Seeds, uint64(r))
		b.SeedGroups = append(b.SeedGroups, p.Groups)
		losses = append(losses, p.TotalTestLoss)
		errs = append(errs, p.TotalTestError)
		b.TrainSeconds += p.TrainSeconds / n
		b.TrainSteps += p.TrainSteps / n
		units = append(units, p.Units)
		for task, tr := range p.PerTask {
			acc := b.PerTask[task]
			acc.TestLoss += tr.TestLoss / n
			acc.TestError += tr.TestError / n
			acc.ValidationLoss += tr.ValidationLoss / n
			acc.ServedBy = -1
			b.PerTask[task] = acc
		}
	}
	b.SeedTotalTestLoss, b.SeedTotalTestError = losses, errs
	b.TotalTestLossDraws = [][]float64{losses}
	var lossStd, errStd float64
	b.TotalTestLoss, lossStd = meanStd(losses)
	b.TotalTestError, errStd = meanStd(errs)
	b.TotalTestLossStd, b.TotalTestErrorStd = &lossStd, &errStd
	tasks := float64(len(t.tasks()))
	b.MeanTestLoss, b.MeanTestError = b.TotalTestLoss/tasks, b.TotalTestError/tasks
	b.Units = sortedUnion(units...)
	return b
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
