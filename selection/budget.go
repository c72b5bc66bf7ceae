package selection

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tagroup/tag/taskmatrix"
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

// Cost models of ParseBudgets.
const (
	// CostNetworks counts networks: a budget is k, at most k groups
	// (MaxNetworks).
	CostNetworks = "networks"
	// CostStandley is the cost model of Standley et al. (StandleyCost).
	CostStandley = "standley"
)

// BudgetEntry is one entry of a budget list: its text, its value (int
// networks or float cost, as printed in JSON) and its Budget.
type BudgetEntry struct {
	Text   string
	Value  any
	Budget Budget
}

// BudgetError is a refused entry of a budget list: bad input.
type BudgetError struct{ Err error }

// Error returns the reason.
func (e *BudgetError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *BudgetError) Unwrap() error { return e.Err }

// BadInput marks the error as the user's: commands exit with status 2.
func (e *BudgetError) BadInput() {}

// ParseBudgets reads a comma-separated list of budgets under the cost
// model (CostNetworks: whole numbers of networks, at least 1; CostStandley:
// costs of at least one single-task network, 0.5). Errors are
// *BudgetError naming the entry.
func ParseBudgets(list, model string) ([]BudgetEntry, error) {
	bad := func(format string, args ...any) error { return &BudgetError{fmt.Errorf(format, args...)} }
	var out []BudgetEntry
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		switch model {
		case CostNetworks:
			k, err := strconv.Atoi(f)
			if err != nil {
				return nil, bad("%q is not a whole number of networks", f)
			}
			if k < 1 {
				return nil, bad("%d networks; must be at least 1", k)
			}
			out = append(out, BudgetEntry{f, k, MaxNetworks(k)})
		case CostStandley:
			c, err := strconv.ParseFloat(f, 64)
			if err != nil || c != c || c > 1e6 {
				return nil, bad("%q is not a cost", f)
			}
			if c < 0.5 {
				return nil, bad("cost %g is below one single-task network (0.5)", c)
			}
			out = append(out, BudgetEntry{f, c, StandleyCost(c)})
		default:
			return nil, bad("cost model %q: want %s or %s", model, CostNetworks, CostStandley)
		}
	}
	return out, nil
}

// EntryError is the failure of one entry of a budget list to solve
// (SolveEntries): Err wraps ErrInfeasible when no allowed grouping covers
// every task within the entry's budget.
type EntryError struct {
	Entry BudgetEntry
	Err   error
}

// Error names the entry and the reason.
func (e *EntryError) Error() string { return fmt.Sprintf("budget %s: %v", e.Entry.Text, e.Err) }

// Unwrap returns the underlying error.
func (e *EntryError) Unwrap() error { return e.Err }

// SolveEntries is SolveMatrixAll for the entries of a budget list: every
// entry in one pass where the rule can. When that fails, the entries are
// solved one by one to find the first at fault, returned as an
// *EntryError; an error no single entry has is returned as it is.
func SolveEntries(m *taskmatrix.Matrix, rule string, entries []BudgetEntry, opt Options) ([]*Result, error) {
	bs := make([]Budget, len(entries))
	for i, e := range entries {
		bs[i] = e.Budget
	}
	results, err := SolveMatrixAll(m, rule, bs, opt)
	if err == nil {
		return results, nil
	}
	for _, e := range entries {
		if _, err := SolveMatrix(m, rule, e.Budget, opt); err != nil {
			return nil, &EntryError{e, err}
		}
	}
	return nil, err
}
