package experiment

import (
	"fmt"

	"github.com/tagroup/tag/taskmatrix"
)

// CandidateSelector is implemented by a Selector that can propose several
// good groupings on one matrix, best first (tag-refine trains them all).
type CandidateSelector interface {
	SelectCandidates(m *taskmatrix.Matrix, rule string, budget, count int) ([][][]string, error)
}

// tagRefine is TAG calibrated by a few real trainings: the affinity run's
// Config.Candidates best groupings of the selection objective are each
// trained, and the one with the lowest total validation loss is kept. Its
// fair counterpart is random-best.
type tagRefine struct{}

func (tagRefine) name() string   { return TAGRefine }
func (tagRefine) budgeted() bool { return true }
func (tagRefine) needs(_ int, c Config) needs {
	return needs{networks: 1, rule: c.Rule, candidates: c.Candidates}
}
func (tagRefine) prepare(t *trial) ([]unit, error) { return []unit{t.affinity()}, nil }

func (tagRefine) candidates(t *trial, k int) ([]grouping, error) {
	cs, ok := t.sel.(CandidateSelector)
	if !ok {
		return nil, fmt.Errorf("method %s: the selector cannot propose several groupings", TAGRefine)
	}
	groupings, err := cs.SelectCandidates(t.affinityResult().Affinity, t.cfg.Rule, k, t.cfg.Candidates)
	if err != nil {
		return nil, fmt.Errorf("method %s, budget %d: selection: %w", TAGRefine, k, err)
	}
	var out []grouping
	for _, g := range groupings {
		c, err := t.canonical("method "+TAGRefine+" selection", k, g)
		if err != nil {
			return nil, err
		}
		out = append(out, grouping{groups: c})
	}
	return out, nil
}

func (tagRefine) pick(t *trial, _ int, served []*BudgetResult) *BudgetResult {
	return bestOnValidation(t.tasks(), served)
}

// groupingCost is the affinity run and every candidate network of every
// budget.
func (tagRefine) groupingCost(t *trial) []unit {
	return append(t.candidateUnits(TAGRefine), t.affinity())
}
