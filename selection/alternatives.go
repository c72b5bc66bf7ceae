package selection

import (
	"fmt"
	"slices"

	"github.com/tagroup/tag/taskmatrix"
)

// without is a rule that refuses one exact group and scores the others as
// the wrapped rule does. Refusing a group only lowers the optimum, so the
// wrapped rule's bounds stay valid; the wrapped rule's partition semantics
// ([Partitioner]) are kept.
type without struct {
	Rule
	refused Set
}

// withoutList is without for a rule that allows only the groups it lists.
type withoutList struct{ without }

// refuse returns r without group g.
func refuse(r Rule, g Set) Rule {
	w := without{Rule: r, refused: g}
	if _, ok := r.(groupLister); ok {
		return &withoutList{w}
	}
	return &w
}

// Scores refuses the refused group and delegates the others.
func (w *without) Scores(g Set, s []float64) bool {
	return g != w.refused && w.Rule.Scores(g, s)
}

// Disjoint is the wrapped rule's (see [Partitioner]).
func (w *without) Disjoint() bool { return isDisjoint(w.Rule) }

// SizeBounds are the wrapped rule's, or its task bound at every size.
func (w *without) SizeBounds() [][]float64 { return sizeBoundsOf(w.Rule) }

// listedGroups are the wrapped rule's, less the refused group.
func (w *withoutList) listedGroups() []Set {
	return slices.DeleteFunc(w.Rule.(groupLister).listedGroups(), func(g Set) bool { return g == w.refused })
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
	slices.SortStableFunc(groups, func(a, c []int) int { return len(c) - len(a) })
	for _, members := range groups {
		g := SetOf(members...)
		if len(out) >= count {
			break
		}
		alt, err := Solve(refuse(r, g), b, opt)
		if err != nil {
			continue // no grouping within the budget avoids g
		}
		if !slices.ContainsFunc(out, func(o *Result) bool { return slices.EqualFunc(o.Groups, alt.Groups, slices.Equal) }) {
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
