package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// MaxNetworks is the most networks per seed that a method may train
// whatever the budgets (stl's n, hoa's n(n+1)/2, optimal's 2^n − 1): a
// method that needs more cannot run. Optimal's MaxOptimalTasks follows
// from it (2^12 − 1 = 4095).
const MaxNetworks = 5000

// DefaultSTLMaxTasks is the largest task count for which stl (one network
// per task) is on by default.
const DefaultSTLMaxTasks = 100

// defaultMaxTasks holds, for the methods whose networks grow with the task
// count, the largest count for which they are on by default.
var defaultMaxTasks = map[string]int{Optimal: DefaultOptimalMaxTasks, HOA: DefaultHOAMaxTasks, STL: DefaultSTLMaxTasks}

// needs is what a method needs for a task count: the networks it trains per
// seed whatever the budgets (the affinity run, stl's single tasks, hoa's
// pairs, optimal's subsets), and the selection rule it selects with (""
// for none).
type needs struct {
	networks float64
	rule     string
	// candidates is the number of groupings the method asks of the
	// selector per budget (tag-refine's Config.Candidates; 1 for the
	// others).
	candidates int
}

// SolveChecker is implemented by a Selector that can tell from the task
// count alone whether it can select under a rule and a budget (a rule's
// search limited in size, a group-size cap too small for the budget), one
// grouping (Select, count 1) or several (SelectCandidates); CheckMethods
// asks it for every method that selects, before anything is trained.
type SolveChecker interface {
	CheckSelect(tasks int, rule string, budget, count int) error
}

// Skip is a method left out of a run, with the reason.
type Skip struct {
	Method string `json:"method"`
	Reason string `json:"reason"`
}

// CheckMethods checks cfg before anything is trained and returns it normalized with
// the methods that will run. Every method is checked: that it trains at
// most MaxNetworks networks per seed whatever the budgets, and, for a
// method that selects, that sel can select for this many tasks under its
// rule at every budget (when sel is a SolveChecker). A method from the
// defaults (Config.Methods nil) that fails a check, or that is on by
// default only up to fewer tasks (optimal, hoa, stl), is left out and
// listed in the returned skips with the reason; a method asked for in
// Config.Methods that fails is a ConfigError naming it and the reason. A
// budget above the number of tasks, or one that sel refuses whatever the
// rule (BudgetChecker), is a ConfigError too.
func CheckMethods(cfg Config, sel Selector) (Config, []Skip, error) {
	explicit := cfg.Methods != nil
	if !explicit {
		cfg.Methods = cfg.Defaults
		if cfg.Methods == nil {
			cfg.Methods = slices.DeleteFunc(slices.Clone(Methods), func(m string) bool { return m == RandomSized })
		}
	}
	c, err := cfg.normalize()
	if err != nil {
		return cfg, nil, &ConfigError{err}
	}
	n := len(c.Tasks)
	if c.grouping() {
		bc, _ := sel.(BudgetChecker)
		for _, k := range c.Budgets {
			if k > n {
				return c, nil, &ConfigError{fmt.Errorf("budget %d is more than the %d tasks (a budget is a number of networks, each serving at least one task)", k, n)}
			}
			if bc != nil {
				if err := bc.CheckBudget(n, k); err != nil {
					return c, nil, &ConfigError{err}
				}
			}
		}
	}
	checked := map[string]error{} // by rule and budget
	check := func(rule string, count int) error {
		sc, ok := sel.(SolveChecker)
		if !ok || rule == "" {
			return nil
		}
		count = max(count, 1)
		for _, k := range c.Budgets {
			key := fmt.Sprintf("%s/%d/%d", rule, k, count)
			err, done := checked[key]
			if !done {
				err = sc.CheckSelect(n, rule, k, count)
				checked[key] = err
			}
			if err != nil {
				return fmt.Errorf("selection under rule %s at budget %d: %w", rule, k, err)
			}
		}
		return nil
	}
	var run []string
	var skips []Skip
	for _, name := range c.Methods {
		m, _ := lookup(name)
		nd := m.needs(n, c)
		var why error
		switch {
		case !explicit && defaultMaxTasks[name] > 0 && n > defaultMaxTasks[name]:
			why = fmt.Errorf("trains %s networks per seed for %d tasks; on by default up to %d tasks (ask for it with -methods)",
				networkCount(nd.networks), n, defaultMaxTasks[name])
		case nd.networks > MaxNetworks:
			why = fmt.Errorf("trains %s networks per seed for %d tasks, more than the %d a method may train", networkCount(nd.networks), n, MaxNetworks)
		default:
			why = check(nd.rule, nd.candidates)
		}
		switch {
		case why == nil:
			run = append(run, name)
		case explicit:
			return c, nil, &ConfigError{fmt.Errorf("method %s cannot run: %w", name, why)}
		default:
			skips = append(skips, Skip{Method: name, Reason: why.Error()})
		}
	}
	if len(run) == 0 {
		var why []string
		for _, s := range skips {
			why = append(why, s.Method+": "+s.Reason)
		}
		return c, skips, &ConfigError{fmt.Errorf("no method can run on %d tasks (%s)", n, strings.Join(why, "; "))}
	}
	c.Methods = run
	return c, skips, nil
}

// networkCount prints a network count, in powers of two beyond 2^40.
func networkCount(v float64) string {
	if v > 1<<40 {
		return fmt.Sprintf("about 2^%.0f", math.Log2(v))
	}
	return fmt.Sprintf("%.0f", v)
}
