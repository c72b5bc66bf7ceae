package experiment

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// randomSized is random groupings with tag's group sizes: for each seed and
// budget, Config.RandomSeeds random partitions whose sorted group sizes are
// those of the grouping tag chose under that seed (for example 3+3+2 when
// tag chose groups of 3, 3 and 2 tasks). Compared with tag, it tells the
// choice of tasks from the choice of sizes: the plain random baseline
// always uses every network of the budget in sizes of its own, so a method
// can beat it by its sizes alone (balanced groups, or fewer and larger
// ones) without knowing which tasks belong together.
//
// Draws depend on the run's first seed, the budget and the size profile
// only, so seeds under which tag chose the same sizes train the same
// random groupings. It is reported like random: the mean and spread over
// its groupings.
type randomSized struct{ random }

func (randomSized) name() string { return RandomSized }

// needs: the affinity run and tag's selection (for the sizes).
func (randomSized) needs(_ int, c Config) needs { return needs{networks: 1, rule: c.Rule} }

// prepare needs the affinity run: the sizes are known only once tag has
// chosen.
func (randomSized) prepare(t *trial) ([]unit, error) { return []unit{t.affinity()}, nil }

// candidates are Config.RandomSeeds random groupings with the sizes of tag's
// grouping for budget k under this seed: the one tag chose when tag runs
// (it comes first in the registry, so its candidates are chosen before
// these), else the same selection made here.
func (randomSized) candidates(t *trial, k int) ([]grouping, error) {
	tag, ok := t.chosen[TAG][k]
	if !ok {
		var err error
		if tag, err = (fromAffinity{method: TAG, matrix: affinityMatrix}).candidates(t, k); err != nil {
			return nil, err
		}
	}
	sizes := groupSizes(tag[0].groups)
	var out []grouping
	for r := range t.cfg.RandomSeeds {
		g, err := t.canonical("random grouping with tag's sizes", k, sizedGrouping(t.tasks(), sizes, t.cfg.Seed, r))
		if err != nil {
			return nil, err
		}
		out = append(out, grouping{groups: g})
	}
	return out, nil
}

// groupSizes returns the sizes of groups, largest first.
func groupSizes(groups [][]string) []int {
	sizes := make([]int, len(groups))
	for i, g := range groups {
		sizes[i] = len(g)
	}
	slices.SortFunc(sizes, func(a, b int) int { return b - a })
	return sizes
}

// sizedGrouping partitions tasks at random into groups of the given sizes
// (which must sum to len(tasks)), deterministically for the seed, the sizes
// and the draw: the tasks in a random order are cut into consecutive runs of
// those sizes, so every partition with these sizes is equally likely.
func sizedGrouping(tasks []string, sizes []int, seed uint64, draw int) [][]string {
	h := fnv.New64a()
	for _, s := range sizes {
		h.Write([]byte{byte(s), byte(s >> 8)})
	}
	r := rand.New(rand.NewPCG(seed^h.Sum64(), uint64(draw)))
	perm := r.Perm(len(tasks))
	groups := make([][]string, len(sizes))
	at := 0
	for i, s := range sizes {
		for _, p := range perm[at : at+s] {
			groups[i] = append(groups[i], tasks[p])
		}
		at += s
	}
	return groups
}

// groupingCost is nil: random-sized is a baseline; tag's measurement is
// tag's cost.
func (randomSized) groupingCost(*trial) []unit { return nil }
