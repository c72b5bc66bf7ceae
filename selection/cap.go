package selection

import (
	"fmt"
	"math"
)

// CapGroupSize returns r restricted to groups of at most max tasks: groups
// larger than max are refused, smaller ones are scored as by r. A max of 0
// or at least r.N() returns r itself. The result implements [SizeBounder]
// (sizes above max have the losing infinity) and, when r allows only the
// groups it lists (as [GroupLoss] does), lists only those within the cap.
func CapGroupSize(r Rule, max int) Rule {
	if max <= 0 || max >= r.N() {
		return r
	}
	if c, ok := r.(*capped); ok {
		r = c.Rule
	} else if c, ok := r.(*cappedList); ok {
		r = c.Rule
	}
	c := capped{Rule: r, max: max}
	c.bounds = c.sizeBounds()
	if _, ok := r.(groupLister); ok {
		return &cappedList{c}
	}
	return &c
}

// capped is a rule that refuses groups of more than max tasks.
type capped struct {
	Rule
	max    int
	bounds [][]float64 // SizeBounds, computed once; copied out
}

// Scores refuses groups over the cap and delegates the others.
func (c *capped) Scores(g Set, s []float64) bool {
	return g.Len() <= c.max && c.Rule.Scores(g, s)
}

// SizeBounds is the wrapped rule's size bounds (or, without them, its task
// bound at every size) with the losing infinity above the cap.
func (c *capped) SizeBounds() [][]float64 {
	out := make([][]float64, len(c.bounds))
	for j, b := range c.bounds {
		out[j] = append([]float64(nil), b...)
	}
	return out
}

// sizeBounds computes [capped.SizeBounds].
func (c *capped) sizeBounds() [][]float64 {
	n := c.N()
	lose := math.Inf(1)
	if !c.Minimize() {
		lose = math.Inf(-1)
	}
	out := sizeBoundsOf(c.Rule)
	for j := range out {
		for m := c.max + 1; m <= n; m++ {
			out[j][m] = lose
		}
	}
	return out
}

// TaskBound is the best of task j's size bounds within the cap.
func (c *capped) TaskBound(j int) float64 {
	b := c.bounds[j]
	best := b[1]
	for _, v := range b[2 : c.max+1] {
		if (c.Minimize() && v < best) || (!c.Minimize() && v > best) {
			best = v
		}
	}
	return best
}

// cappedList is a capped rule over a rule that lists its groups.
type cappedList struct{ capped }

// listedGroups lists the wrapped rule's groups within the cap.
func (c *cappedList) listedGroups() []Set {
	var out []Set
	for _, g := range c.Rule.(groupLister).listedGroups() {
		if g.Len() <= c.max {
			out = append(out, g)
		}
	}
	return out
}

// sizeBoundsOf returns r's size bounds ([SizeBounder]), or, for a rule
// without them, its task bound at every size.
func sizeBoundsOf(r Rule) [][]float64 {
	if sb, ok := r.(SizeBounder); ok {
		return sb.SizeBounds()
	}
	n := r.N()
	out := make([][]float64, n)
	for j := range out {
		out[j] = make([]float64, n+1)
		for m := 1; m <= n; m++ {
			out[j][m] = r.TaskBound(j)
		}
	}
	return out
}

// groupCap returns the cap of a rule made by [CapGroupSize], or 0.
func groupCap(r Rule) int {
	switch c := r.(type) {
	case *capped:
		return c.max
	case *cappedList:
		return c.max
	}
	return 0
}

// checkCapCover returns an error wrapping [ErrInfeasible] when b cannot
// pay for groups of at most max tasks that together hold n tasks. It
// knows group costs only through b.SizeCost; without it, every group is
// assumed to cost one unit, a lower bound on any cost.
func checkCapCover(n, max int, b Budget) error {
	if max <= 0 || max >= n {
		return nil
	}
	// least[t] is the least cost of groups of at most max tasks whose
	// sizes sum to at least t.
	least := make([]int, n+1)
	for t := 1; t <= n; t++ {
		least[t] = math.MaxInt
		for m := 1; m <= max; m++ {
			c := 1
			if b.SizeCost != nil {
				c = b.SizeCost(m)
			}
			if prev := least[t-min(t, m)]; prev != math.MaxInt && c >= 1 {
				least[t] = min(least[t], prev+c)
			}
		}
	}
	if least[n] > b.Limit {
		return fmt.Errorf("%w: groups of at most %d tasks covering all %d tasks cost at least %d units, over the limit of %d (%s)",
			ErrInfeasible, max, n, least[n], b.Limit, b.Name)
	}
	return nil
}

// explainCap adds the cap to an [ErrInfeasible] error from a capped solve.
func explainCap(err error, max int) error {
	if max > 0 && err == ErrInfeasible {
		return fmt.Errorf("%w with groups of at most %d tasks", ErrInfeasible, max)
	}
	return err
}
