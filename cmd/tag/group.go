package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tagroup/tag/report"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

func init() {
	register(&command{
		name:    "group",
		summary: "choose task groups for each budget from an affinity or pair-loss matrix",
		run:     runGroup,
	})
}

func runGroup(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("group", stderr)
	affFile := fs.String("affinity", "", "affinity `FILE` (CSV or JSON; row i, column j = effect of task i on task j), selected by -rule")
	ruleName := fs.String("rule", selection.DefaultRule, "with -affinity, the selection `RULE`: "+selection.RuleZSum+
		fmt.Sprintf(" (disjoint groups; a task scores the sum over its groupmates of their affinity onto it, standardized per target task, less %g each; 0 alone)", selection.ZSumCharge)+
		" or "+selection.RulePaper+" (the paper's: the mean in-group affinity; groups may overlap)")
	lossFile := fs.String("losses", "", "pair-loss `FILE` (row i, column j = loss of task j trained with task i; diagonal = single-task loss): minimize mean loss")
	budgets := fs.String("budget", "", "comma-separated `LIST` of budgets, each solved: numbers of networks (e.g. 2,3,4), or real costs with -cost standley (e.g. 1.5,2.5)")
	costModel := fs.String("cost", "networks", "budget `MODEL`: networks (at most K groups, TAG) or standley (multi-task network 1, single-task network 0.5)")
	singles := fs.Bool("allow-singletons", false, "with -rule paper: allow single-task groups, scoring -singleton-score (zsum always allows them, at 0)")
	singleScore := fs.Float64("singleton-score", 0, "with -allow-singletons: affinity score of a task trained alone")
	maxSize := fs.Int("max-group-size", 0, "allow only groups of at most `M` tasks (0: no cap)")
	spend := fs.Bool("spend-budget", selection.DefaultSpendBudget, "with -rule zsum: use as many networks as the budget allows (exactly k groups for k ≤ tasks), the best such grouping; -spend-budget=false makes a budget a maximum")
	asJSON := fs.Bool("json", false, "print one JSON object per budget per line")
	listGroups := fs.Bool("list-groups", false, fmt.Sprintf("list every group by name in the table even above %d tasks (where it otherwise gives the number of groups and their sizes)", listGroupsUpTo))
	seed := fs.Uint64("seed", 1, "seed of the anytime search (used above about 20 tasks)")
	iters := fs.Int("iterations", 200, "climbs of the anytime search")
	timeLimit := fs.Duration("time-limit", 0, "also stop the anytime search after this long per budget (0: no limit; makes results depend on speed)")
	setUsage(fs, stderr, "usage: tag group (-affinity FILE | -losses FILE) -budget K[,K...] [flags]\n\n"+
		"Chooses, for each budget, the groups of tasks to train together (TAG network selection).\n"+
		"-rule zsum (the default) compares every target task on its own scale and charges for group size;\n"+
		"-rule paper is the published rule.\n"+
		"Up to about 20 tasks the answer is proven optimal; beyond, a search reports the best grouping\n"+
		"found, a proven bound and the gap. Rule zsum takes any number of tasks and solves all budgets in\n"+
		"one pass; rule paper, -losses, -cost standley and -max-group-size take at most 64 tasks.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	file, rule := *affFile, *ruleName
	switch {
	case *affFile != "" && *lossFile != "":
		return badInputf("give one of -affinity and -losses, not both")
	case *affFile == "" && *lossFile == "":
		return badInputf("missing -affinity FILE or -losses FILE")
	case *lossFile != "":
		file, rule = *lossFile, selection.RulePairLoss
		if *singles {
			return badInputf("-allow-singletons applies to -affinity only (-losses uses the diagonal for single tasks)")
		}
		if flagSet(fs, "rule") {
			return badInputf("-rule applies to -affinity only (-losses minimizes the mean pair loss)")
		}
	case !slices.Contains(selection.AffinityRules, rule):
		return badInputf("-rule %q: want one of %s", rule, strings.Join(selection.AffinityRules, ", "))
	case rule != selection.RulePaper && (*singles || flagSet(fs, "singleton-score")):
		return badInputf("-allow-singletons and -singleton-score apply to -rule %s only (%s allows a task alone at score 0)", selection.RulePaper, rule)
	}
	if *maxSize < 0 {
		return badInputf("-max-group-size %d: must be at least 0 (0: no cap)", *maxSize)
	}
	if *iters < 1 {
		return badInputf("-iterations %d: must be at least 1", *iters)
	}
	models, err := parseBudgets(*budgets, *costModel)
	if err != nil {
		return err
	}
	m, err := taskmatrix.ReadFile(file)
	if err != nil {
		return badInput(err)
	}
	if m.N() < 2 {
		return badInputf("%s holds %d task (%s): there is nothing to group", file, m.N(), strings.Join(m.Tasks, ","))
	}
	if n := m.N(); n > selection.MaxTasks {
		switch selection.TaskLimitOf(rule, *maxSize, *costModel) {
		case selection.RuleTaskLimit:
			what := "-rule " + rule
			if rule == selection.RulePairLoss {
				what = "-losses"
			}
			return badInputf("%s: %d tasks; %s searches at most %d (-affinity with -rule %s takes any number)", file, n, what, selection.MaxTasks, selection.RuleZSum)
		case selection.GroupSizeTaskLimit:
			return badInputf("%s: %d tasks; -max-group-size is supported up to %d tasks", file, n, selection.MaxTasks)
		case selection.BudgetTaskLimit:
			return badInputf("%s: %d tasks; -cost %s is supported up to %d tasks (-cost networks takes any number)", file, n, *costModel, selection.MaxTasks)
		}
	}
	opt := selection.Options{Seed: *seed, Iterations: *iters, TimeLimit: *timeLimit,
		AllowSingletons: *singles, SingletonScore: *singleScore, MaxGroupSize: *maxSize, SpendBudget: *spend}
	start := time.Now()
	results, err := solveBudgets(m, rule, models, opt, *maxSize, file)
	if err != nil {
		return err
	}
	if d := time.Since(start); d > time.Second {
		fmt.Fprintf(stderr, "%d budgets solved in %v\n", len(models), d.Round(time.Millisecond))
	}
	for _, bm := range models {
		if k, ok := bm.Value.(int); ok && k > m.N() {
			fmt.Fprintf(stderr, "budget %d: only %d tasks in %s; capped at %d networks (one per task)\n", k, m.N(), file, m.N())
		}
	}
	outs := report.Groupings(rule, models, results, m.Tasks)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, o := range outs {
			if err := enc.Encode(o); err != nil {
				return err
			}
		}
		return nil
	}
	return report.WriteGroupings(stdout, outs, rule, m.N() <= listGroupsUpTo || *listGroups)
}

