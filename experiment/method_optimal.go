package experiment

import (
	"math"
	"slices"
)

// optimal trains every subset of the tasks (2^n − 1 networks) and selects
// on their true validation losses: the ground truth the estimators are
// judged against.
type optimal struct{ single }

func (optimal) name() string { return Optimal }

func (optimal) networks(t *trial) []unit {
	return t.units(grouping{groups: t.subsets(len(t.tasks()))})
}

// needs: every non-empty subset; its selection on true losses holds no
// limit of its own beyond that.
func (optimal) needs(n int, _ Config) needs { return needs{networks: math.Exp2(float64(n)) - 1} }

func (o optimal) prepare(t *trial) ([]unit, error) { return o.networks(t), nil }
func (o optimal) groupingCost(t *trial) []unit     { return o.networks(t) }

func (optimal) candidates(t *trial, k int) ([]grouping, error) {
	g, err := t.sel.SelectTrueLosses(trueLosses(t, t.subsets(len(t.tasks()))), slices.Clone(t.tasks()), k)
	return t.selected(Optimal, k, g, err)
}

// trueLosses lists the validation losses of every trained subset.
func trueLosses(t *trial, subsets [][]string) []GroupLoss {
	out := make([]GroupLoss, len(subsets))
	for i, g := range subsets {
		r := t.st.get(t.group(g...)).Group
		l := make(map[string]float64, len(g))
		for _, task := range g {
			l[task] = r.Tasks[task].Validation.Loss
		}
		out[i] = GroupLoss{Tasks: slices.Clone(g), Loss: l}
	}
	return out
}
