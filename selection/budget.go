package selection

import (
	"fmt"
	"math"
)

// Budget limits the groups that may be chosen: every group has an integer
// cost in units, and the chosen groups together may cost at most Limit.
type Budget struct {
	// Name describes the budget, e.g. "3 networks".
	Name string
	// Limit is the number of units available.
	Limit int
	// Cost is the cost of one group in units; it must be at least 1. It
	// must be safe for concurrent use.
	Cost func(g Set) int
	// SizeCost, if not nil, states that Cost depends on a group's size
	// alone: Cost(g) == SizeCost(g.Len()) for every group. [Anytime] uses
	// it to prove a tighter bound; when nil, the bound assumes only that
	// every group costs at least one unit.
	SizeCost func(size int) int
	// Spend, for a rule whose groups are disjoint ([Partitioner]), asks for
	// a grouping that costs as many units as any allowed grouping can,
	// best first by score among those: with [MaxNetworks](k), exactly
	// min(k, n) groups. [Exact] supports it for any cost; [Anytime] when
	// SizeCost is set.
	Spend bool
}

// checkSpendRule refuses Budget.Spend for a rule whose groups may overlap:
// spending is defined for partitions only.
func checkSpendRule(r Rule, b Budget) error {
	if b.Spend && !isDisjoint(r) {
		return fmt.Errorf("spending the whole budget needs a rule with disjoint groups (zsum)")
	}
	return nil
}

// MaxNetworks is TAG's budget: at most k groups, each costing one unit.
func MaxNetworks(k int) Budget {
	one := func(int) int { return 1 }
	return Budget{Name: fmt.Sprintf("%d networks", k), Limit: k,
		Cost: func(g Set) int { return one(g.Len()) }, SizeCost: one}
}

// StandleyCost is the cost model of Standley et al. (2020): a multi-task
// network costs 1, a single-task network 0.5, and the chosen networks may
// cost at most budget. Units are halves.
func StandleyCost(budget float64) Budget {
	limit := -1
	if budget >= 0 && !math.IsInf(budget, 0) {
		limit = int(math.Floor(2*budget + 1e-9))
	}
	bySize := func(size int) int {
		if size == 1 {
			return 1
		}
		return 2
	}
	return Budget{
		Name:     fmt.Sprintf("cost %g (Standley)", budget),
		Limit:    limit,
		Cost:     func(g Set) int { return bySize(g.Len()) },
		SizeCost: bySize,
	}
}

// GroupCost is a general resource limit: group g costs cost(g) ≥ 1 units
// and the chosen groups may cost at most limit units.
func GroupCost(limit int, cost func(g Set) int) Budget {
	return Budget{Name: fmt.Sprintf("cost limit %d", limit), Limit: limit, Cost: cost}
}

// cost returns the cost of g, refusing costs below one unit.
func (b Budget) cost(g Set) (int, error) {
	c := b.Cost(g)
	if c < 1 {
		return 0, fmt.Errorf("budget %s: group %v costs %d units; costs must be at least 1", b.Name, g, c)
	}
	return c, nil
}
