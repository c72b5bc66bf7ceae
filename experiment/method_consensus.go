package experiment

import (
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// consensus is tag-consensus: one grouping per budget for every seed,
// selected under Config.Rule on the affinity pooled over the seeds' affinity
// runs (the mean of their column-standardised matrices, selection.Standardize,
// so that every seed weighs the same whatever the scale of its losses). Each
// seed then trains that same grouping under its own seed, so that it is
// compared with per-seed tag pair by pair. With one seed it is tag.
type consensus struct{ single }

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
		t.consensus = map[int][]grouping{}
	}
	t.consensus[k] = gs
	return gs, nil
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
