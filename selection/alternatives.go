package selection

import (
	"fmt"
	"slices"

	"github.com/tagroup/tag/taskmatrix"
)

// without is a rule that refuses some exact groups and scores the others
// as the wrapped rule does. Refusing groups only lowers the optimum, so
// the wrapped rule's task bound stays a valid bound.
type without struct {
	Rule
	refused []Set
}

// Scores refuses the listed groups and delegates the others.
func (w *without) Scores(g Set, s []float64) bool {
	return !slices.Contains(w.refused, g) && w.Rule.Scores(g, s)
}

// Alternatives returns up to count distinct groupings that score well under
// r and b, best first: the best grouping (as [Solve] finds it) and then, for
// each of its groups, the best grouping that does not use that exact group
// (largest groups first). They are the candidates a calibrated method trains
// before keeping the one that is best on real validation losses: near the
// optimum of the objective, yet each differs from the best grouping in at
// least one group. It is not the exact list of the count best groupings.
func Alternatives(r Rule, b Budget, opt Options, count int) ([]*Result, error) {
	if count < 1 {
		return nil, fmt.Errorf("alternatives: count %d, want at least 1", count)
	}
	best, err := Solve(r, b, opt)
	if err != nil {
		return nil, err
	}
	out := []*Result{best}
	groups := slices.Clone(best.Groups)
	slices.SortStableFunc(groups, func(a, c Set) int { return c.Len() - a.Len() })
	for _, g := range groups {
		if len(out) >= count {
			break
		}
		alt, err := Solve(&without{Rule: r, refused: []Set{g}}, b, opt)
		if err != nil {
			continue // no grouping within the budget avoids g
		}
		if !slices.ContainsFunc(out, func(o *Result) bool { return slices.Equal(o.Groups, alt.Groups) }) {
			out = append(out, alt)
		}
	}
	s := sign(r)
	slices.SortStableFunc(out[1:], func(a, c *Result) int {
		switch {
		case s*a.Score > s*c.Score:
			return -1
		case s*a.Score < s*c.Score:
			return 1
		}
		return 0
	})
	return out, nil
}

// AlternativesMatrix is [Alternatives] for a labelled matrix and a rule
// name (see [NewRule]).
func AlternativesMatrix(m *taskmatrix.Matrix, rule string, b Budget, opt Options, count int) ([]*Result, error) {
	r, err := NewRule(m, rule, opt)
	if err != nil {
		return nil, err
	}
	return Alternatives(r, b, opt, count)
}
