package selection

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// partState is a partition of the tasks into exactly k non-empty groups
// with, for every task j and group g, the summed pair weight sum[j*k+g] of
// j to the members of g, so that a task's move is valued in O(1) and made
// in O(n).
type partState struct {
	p     *pairWeights
	k     int
	label []int
	size  []int
	sum   []float64
	value float64 // Σ over same-group unordered pairs of w
}

// improveEps is the least change the search counts as an improvement.
const improveEps = 1e-10

// newPartState builds the state of the partition labels (in 0..k−1, every
// group non-empty).
func newPartState(p *pairWeights, labels []int, k int) *partState {
	s := &partState{p: p, k: k, label: slices.Clone(labels), size: make([]int, k), sum: make([]float64, p.n*k)}
	s.recompute()
	return s
}

// recompute sets the sizes, sums and value from the labels.
func (s *partState) recompute() {
	n, k := s.p.n, s.k
	clear(s.size)
	clear(s.sum)
	for j := 0; j < n; j++ {
		s.size[s.label[j]]++
		row, sj := s.p.row(j), s.sum[j*k:(j+1)*k]
		for i, g := range s.label {
			sj[g] += row[i]
		}
	}
	s.value = 0
	for j := 0; j < n; j++ {
		s.value += s.sum[j*k+s.label[j]]
	}
	s.value /= 2
}

// move puts task j into group b.
func (s *partState) move(j, b int) {
	a := s.label[j]
	if a == b {
		return
	}
	k := s.k
	s.value += s.sum[j*k+b] - s.sum[j*k+a]
	row := s.p.row(j)
	for i, w := range row {
		s.sum[i*k+a] -= w
		s.sum[i*k+b] += w
	}
	s.label[j] = b
	s.size[a]--
	s.size[b]++
}

// moves applies, task by task, the best improving move to another group
// that leaves no group empty, until none improves.
func (s *partState) moves() bool {
	k, moved := s.k, false
	for changed := true; changed; {
		changed = false
		for j := range s.label {
			a := s.label[j]
			if s.size[a] < 2 {
				continue
			}
			sj := s.sum[j*k : (j+1)*k]
			best, gain := -1, improveEps
			for g, v := range sj {
				if g != a && v-sj[a] > gain {
					best, gain = g, v-sj[a]
				}
			}
			if best >= 0 {
				s.move(j, best)
				changed, moved = true, true
			}
		}
	}
	return moved
}

// swaps applies, task by task, the best improving exchange of the task
// with a task of another group (the move that keeps group sizes); it
// reports whether any was made. One pass costs O(n²).
func (s *partState) swaps() bool {
	k, swapped := s.k, false
	for j := range s.label {
		a := s.label[j]
		sj, row := s.sum[j*k:(j+1)*k], s.p.row(j)
		best, gain := -1, improveEps
		for i, b := range s.label {
			if b == a {
				continue
			}
			si := s.sum[i*k : (i+1)*k]
			if d := sj[b] - sj[a] + si[a] - si[b] - 2*row[i]; d > gain {
				best, gain = i, d
			}
		}
		if best >= 0 {
			b := s.label[best]
			s.move(j, b)
			s.move(best, a)
			swapped = true
		}
	}
	return swapped
}

// climb alternates moves and, when swaps is set, exchanges, until neither
// improves.
func (s *partState) climb(swaps bool) {
	s.moves()
	for swaps && s.swaps() {
		s.moves()
	}
}

// mergeBest joins the two groups with the largest summed cross weight,
// leaving k−1 groups, labelled in the order of their lowest task.
func (s *partState) mergeBest() *partState {
	k := s.k
	cross := make([]float64, k*k)
	for j, a := range s.label {
		for b, v := range s.sum[j*k : (j+1)*k] {
			cross[a*k+b] += v
		}
	}
	ba, bb, bv := 0, 1, math.Inf(-1)
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			if cross[a*k+b] > bv {
				ba, bb, bv = a, b, cross[a*k+b]
			}
		}
	}
	labels := slices.Clone(s.label)
	for j, g := range labels {
		if g == bb {
			labels[j] = ba
		}
	}
	return newPartState(s.p, canonicalLabels(labels), k-1)
}

// split opens a group with the task of group g least attached to it,
// leaving k+1 groups; the caller climbs from there.
func (s *partState) split(g int) *partState {
	k := s.k
	worst, wv := -1, math.Inf(1)
	for j, a := range s.label {
		if a == g && s.sum[j*k+g] < wv {
			worst, wv = j, s.sum[j*k+g]
		}
	}
	labels := slices.Clone(s.label)
	labels[worst] = k
	return newPartState(s.p, labels, k+1)
}

