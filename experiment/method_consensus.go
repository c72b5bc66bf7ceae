package experiment

import (
	"math/rand/v2"

	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// BootstrapResamples is the number of bootstrap resamples of the measured
// trajectories behind tag-consensus's second stability figure
// (BudgetResult.TogetherBootstrap).
const BootstrapResamples = 20

// bootstrapMaxTasks is the most tasks for which that figure is computed:
// it selects BootstrapResamples times per budget.
const bootstrapMaxTasks = 64

// consensus is tag-consensus: one grouping per budget for every seed,
// selected under Config.Rule on the affinity pooled over the seeds' affinity
// runs (the mean of their column-standardised matrices, selection.Standardize,
// so that every seed weighs the same whatever the scale of its losses). Each
// seed then trains that same grouping under its own seed, so that it is
// compared with per-seed tag pair by pair. With one seed it is tag.
type consensus struct{}

func (consensus) budgeted() bool { return true }

func (consensus) name() string { return TAGConsensus }

// needs: the affinity run of every seed, and selection under Config.Rule.
func (consensus) needs(_ int, c Config) needs { return needs{networks: 1, rule: c.Rule} }

func (consensus) prepare(t *trial) ([]unit, error) { return []unit{t.affinity()}, nil }

// groupingCost is the affinity run of every seed: the consensus needs them
// all.
func (consensus) groupingCost(t *trial) []unit {
	us := make([]unit, len(t.trials))
	for i, o := range t.trials {
		us[i] = o.affinity()
	}
	return us
}

// candidates selects once per budget on the pooled matrix and hands every
// seed the same grouping.
func (consensus) candidates(t *trial, k int) ([]grouping, error) {
	if gs, ok := t.consensus[k]; ok {
		return gs, nil
	}
	ms := make([]*taskmatrix.Matrix, len(t.trials))
	for i, o := range t.trials {
		ms[i] = o.st.get(o.affinity()).Affinity.Affinity
	}
	g, err := t.sel.Select(PooledAffinity(ms), t.cfg.Rule, k)
	gs, err := t.selected(TAGConsensus, k, g, err)
	if err != nil {
		return nil, err
	}
	if t.consensus == nil {
		t.consensus, t.consensusBoot = map[int][]grouping{}, map[int][]float64{}
	}
	t.consensus[k] = gs
	t.consensusBoot[k] = t.bootstrapTogether(k, gs[0].groups)
	return gs, nil
}

// pick is the consensus grouping, with its stability across bootstrap
// resamples.
func (consensus) pick(t *trial, k int, served []*BudgetResult) *BudgetResult {
	b := served[0]
	b.TogetherBootstrap = t.consensusBoot[k]
	return b
}

// bootstrapTogether returns, for each of groups, the share of
// BootstrapResamples consensus groupings at budget k, each selected on the
// affinity pooled over seeds from epochs drawn with replacement from each
// seed's trajectory (the per-epoch means of Z), that put its tasks together
// (see Together). It is nil without trajectories, above bootstrapMaxTasks
// tasks, or when a selection fails.
func (t *trial) bootstrapTogether(k int, groups [][]string) []float64 {
	n := len(t.cfg.Tasks)
	if n > bootstrapMaxTasks {
		return nil
	}
	// epochs[s] holds seed s's per-epoch matrices.
	epochs := make([][]*taskmatrix.Matrix, len(t.trials))
	for s, o := range t.trials {
		byEpoch := map[int]*taskmatrix.Matrix{}
		var order []int
		for _, p := range o.st.get(o.affinity()).Affinity.Trajectory {
			i, okI := t.idx[p.Source]
			j, okJ := t.idx[p.Target]
			if !okI || !okJ {
				continue
			}
			m, ok := byEpoch[p.Epoch]
			if !ok {
				m = taskmatrix.New(t.cfg.Tasks)
				byEpoch[p.Epoch] = m
				order = append(order, p.Epoch)
			}
			m.Values[i][j] = p.Value
		}
		if len(order) < 2 {
			return nil
		}
		for _, e := range order {
			epochs[s] = append(epochs[s], byEpoch[e])
		}
	}
	r := rand.New(rand.NewPCG(t.cfg.Seed, uint64(k)))
	var groupings [][][]string
	for range BootstrapResamples {
		ms := make([]*taskmatrix.Matrix, len(epochs))
		for s, es := range epochs {
			draw := make([]*taskmatrix.Matrix, len(es))
			for i := range draw {
				draw[i] = es[r.IntN(len(es))]
			}
			ms[s] = meanMatrix(draw)
		}
		g, err := t.sel.Select(PooledAffinity(ms), t.cfg.Rule, k)
		if err != nil {
			return nil
		}
		groupings = append(groupings, g)
	}
	return Together(groups, groupings)
}

// PooledAffinity returns the mean of the column-standardised matrices ms
// (selection.Standardize), all over the same tasks: the affinity that
// tag-consensus selects on.
func PooledAffinity(ms []*taskmatrix.Matrix) *taskmatrix.Matrix {
	zs := make([]*taskmatrix.Matrix, len(ms))
	for i, m := range ms {
		zs[i] = &taskmatrix.Matrix{Tasks: m.Tasks, Values: selection.Standardize(m.Values)}
	}
	return meanMatrix(zs)
}
