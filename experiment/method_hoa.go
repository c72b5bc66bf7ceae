package experiment

import "github.com/tagroup/tag/taskmatrix"

// hoa is Standley et al.'s higher-order approximation: train every single
// task and every pair, approximate task j's loss in a group by the mean of
// its losses when trained with each partner, and minimise the mean over
// tasks.
type hoa struct{ single }

func (hoa) name() string { return HOA }

// networks are every single task and every pair.
func (hoa) networks(t *trial) []unit {
	var us []unit
	for _, g := range t.subsets(2) {
		if len(g) == 1 {
			us = append(us, t.group(g...))
		}
	}
	for _, g := range t.subsets(2) {
		if len(g) == 2 {
			us = append(us, t.group(g...))
		}
	}
	return us
}

// needs: n single tasks and n(n−1)/2 pairs, selected under RulePairLoss.
func (hoa) needs(n int, _ Config) needs {
	return needs{networks: float64(n) * float64(n+1) / 2, rule: RulePairLoss}
}

func (h hoa) prepare(t *trial) ([]unit, error) { return h.networks(t), nil }
func (h hoa) groupingCost(t *trial) []unit     { return h.networks(t) }

func (hoa) candidates(t *trial, k int) ([]grouping, error) {
	g, err := t.sel.Select(pairLosses(t), RulePairLoss, k)
	return t.selected(HOA, k, g, err)
}

// pairLosses builds HOA's matrix from validation losses: row i, column j =
// loss of j trained with i; the diagonal holds the single-task losses.
func pairLosses(t *trial) *taskmatrix.Matrix {
	ts := t.tasks()
	m := taskmatrix.New(ts)
	for i := range ts {
		for j := range ts {
			u := t.group(ts[j])
			if i < j {
				u = t.group(ts[i], ts[j])
			} else if i > j {
				u = t.group(ts[j], ts[i])
			}
			m.Values[i][j] = t.st.get(u).Group.Tasks[ts[j]].Validation.Loss
		}
	}
	return m
}
