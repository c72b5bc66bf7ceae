package experiment

import (
	"fmt"

	"github.com/tagroup/tag/taskmatrix"
)

// fromAffinity is a method that selects groups on a matrix measured in the
// one affinity run of all tasks: tag on the lookahead affinity Ẑ (Eq. 1),
// cs on the cosine similarity of the per-task gradients (both under
// Config.Rule), tag-paper on Ẑ under the paper's rule.
type fromAffinity struct {
	single
	method string
	// rule is the selection rule; "" means Config.Rule.
	rule string
	// matrix picks the method's matrix from the affinity run's result.
	matrix func(a *AffinityResult) (*taskmatrix.Matrix, error)
}

// affinityMatrix is TAG's Ẑ.
func affinityMatrix(a *AffinityResult) (*taskmatrix.Matrix, error) { return a.Affinity, nil }

// cosineMatrix is CS's gradient cosine matrix.
func cosineMatrix(a *AffinityResult) (*taskmatrix.Matrix, error) {
	if a.Cosine == nil {
		return nil, fmt.Errorf("method cs: the affinity run gave no cosine matrix")
	}
	return a.Cosine, nil
}

// needs: the affinity run, and selection under the method's rule.
func (m fromAffinity) needs(_ int, c Config) needs {
	rule := m.rule
	if rule == "" {
		rule = c.Rule
	}
	return needs{networks: 1, rule: rule}
}

func (m fromAffinity) name() string                     { return m.method }
func (m fromAffinity) prepare(t *trial) ([]unit, error) { return []unit{t.affinity()}, nil }
func (m fromAffinity) groupingCost(t *trial) []unit     { return []unit{t.affinity()} }

func (m fromAffinity) candidates(t *trial, k int) ([]grouping, error) {
	mat, err := m.matrix(t.affinityResult())
	if err != nil {
		return nil, err
	}
	rule := m.rule
	if rule == "" {
		rule = t.cfg.Rule
	}
	g, err := t.sel.Select(mat, rule, k)
	return t.selected(m.method, k, g, err)
}
