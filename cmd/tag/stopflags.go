package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/selection"
)

// stopFlags are the flags of the stop rule that ends an affinity
// measurement once the groups at the requested budgets stop changing
// (affinityrun.GroupStability), shared by tag affinity and tag update.
type stopFlags struct {
	budgets, rule                                 string
	checks, every                                 int
	minHalfAgreement, minReliability, settledMore float64
}

// addStopFlags defines -budget, -rule, -checks, -check-every,
// -min-half-agreement, -min-reliability and -settled-more on fs; what says what the budgets are for besides.
func addStopFlags(fs *flag.FlagSet, what string) *stopFlags {
	f := &stopFlags{}
	fs.StringVar(&f.budgets, "budget", "", "comma-separated `LIST` of numbers of networks: the groups the stop rule watches"+what+" (default 2,3,4, those at most the number of tasks)")
	fs.StringVar(&f.rule, "rule", selection.DefaultRule, "selection `RULE` of the stop rule"+what+": "+strings.Join(selection.AffinityRules, " or "))
	fs.IntVar(&f.checks, "checks", affinityrun.DefaultStableChecks, "checks in a row with the same groups at every -budget as the check before (and passing -min-half-agreement and -min-reliability) that end the measurement")
	fs.IntVar(&f.every, "check-every", 0, fmt.Sprintf("training `STEPS` between two checks (0: every %d affinity measurements, or %d to %d where that exceeds 1/%d of the run's steps)", affinityrun.DefaultCheckMeasurements, affinityrun.MinCheckMeasurements, affinityrun.DefaultCheckMeasurements-1, affinityrun.CheckShare))
	fs.Float64Var(&f.minHalfAgreement, "min-half-agreement", affinityrun.DefaultMinHalfAgreement, "adjusted Rand index against the groups that the groups selected on each half of the measurements (alternate windows between checks) must reach at one -budget at least for a check to count (-1: no such gate)")
	fs.Float64Var(&f.settledMore, "settled-more", affinityrun.DefaultSettledMore, "after the first steady check (groups unchanged, passing the gates), measure at least `TIMES` its measurements more before steady checks in a row end the measurement (1: as many again, which with tag update -warm ranks the added pairs as from-scratch runs do; 0: no such condition)")
	fs.Float64Var(&f.minReliability, "min-reliability", affinityrun.DefaultMinReliability, "split-half reliability (Spearman–Brown) of the watched pairs' ranks that a check needs to count (-1: no such gate; the reliability is recorded either way)")
	return f
}

// budgetList parses -budget; nil where it was not given.
func (f *stopFlags) budgetList() ([]int, error) {
	if f.budgets == "" {
		return nil, nil
	}
	bms, err := parseBudgets(f.budgets, "networks")
	if err != nil {
		return nil, err
	}
	ks := make([]int, len(bms))
	for i, bm := range bms {
		ks[i] = bm.Value.(int)
	}
	return ks, nil
}

// groupStability is the stop rule the flags give for a measurement
// every measureEvery steps of n tasks in a run of plannedSteps steps;
// errors name the flag.
func (f *stopFlags) groupStability(measureEvery, plannedSteps, n int) (affinityrun.GroupStability, error) {
	ks, err := f.budgetList()
	if err != nil {
		return affinityrun.GroupStability{}, err
	}
	ks = affinityrun.BudgetsFor(ks, n)
	if f.every < 0 {
		return affinityrun.GroupStability{}, badInputf("-check-every %d: want 0 (every %d measurements, fewer in a short run) or more steps", f.every, affinityrun.DefaultCheckMeasurements)
	}
	g := affinityrun.GroupStability{Budgets: ks, Rule: f.rule, Every: f.every, Checks: f.checks, MinHalfAgreement: f.minHalfAgreement, MinReliability: f.minReliability,
		SettledMore: f.settledMore}.WithDefaultEvery(measureEvery, plannedSteps)
	return g, g.Validate()
}