// listGroupsUpTo is the largest number of tasks for which the table lists
// every group by name without -list-groups.
const listGroupsUpTo = 64

// solveBudgets solves every budget (selection.SolveEntries), naming the
// budget at fault, its flag and the file in an error.
func solveBudgets(m *taskmatrix.Matrix, rule string, models []selection.BudgetEntry, opt selection.Options, maxSize int, file string) ([]*selection.Result, error) {
	results, err := selection.SolveEntries(m, rule, models, opt)
	var ee *selection.EntryError
	switch {
	case err == nil:
		return results, nil
	case !errors.As(err, &ee):
		return nil, fmt.Errorf("%s: %w", file, err)
	case errors.Is(err, selection.ErrInfeasible) && maxSize > 0:
		return nil, badInputf("-budget %s with -max-group-size %d: cannot cover the %d tasks of %s (%v)", ee.Entry.Text, maxSize, m.N(), file, ee.Err)
	case errors.Is(err, selection.ErrInfeasible):
		return nil, badInputf("-budget %s: cannot cover the %d tasks of %s (%v)", ee.Entry.Text, m.N(), file, ee.Err)
	}
	return nil, fmt.Errorf("%s, budget %s: %w", file, ee.Entry.Text, ee.Err)
}

// parseBudgets reads the -budget list under the -cost model.
func parseBudgets(list, model string) ([]selection.BudgetEntry, error) {
	if model != selection.CostNetworks && model != selection.CostStandley {
		return nil, badInputf("-cost %q: want %s or %s", model, selection.CostNetworks, selection.CostStandley)
	}
	if strings.TrimSpace(list) == "" {
		return nil, badInputf("missing -budget (e.g. -budget 2,3,4)")
	}
	out, err := selection.ParseBudgets(list, model)
	if err != nil {
		return nil, fmt.Errorf("-budget %q: %w", list, err)
	}
	return out, nil
}
