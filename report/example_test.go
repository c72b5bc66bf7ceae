package report

import (
	"os"

	"github.com/tagroup/tag/experiment"
)

// ExampleWriteTable prints the tables for a small hand-made result: mtl
// and stl ran once, tag at budget 2 after an affinity run of 12 seconds, hoa
// after training 6 networks in 50 seconds.
func ExampleWriteTable() {
	tasks := []string{"a", "b", "c"}
	per := func(losses ...float64) *experiment.BudgetResult {
		b := &experiment.BudgetResult{PerTask: map[string]experiment.TaskResult{}}
		for i, l := range losses {
			b.PerTask[tasks[i]] = experiment.TaskResult{TestLoss: l, TestError: l / 2}
			b.TotalTestLoss += l
			b.TotalTestError += l / 2
		}
		return b
	}
	r := &experiment.Results{Tasks: tasks, Budgets: []int{2}, Methods: map[string]*experiment.MethodResult{
		experiment.MTL: {Budgets: map[string]*experiment.BudgetResult{experiment.AllBudgets: per(0.5, 0.6, 0.7)}},
		experiment.STL: {Budgets: map[string]*experiment.BudgetResult{experiment.AllBudgets: per(0.4, 0.6, 0.6)}},
		experiment.TAG: {GroupingSeconds: 12, GroupingSteps: 300, GroupingUnits: 1,
			Budgets: map[string]*experiment.BudgetResult{"2": per(0.3, 0.5, 0.6)}},
		experiment.HOA: {GroupingSeconds: 50, GroupingSteps: 1500, GroupingUnits: 6,
			Budgets: map[string]*experiment.BudgetResult{"2": per(0.3, 0.5, 0.7)}},
	}}
	if err := WriteTable(os.Stdout, r); err != nil {
		panic(err)
	}
	// Output:
	// Total test loss (sum over 3 tasks; lower is better)
	// method  k=2
	// mtl     1.8000
	// stl     1.6000
	// hoa     1.5000
	// tag     1.4000
	// Divide by 3 for the mean per task. Methods that train one set of networks (mtl, stl, uw, gradnorm, pcgrad) do not depend on the budget. A column's lowest value is marked only when it is significantly lower (95%, paired by seed) than the next lowest; with one seed nothing is marked.
	//
	// Total test error (sum over 3 tasks; lower is better)
	// method  k=2
	// mtl     0.9000
	// stl     0.8000
	// hoa     0.7500
	// tag     0.7000
	// Divide by 3 for the mean per task. Methods that train one set of networks (mtl, stl, uw, gradnorm, pcgrad) do not depend on the budget. A column's lowest value is marked only when it is significantly lower (95%, paired by seed) than the next lowest; with one seed nothing is marked.
	//
	// Cost of reaching the groups
	// method  networks trained  seconds  steps  seconds ÷ TAG's
	// hoa     6                 50.0     1500   4.2×
	// tag     1                 12.0     300    1.0×
	// tag and cs: the one affinity run; hoa: every pair and single task; optimal: every subset. Seconds are summed over networks, whatever ran in parallel.
}
