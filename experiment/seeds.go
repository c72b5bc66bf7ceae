package experiment

import (
	"math"
	"slices"

	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

// combineSeeds summarises one method's results at one budget over the
// repetitions of the experiment (one per seed, in seed order): totals and
// per-task metrics are means over seeds, and the per-seed totals are kept
// so that methods can be compared pair by pair.
func combineSeeds(per []*BudgetResult) *BudgetResult {
	b := *per[0]
	for _, p := range per {
		b.TotalTestLossSeeds = append(b.TotalTestLossSeeds, p.TotalTestLoss)
		b.TotalTestErrorSeeds = append(b.TotalTestErrorSeeds, p.TotalTestError)
	}
	if len(per) == 1 {
		return &b
	}
	n := float64(len(per))
	b.PerTask = map[string]TaskResult{}
	var units [][]string
	b.TrainSeconds, b.TrainSteps = 0, 0
	b.Seeds, b.SeedGroups, b.SeedTotalTestLoss, b.SeedTotalTestError, b.TotalTestLossDraws = nil, nil, nil, nil, nil
	var drawVar float64
	for _, p := range per {
		b.GroupsBySeed = append(b.GroupsBySeed, p.Groups)
		b.TrainSeconds += p.TrainSeconds / n
		b.TrainSteps += p.TrainSteps / n
		units = append(units, p.Units)
		for task, tr := range p.PerTask {
			acc, seen := b.PerTask[task]
			if seen && acc.ServedBy != tr.ServedBy {
				acc.ServedBy = -1
			} else if !seen {
				acc.ServedBy = tr.ServedBy
			}
			acc.TestLoss += tr.TestLoss / n
			acc.TestError += tr.TestError / n
			acc.ValidationLoss += tr.ValidationLoss / n
			b.PerTask[task] = acc
		}
		b.Seeds = append(b.Seeds, p.Seeds...)
		b.SeedGroups = append(b.SeedGroups, p.SeedGroups...)
		b.SeedTotalTestLoss = append(b.SeedTotalTestLoss, p.SeedTotalTestLoss...)
		b.SeedTotalTestError = append(b.SeedTotalTestError, p.SeedTotalTestError...)
		b.TotalTestLossDraws = append(b.TotalTestLossDraws, p.TotalTestLossDraws...)
		if p.TotalTestLossStd != nil {
			drawVar += *p.TotalTestLossStd * *p.TotalTestLossStd / n
		}
	}
	b.TotalTestLoss, _ = meanStd(b.TotalTestLossSeeds)
	if iv, err := stats.MeanInterval(b.TotalTestLossSeeds, Level); err == nil {
		b.TotalTestLossCI95 = &[2]float64{iv.Lo, iv.Hi}
	}
	b.TotalTestError, _ = meanStd(b.TotalTestErrorSeeds)
	tasks := float64(len(b.PerTask))
	b.MeanTestLoss, b.MeanTestError = b.TotalTestLoss/tasks, b.TotalTestError/tasks
	b.Units = sortedUnion(units...)
	if per[0].TotalTestLossStd != nil {
		// Random groupings: the spread between groupings within a seed,
		// pooled over seeds (seed-to-seed changes are in
		// TotalTestLossSeeds).
		std := math.Sqrt(drawVar)
		var errVar float64
		for _, p := range per {
			errVar += *p.TotalTestErrorStd * *p.TotalTestErrorStd / n
		}
		estd := math.Sqrt(errVar)
		b.TotalTestLossStd, b.TotalTestErrorStd = &std, &estd
	}
	if allEqual(b.GroupsBySeed) {
		b.GroupsBySeed = nil
	}
	return &b
}

// allEqual reports whether every grouping equals the first.
func allEqual(gs [][][]string) bool {
	for _, g := range gs[1:] {
		if !slices.EqualFunc(g, gs[0], slices.Equal) {
			return false
		}
	}
	return true
}

// affinityResult returns the affinity run that tag and cs select on in
// trial t: its own, or with Config.PoolAffinity the mean of the matrices of
// every trial's affinity run.
func (t *trial) affinityResult() *AffinityResult {
	own := t.st.get(t.affinity()).Affinity
	if !t.cfg.PoolAffinity || len(t.trials) == 1 {
		return own
	}
	pooled := *own
	var zs, cs []*taskmatrix.Matrix
	for _, o := range t.trials {
		a := t.st.get(o.affinity()).Affinity
		zs = append(zs, a.Affinity)
		if a.Cosine != nil {
			cs = append(cs, a.Cosine)
		}
	}
	pooled.Affinity = meanMatrix(zs)
	pooled.Cosine = nil
	if len(cs) == len(zs) {
		pooled.Cosine = meanMatrix(cs)
	}
	return &pooled
}

// meanMatrix returns the element-wise mean of matrices over the same tasks.
func meanMatrix(ms []*taskmatrix.Matrix) *taskmatrix.Matrix {
	out := taskmatrix.New(ms[0].Tasks)
	for _, m := range ms {
		for i := range m.Values {
			for j, v := range m.Values[i] {
				out.Values[i][j] += v / float64(len(ms))
			}
		}
	}
	return out
}

// affinitySummary returns the affinity run of the first seed for the
// report (with pooled matrices under Config.PoolAffinity), if one ran.
func (e *run) affinitySummary() (*AffinitySummary, bool) {
	t := e.trials[0]
	if _, ok := e.st.lookup(t.affinity()); !ok {
		return nil, false
	}
	a := t.affinityResult()
	return &AffinitySummary{Affinity: a.Affinity, Cosine: a.Cosine, Trajectory: a.Trajectory, Steps: a.Steps, Seconds: a.Seconds, Continued: a.Continued}, true
}