// kick perturbs the partition: every other call it moves a few random
// tasks to random groups; otherwise it deals the members of a random group
// and of the group most attached to it at random between the two.
func (s *partState) kick(rng *rand.Rand, round int) {
	n, k := s.p.n, s.k
	if k < 2 {
		return
	}
	if round%2 == 0 {
		for m := 2 + rng.IntN(max(2, n/50)); m > 0; m-- {
			j := rng.IntN(n)
			if b := rng.IntN(k); s.size[s.label[j]] > 1 && b != s.label[j] {
				s.move(j, b)
			}
		}
		return
	}
	a := rng.IntN(k)
	cross := make([]float64, k)
	for j, g := range s.label {
		if g == a {
			for b, v := range s.sum[j*k : (j+1)*k] {
				cross[b] += v
			}
		}
	}
	b, bv := (a+1)%k, math.Inf(-1)
	for g, v := range cross {
		if g != a && v > bv {
			b, bv = g, v
		}
	}
	for j, g := range s.label {
		if (g == a || g == b) && s.size[g] > 1 {
			if t := []int{a, b}[rng.IntN(2)]; t != g {
				s.move(j, t)
			}
		}
	}
}

// clone copies the state.
func (s *partState) clone() *partState {
	c := *s
	c.label, c.size, c.sum = slices.Clone(s.label), slices.Clone(s.size), slices.Clone(s.sum)
	return &c
}

// better reports whether s is better than t (nil counts as worst).
func (s *partState) better(t *partState) bool {
	return t == nil || s.value > t.value+improveEps
}

// partitionSearch finds good partitions into exactly k groups for every k
// of ks (each in 1..n) in one pass: candidates from the average-linkage
// hierarchy and from the neighbouring solved k (merging the best pair of
// groups from k+1, splitting a group of k−1), each climbed by moves and
// exchanges, then iters perturbations of the best, each climbed by moves
// and kept when better. It returns the best partition found for each k
// and the time spent on each k's climbs (the hierarchy, shared, is not
// counted). The partitions are deterministic for a seed.
func partitionSearch(p *pairWeights, ks []int, iters int, seed uint64, stop func() bool) (map[int]*partState, map[int]time.Duration) {
	n := p.n
	ks = slices.Clone(ks)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	merges := averageLinkage(p)
	best := map[int]*partState{}
	spent := map[int]time.Duration{}
	polish := func(k int, cand *partState) {
		cand.climb(true)
		if cand.better(best[k]) {
			best[k] = cand
		}
	}
	since := func(k int, t time.Time) { spent[k] += time.Since(t) }
	// Down from the largest k: the hierarchy's cut, and the best of the
	// previous k with two groups merged (repeatedly, for a jump in k).
	var prev *partState
	for i := len(ks) - 1; i >= 0; i-- {
		k, t := ks[i], time.Now()
		polish(k, newPartState(p, cutLabels(n, merges, k), k))
		if prev != nil {
			c := prev
			for c.k > k {
				c = c.mergeBest()
			}
			polish(k, c)
		}
		prev = best[k]
		since(k, t)
	}
	// Up from the smallest k: the best of the previous k with a group
	// split, for each of its three largest groups.
	prev = nil
	for _, k := range ks {
		t := time.Now()
		if prev != nil && prev.k < k && k < n {
			c := prev
			for c.k < k-1 {
				c = c.split(largestGroups(c, 1)[0])
				c.climb(false)
			}
			for _, g := range largestGroups(c, 3) {
				polish(k, c.split(g))
			}
		}
		prev = best[k]
		since(k, t)
	}
	// Perturbations of the best partition of each k.
	rng := rand.New(rand.NewPCG(seed, 0x9a27))
	for _, k := range ks {
		if k == 1 || k == n {
			continue
		}
		t := time.Now()
		for it := 0; it < iters && !stop(); it++ {
			c := best[k].clone()
			c.kick(rng, it)
			c.climb(false)
			if c.better(best[k]) {
				c.climb(true)
				best[k] = c
			}
		}
		since(k, t)
	}
	for _, s := range best {
		s.recompute() // the value without the drift of incremental updates
	}
	return best, spent
}

// largestGroups returns up to m groups of s with at least two tasks,
// largest first (lowest label on ties).
func largestGroups(s *partState, m int) []int {
	var gs []int
	for g, c := range s.size {
		if c > 1 {
			gs = append(gs, g)
		}
	}
	slices.SortStableFunc(gs, func(a, b int) int { return s.size[b] - s.size[a] })
	return gs[:min(m, len(gs))]
}
