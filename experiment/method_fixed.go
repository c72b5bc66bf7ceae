package experiment

// fixed is a method that trains the same networks whatever the budget:
// mtl (all tasks in one network), stl (one network per task) and the
// loss-balancing baselines (all tasks in one network with another
// multi-task update rule).
type fixed struct {
	method string
	// balance is the update rule of its networks ("" for the plain sum of
	// losses).
	balance string
	// groups returns its groups.
	groups func(t *trial) [][]string
	// count is the number of its groups for n tasks.
	count func(n int) float64
}

// one is mtl's group count; perTask is stl's.
func one(int) float64       { return 1 }
func perTask(n int) float64 { return float64(n) }

func (f fixed) needs(n int, _ Config) needs { return needs{networks: f.count(n)} }

// allTasks is mtl's single group.
func allTasks(t *trial) [][]string { return [][]string{t.tasks()} }

// singleTasks are stl's groups.
func singleTasks(t *trial) [][]string { return t.subsets(1) }

func (f fixed) name() string   { return f.method }
func (f fixed) budgeted() bool { return false }

func (f fixed) grouping(t *trial) grouping {
	return grouping{groups: f.groups(t), balance: f.balance}
}

func (f fixed) prepare(t *trial) ([]unit, error) { return t.units(f.grouping(t)), nil }

func (f fixed) candidates(t *trial, _ int) ([]grouping, error) {
	return []grouping{f.grouping(t)}, nil
}

func (f fixed) pick(_ *trial, _ int, served []*BudgetResult) *BudgetResult { return served[0] }

func (f fixed) groupingCost(*trial) []unit { return nil }
