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
	seed := fs.Uint64("seed", 1, "seed of the anytime search (used above about 20 tasks)")
	iters := fs.Int("iterations", 200, "climbs of the anytime search")
	timeLimit := fs.Duration("time-limit", 0, "also stop the anytime search after this long per budget (0: no limit; makes results depend on speed)")
	setUsage(fs, stderr, "usage: tag group (-affinity FILE | -losses FILE) -budget K[,K...] [flags]\n\n"+
		"Chooses, for each budget, the groups of tasks to train together (TAG network selection).\n"+
		"-rule zsum (the default) compares every target task on its own scale and charges for group size;\n"+
		"-rule paper is the published rule.\n"+
		"Up to about 20 tasks the answer is proven optimal; beyond (to 64) an anytime search reports\n"+
		"the best grouping found, a proven bound and the gap.")
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
		file, rule = *lossFile, "pairloss"
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
	if m.N() > selection.MaxTasks {
		return badInputf("%s: %d tasks, more than the %d supported", file, m.N(), selection.MaxTasks)
	}
	opt := selection.Options{Seed: *seed, Iterations: *iters, TimeLimit: *timeLimit,
		AllowSingletons: *singles, SingletonScore: *singleScore, MaxGroupSize: *maxSize, SpendBudget: *spend}
	outs := make([]groupOutput, len(models))
	for i, bm := range models {
		start := time.Now()
		res, err := selection.SolveMatrix(m, rule, bm.budget, opt)
		if errors.Is(err, selection.ErrInfeasible) && *maxSize > 0 {
			return badInputf("-budget %s with -max-group-size %d: cannot cover the %d tasks of %s (%v)", bm.text, *maxSize, m.N(), file, err)
		}
		if errors.Is(err, selection.ErrInfeasible) {
			return badInputf("-budget %s: cannot cover the %d tasks of %s (%v)", bm.text, m.N(), file, err)
		}
		if err != nil {
			return fmt.Errorf("%s, budget %s: %w", file, bm.text, err)
		}
		if d := time.Since(start); d > time.Second {
			fmt.Fprintf(stderr, "budget %s: %d groups in %v\n", bm.text, len(res.Groups), d.Round(time.Millisecond))
		}
		outs[i] = groupOutput{Rule: rule, Budget: bm.value, Groups: res.GroupNames(m.Tasks), Score: res.Score,
			Optimal: res.Optimal, Bound: res.Bound, Gap: res.Gap, Assignment: map[string]int{}}
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
	return writeGroupTable(stdout, outs, rule)
}

// budgetModel is one parsed -budget entry.
type budgetModel struct {
	text   string
	value  any // int networks or float cost, as printed in JSON
	budget selection.Budget
}

// parseBudgets reads the -budget list under the -cost model.
func parseBudgets(list, model string) ([]budgetModel, error) {
	if model != "networks" && model != "standley" {
		return nil, badInputf("-cost %q: want networks or standley", model)
	}
	if strings.TrimSpace(list) == "" {
		return nil, badInputf("missing -budget (e.g. -budget 2,3,4)")
	}
	var out []budgetModel
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if model == "networks" {
			k, err := strconv.Atoi(f)
			if err != nil {
				return nil, badInputf("-budget %q: %q is not a whole number of networks", list, f)
			}
			if k < 1 {
				return nil, badInputf("-budget %q: %d networks; must be at least 1", list, k)
			}
			out = append(out, budgetModel{f, k, selection.MaxNetworks(k)})
			continue
		}
		c, err := strconv.ParseFloat(f, 64)
		if err != nil || c != c || c > 1e6 {
			return nil, badInputf("-budget %q: %q is not a cost", list, f)
		}
		if c < 0.5 {
			return nil, badInputf("-budget %q: cost %g is below one single-task network (0.5)", list, c)
		}
		out = append(out, budgetModel{f, c, selection.StandleyCost(c)})
	}
	return out, nil
}

// writeGroupTable prints the results as an aligned table.
func writeGroupTable(w io.Writer, outs []groupOutput, rule string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "budget\t%s\tproof\tgroups\n", selection.ScoreName(rule))
	for _, o := range outs {
		proof := "optimal"
		if !o.Optimal {
			proof = fmt.Sprintf("gap %.4g (bound %.6g)", o.Gap, o.Bound)
		}
		groups := make([]string, len(o.Groups))
		for i, g := range o.Groups {
			groups[i] = "{" + strings.Join(g, " ") + "}"
		}
		fmt.Fprintf(tw, "%v\t%.6g\t%s\t%s\n", o.Budget, o.Score, proof, strings.Join(groups, " "))
	}
	return tw.Flush()
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}
