package experiment

// randomBest is the fair counterpart of tag-refine: Config.Candidates random
// groupings per budget (the first draws of random, so their networks are
// shared) are trained and the one with the lowest total validation loss is
// kept.
type randomBest struct{}

func (randomBest) name() string   { return RandomBest }
func (randomBest) budgeted() bool { return true }

// needs: no network whatever the budget, no selection.
func (randomBest) needs(int, Config) needs { return needs{} }

func (randomBest) candidates(t *trial, k int) ([]grouping, error) {
	return randomDraws(t, k, t.cfg.Candidates)
}

func (m randomBest) prepare(t *trial) ([]unit, error) { return t.budgetUnits(m.candidates) }

func (randomBest) pick(t *trial, _ int, served []*BudgetResult) *BudgetResult {
	return bestOnValidation(t.tasks(), served)
}

// groupingCost is every candidate network of every budget.
func (randomBest) groupingCost(t *trial) []unit { return t.candidateUnits(RandomBest) }
