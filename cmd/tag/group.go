package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

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

// groupOutput is one line of `tag group --json`.
type groupOutput struct {
	Rule       string         `json:"rule"`
	Budget     any            `json:"budget"`
	Groups     [][]string     `json:"groups"`
	Score      float64        `json:"score"`
	Optimal    bool           `json:"optimal"`
	Bound      float64        `json:"bound"`
	Gap        float64        `json:"gap"`
	Assignment map[string]int `json:"assignment"`
	// CappedAt is set when the budget was more networks than tasks: the
	// number of tasks, the most networks that can be used.
	CappedAt int `json:"capped_at,omitempty"`
	elapsed  time.Duration
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
		switch {
		case rule != selection.RuleZSum:
			what := "-rule " + rule
			if rule == selection.RulePairLoss {
				what = "-losses"
			}
			return badInputf("%s: %d tasks; %s searches at most %d (-affinity with -rule %s takes any number)", file, n, what, selection.MaxTasks, selection.RuleZSum)
		case *maxSize > 0:
			return badInputf("%s: %d tasks; -max-group-size is supported up to %d tasks", file, n, selection.MaxTasks)
		case *costModel != "networks":
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
	outs := make([]groupOutput, len(models))
	for i, res := range results {
		outs[i] = groupOutput{Rule: rule, Budget: models[i].Value, Groups: res.GroupNames(m.Tasks), Score: res.Score,
			Optimal: res.Optimal, Bound: res.Bound, Gap: res.Gap, Assignment: map[string]int{}, elapsed: res.Elapsed}
		if k, ok := models[i].Value.(int); ok && k > m.N() {
			outs[i].CappedAt = m.N()
		}
		for j, t := range m.Tasks {
			outs[i].Assignment[t] = res.Assignment[j]
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, o := range outs {
			if err := enc.Encode(o); err != nil {
				return err
			}
		}
		return nil
	}
	return writeGroupTable(stdout, outs, rule, m.N() <= listGroupsUpTo || *listGroups)
}

// listGroupsUpTo is the largest number of tasks for which the table lists
// every group by name without -list-groups.
const listGroupsUpTo = 64

// solveBudgets solves every budget (in one pass where the selection
// package can), naming the budget and file in an error.
func solveBudgets(m *taskmatrix.Matrix, rule string, models []selection.BudgetEntry, opt selection.Options, maxSize int, file string) ([]*selection.Result, error) {
	bs := make([]selection.Budget, len(models))
	for i, bm := range models {
		bs[i] = bm.Budget
	}
	results, err := selection.SolveMatrixAll(m, rule, bs, opt)
	if err == nil {
		return results, nil
	}
	// Find the budget at fault, one by one, for the message.
	for _, bm := range models {
		_, err := selection.SolveMatrix(m, rule, bm.Budget, opt)
		switch {
		case errors.Is(err, selection.ErrInfeasible) && maxSize > 0:
			return nil, badInputf("-budget %s with -max-group-size %d: cannot cover the %d tasks of %s (%v)", bm.Text, maxSize, m.N(), file, err)
		case errors.Is(err, selection.ErrInfeasible):
			return nil, badInputf("-budget %s: cannot cover the %d tasks of %s (%v)", bm.Text, m.N(), file, err)
		case err != nil:
			return nil, fmt.Errorf("%s, budget %s: %w", file, bm.Text, err)
		}
	}
	return nil, fmt.Errorf("%s: %w", file, err)
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

// writeGroupTable prints the results as an aligned table: with list, every
// group by name; otherwise the number of groups, their sizes and the
// solver's time for each budget.
func writeGroupTable(w io.Writer, outs []groupOutput, rule string, list bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if list {
		fmt.Fprintf(tw, "budget\t%s\tproof\tgroups\n", selection.ScoreName(rule))
	} else {
		fmt.Fprintf(tw, "budget\t%s\tproof\ttime\tgroups (sizes; -list-groups or -json for the names)\n", selection.ScoreName(rule))
	}
	for _, o := range outs {
		budget := fmt.Sprint(o.Budget)
		if o.CappedAt > 0 {
			budget += fmt.Sprintf(" (capped at %d)", o.CappedAt)
		}
		proof := "optimal"
		if !o.Optimal {
			proof = fmt.Sprintf("gap %.4g (bound %.6g)", o.Gap, o.Bound)
			if o.Score > 0 {
				proof = fmt.Sprintf("gap %.4g = %.2f%% (bound %.6g)", o.Gap, 100*o.Gap/o.Score, o.Bound)
			}
		}
		if !list {
			fmt.Fprintf(tw, "%s\t%.6g\t%s\t%v\t%s\n", budget, o.Score, proof, o.elapsed.Round(time.Millisecond), groupSizes(o.Groups))
			continue
		}
		groups := make([]string, len(o.Groups))
		for i, g := range o.Groups {
			groups[i] = "{" + strings.Join(g, " ") + "}"
		}
		fmt.Fprintf(tw, "%s\t%.6g\t%s\t%s\n", budget, o.Score, proof, strings.Join(groups, " "))
	}
	return tw.Flush()
}

// groupSizes summarises groups as their count and sizes, largest first,
// repeated sizes written once with a count: "12 groups: 11×10, 9, 2×1".
func groupSizes(groups [][]string) string {
	sizes := make([]int, len(groups))
	for i, g := range groups {
		sizes[i] = len(g)
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	var parts []string
	for i := 0; i < len(sizes); {
		j := i
		for j < len(sizes) && sizes[j] == sizes[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%d×%d", j-i, sizes[i]))
		} else {
			parts = append(parts, strconv.Itoa(sizes[i]))
		}
		i = j
	}
	return fmt.Sprintf("%d groups: %s", len(groups), strings.Join(parts, ", "))
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}
