package experiment

// randomBest is the fair counterpart of tag-refine: Config.Candidates random
// groupings per budget (the first draws of random, so their networks are
// shared) are trained and the one with the lowest total validation loss is
// kept.
type randomBest struct{}

func (randomBest) name() string   { return RandomBest }
func (randomBest) budgeted() bool { return true }

func (randomBest) candidates(t *trial, k int) ([]grouping, error) {
	return randomDraws(t, k, t.cfg.Candidates)
}

func (m randomBest) prepare(t *trial) ([]unit, error) {
	var us []unit
	for _, k := range t.cfg.Budgets {
		gs, err := m.candidates(t, k)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			us = append(us, t.units(g)...)
		}
	}
	return us, nil
}

func (randomBest) pick(_ *trial, _ int, served []*BudgetResult) *BudgetResult {
	return bestOnValidation(served)
}

// groupingCost is every candidate network of every budget.
func (m randomBest) groupingCost(t *trial) []unit {
	us, _ := m.prepare(t)
	return us
}
