package selection

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Anytime searches for a good grouping of up to [MaxTasks] tasks by
// iterated local search and returns the best one found, with a proven
// bound (the budget-aware bound of the package documentation for rules
// that implement [SizeBounder], else Σ_j TaskBound(j)/n) and the gap to it. The search runs
// opt.Iterations climbs (default 200), or until opt.TimeLimit if that comes
// first; with the iteration limit it is deterministic for opt.Seed.
func Anytime(r Rule, b Budget, opt Options) (*Result, error) {
	n := r.N()
	if n < 1 || n > MaxTasks {
		return nil, fmt.Errorf("anytime solver: %d tasks, want 1 to %d", n, MaxTasks)
	}
	iters := opt.Iterations
	if iters <= 0 {
		iters = 200
	}
	var deadline time.Time
	if opt.TimeLimit > 0 {
		deadline = time.Now().Add(opt.TimeLimit)
	}
	r = CapGroupSize(r, opt.MaxGroupSize)
	if err := checkCapCover(n, groupCap(r), b); err != nil {
		return nil, err
	}
	s := newSearch(r, b, opt.Seed)
	if err := checkSpendRule(r, b); err != nil {
		return nil, err
	}
	if b.Spend {
		target, ok := spendTarget(n, groupCap(r), b)
		if !ok {
			return nil, fmt.Errorf("anytime solver: spending the whole budget needs a budget whose cost depends on group size alone")
		}
		if target < 0 {
			return nil, explainCap(ErrInfeasible, groupCap(r))
		}
		s.spendCost = target
	}
	bound := budgetBound(r, b)
	best, bestV := s.start(true)
	if best == nil {
		if s.err != nil {
			return nil, s.err
		}
		return nil, explainCap(ErrInfeasible, groupCap(r))
	}
	best, bestV = s.climb(best, bestV)
	cur, curV := best, bestV
	for it := 1; it < iters && bestV < bound-1e-12*math.Max(1, math.Abs(bound)); it++ {
		if !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		var next []Set
		var nextV float64
		if it%8 == 0 {
			next, nextV = s.start(false)
		} else {
			next, nextV = s.kick(cur)
		}
		if s.err != nil {
			return nil, s.err
		}
		if next == nil {
			continue
		}
		next, nextV = s.climb(next, nextV)
		if nextV >= curV || it%8 == 0 {
			cur, curV = next, nextV
		}
		if nextV > bestV {
			best, bestV = next, nextV
		}
	}
	return newResult(r, b, best, bound)
}

// search holds the state of the local search. Groupings are lists of
// distinct groups; their value is the summed maximizing-sense score, -Inf
// when infeasible.
type search struct {
	r     Rule
	b     Budget
	n     int
	full  Set
	sg    float64
	rng   *rand.Rand
	cands []Set // the only allowed groups, when the rule lists them; nil otherwise
	swaps bool  // also exchange tasks between groups (under a size cap)
	// disjoint: groupings must be partitions ([Partitioner]); moves keep
	// them so.
	disjoint bool
	cache    map[Set][]float64 // maximizing-sense scores of a group; nil if refused
	cost     map[Set]int
	err      error
	buf      []float64
	// scores holds the scores of the groups being valued, reused.
	scores [][]float64
	// spendCost, when not negative, is the exact cost a grouping must have
	// (Budget.Spend).
	spendCost int
}

func newSearch(r Rule, b Budget, seed uint64) *search {
	n := r.N()
	s := &search{
		r: r, b: b, n: n, full: Full(n), sg: sign(r),
		rng:   rand.New(rand.NewPCG(seed, 0x7a6)),
		cache: map[Set][]float64{}, cost: map[Set]int{},
		buf: make([]float64, n), swaps: groupCap(r) > 0 || isDisjoint(r),
		disjoint: isDisjoint(r), spendCost: -1,
	}
	if l, ok := r.(groupLister); ok {
		s.cands = l.listedGroups()
	}
	return s
}

// groupLister is implemented by rules that allow only the groups they
// list; the anytime search then moves among those groups alone.
type groupLister interface {
	// listedGroups returns the allowed groups in increasing order.
	listedGroups() []Set
}

// group returns g's maximizing-sense scores and cost, or nil if g is not
// allowed.
func (s *search) group(g Set) ([]float64, int) {
	if sc, ok := s.cache[g]; ok {
		return sc, s.cost[g]
	}
	if len(s.cache) > 1<<18 {
		clear(s.cache)
		clear(s.cost)
	}
	var sc []float64
	c := 0
	if g != 0 && s.r.Scores(g, s.buf) {
		var err error
		if c, err = s.b.cost(g); err != nil && s.err == nil {
			s.err = err
		}
		sc = make([]float64, s.n)
		for x := g; x != 0; x &= x - 1 {
			sc[x.Lowest()] = s.sg * s.buf[x.Lowest()]
		}
	}
	s.cache[g], s.cost[g] = sc, c
	return sc, c
}

// value is the summed best score of gs, -Inf if a group is refused or
// repeated, the cost is over the limit, or a task is uncovered.
func (s *search) value(gs []Set) float64 {
	cost := 0
	var union Set
	// The scores are kept aside: a later lookup may clear the cache.
	scs := s.scores[:0]
	defer func() { s.scores = scs[:0] }()
	for i, g := range gs {
		sc, c := s.group(g)
		if sc == nil {
			return math.Inf(-1)
		}
		scs = append(scs, sc)
		for _, h := range gs[:i] {
			if h == g {
				return math.Inf(-1)
			}
		}
		cost += c
		if s.disjoint && union&g != 0 {
			return math.Inf(-1)
		}
		union |= g
	}
	if cost > s.b.Limit || union != s.full || s.spendCost >= 0 && cost != s.spendCost {
		return math.Inf(-1)
	}
	total := 0.0
	for j := 0; j < s.n; j++ {
		b := math.Inf(-1)
		for i, g := range gs {
			if g.Has(j) {
				b = max(b, scs[i][j])
			}
		}
		total += b
	}
	return total
}

// start returns a starting grouping: all tasks in one group when first is
// set and that is feasible, otherwise a random split into m groups, with m
// lowered until the split is feasible.
func (s *search) start(first bool) ([]Set, float64) {
	if s.cands != nil {
		return s.coverListed(nil)
	}
	if first {
		if v := s.value([]Set{s.full}); !math.IsInf(v, -1) {
			return []Set{s.full}, v
		}
	}
	perm := s.rng.Perm(s.n)
	for m := 1 + s.rng.IntN(s.n); m >= 1; m-- {
		gs := make([]Set, m)
		for i, t := range perm {
			gs[i%m] |= 1 << uint(t)
		}
		if v := s.value(gs); !math.IsInf(v, -1) {
			return gs, v
		}
	}
	if v := s.value([]Set{s.full}); !math.IsInf(v, -1) {
		return []Set{s.full}, v
	}
	// More, smaller groups, for a cap on the group size.
	for m := 2; m <= s.n; m++ {
		gs := make([]Set, m)
		for i, t := range perm {
			gs[i%m] |= 1 << uint(t)
		}
		if v := s.value(gs); !math.IsInf(v, -1) {
			return gs, v
		}
	}
	return nil, math.Inf(-1)
}

// kick applies two to four random feasible toggles of a task in a group.
func (s *search) kick(gs []Set) ([]Set, float64) {
	if s.cands != nil {
		return s.kickListed(gs)
	}
	cur := append([]Set(nil), gs...)
	v := s.value(cur)
	for moves, tries := 2+s.rng.IntN(3), 0; moves > 0 && tries < 50; tries++ {
		gi, t := s.rng.IntN(len(cur)), s.rng.IntN(s.n)
		next := withGroup(cur, gi, cur[gi]^(1<<uint(t)))
		if s.disjoint {
			next = moveTask(cur, t, s.rng.IntN(len(cur)+1))
		}
		if nv := s.value(next); !math.IsInf(nv, -1) {
			cur, v = next, nv
			moves--
		}
	}
	return cur, v
}

// moveTask returns a copy of the partition gs with task t moved into
// group i (a new group when i = len(gs)), dropping a group left empty.
func moveTask(gs []Set, t, i int) []Set {
	bit := Set(1) << uint(t)
	out := append(make([]Set, 0, len(gs)+1), gs...)
	if i == len(gs) {
		out = append(out, 0)
	}
	for k := range out {
		out[k] &^= bit
	}
	out[i] |= bit
	return slices.DeleteFunc(out, func(g Set) bool { return g == 0 })
}

// withGroup returns a copy of gs with group i replaced by g, or removed if
// g is empty.
func withGroup(gs []Set, i int, g Set) []Set {
	out := make([]Set, 0, len(gs))
	out = append(out, gs[:i]...)
	if g != 0 {
		out = append(out, g)
	}
	return append(out, gs[i+1:]...)
}

// climb applies the best improving neighbour until none improves: toggle
// a task in a group, move a task between groups, merge two groups, or open
// a group of one or two tasks.
func (s *search) climb(gs []Set, v float64) ([]Set, float64) {
	for {
		best, bestV := gs, v
		try := func(next []Set) {
			if nv := s.value(next); nv > bestV+1e-12*math.Max(1, math.Abs(bestV)) {
				best, bestV = next, nv
			}
		}
		if s.cands != nil {
			s.listedMoves(gs, try)
			if bestV <= v {
				return gs, v
			}
			gs, v = best, bestV
			continue
		}
		for i, g := range gs {
			for t := 0; t < s.n; t++ {
				bit := Set(1) << uint(t)
				if s.disjoint {
					if g&bit != 0 {
						try(moveTask(gs, t, len(gs))) // alone, in a new group
					}
				} else {
					try(withGroup(gs, i, g^bit))
				}
				if g&bit == 0 {
					continue
				}
				for k, h := range gs {
					if k != i && h&bit == 0 {
						moved := withGroup(gs, i, g^bit)
						if g^bit == 0 {
							if k > i {
								k--
							}
						}
						moved[k] |= bit
						try(moved)
					}
				}
			}
			for k := i + 1; k < len(gs); k++ {
				try(withGroup(withGroup(gs, k, 0), i, g|gs[k]))
				if s.swaps {
					s.swapMoves(gs, i, k, try)
				}
			}
		}
		for t := 0; t < s.n; t++ {
			for u := t; u < s.n; u++ {
				if s.disjoint {
					if u > t {
						try(moveTask(moveTask(gs, t, len(gs)), u, len(gs)))
					}
					continue
				}
				try(append(append([]Set(nil), gs...), SetOf(t, u)))
			}
		}
		if bestV <= v {
			return gs, v
		}
		gs, v = best, bestV
	}
}

// swapMoves offers to try every exchange of a task of group i, not in
// group k, with a task of group k, not in group i: the move that keeps
// group sizes, needed when groups are at the size cap.
func (s *search) swapMoves(gs []Set, i, k int, try func([]Set)) {
	g, h := gs[i], gs[k]
	for x := g &^ h; x != 0; x &= x - 1 {
		for y := h &^ g; y != 0; y &= y - 1 {
			swap := (x & -x) | (y & -y)
			next := append([]Set(nil), gs...)
			next[i], next[k] = g^swap, h^swap
			try(next)
		}
	}
}

// listedMoves offers to try every neighbour of gs made of listed groups:
// drop a group, replace a group by a listed one not chosen, or add one.
func (s *search) listedMoves(gs []Set, try func([]Set)) {
	chosen := make(map[Set]bool, len(gs))
	for _, g := range gs {
		chosen[g] = true
	}
	for i := range gs {
		try(withGroup(gs, i, 0))
	}
	for _, h := range s.cands {
		if chosen[h] {
			continue
		}
		for i := range gs {
			try(withGroup(gs, i, h))
		}
		try(append(append([]Set(nil), gs...), h))
	}
}

// coverListed extends the groups gs to a covering with listed groups by
// depth-first search: the uncovered task of lowest index must be covered
// by some affordable listed group not yet chosen, tried in order of new
// tasks covered per unit of cost, perturbed at random. The search gives up
// after maxStartNodes groups tried and then returns nil.
func (s *search) coverListed(gs []Set) ([]Set, float64) {
	nodes := 0
	gs = append([]Set(nil), gs...)
	var covered Set
	spent := 0
	for _, g := range gs {
		_, c := s.group(g)
		covered, spent = covered|g, spent+c
	}
	var rec func(covered Set, spent int) bool
	rec = func(covered Set, spent int) bool {
		if covered == s.full {
			return true
		}
		low := (s.full &^ covered).Lowest()
		type cand struct {
			g   Set
			key float64
		}
		var cs []cand
		for _, h := range s.cands {
			if !h.Has(low) || slices.Contains(gs, h) {
				continue
			}
			if sc, c := s.group(h); sc != nil && spent+c <= s.b.Limit {
				cs = append(cs, cand{h, float64((h &^ covered).Len()) / float64(c) * (0.5 + s.rng.Float64())})
			}
		}
		slices.SortFunc(cs, func(x, y cand) int { return cmp.Compare(y.key, x.key) })
		for _, c := range cs {
			if nodes++; nodes > maxStartNodes {
				return false
			}
			_, cost := s.group(c.g)
			gs = append(gs, c.g)
			if rec(covered|c.g, spent+cost) {
				return true
			}
			gs = gs[:len(gs)-1]
		}
		return false
	}
	if !rec(covered, spent) {
		return nil, math.Inf(-1)
	}
	return gs, s.value(gs)
}

// maxStartNodes bounds the groups tried by one search for a listed cover.
const maxStartNodes = 20000

// kickListed ruins and recreates: it drops one to three random groups of gs
// and covers the tasks left uncovered again with listed groups.
func (s *search) kickListed(gs []Set) ([]Set, float64) {
	cur := append([]Set(nil), gs...)
	for drop := 1 + s.rng.IntN(3); drop > 0 && len(cur) > 0; drop-- {
		cur = withGroup(cur, s.rng.IntN(len(cur)), 0)
	}
	return s.coverListed(cur)
}

// spendTarget returns the most units, at most b.Limit, that a partition of
// n tasks into groups of at most maxSize tasks (0: any size) costs under a
// budget whose cost depends on group size alone (b.SizeCost), by a dynamic
// program over the sizes: with [MaxNetworks](k), min(k, n). It returns −1
// when no such partition fits the budget, and false when b.SizeCost is nil.
func spendTarget(n, maxSize int, b Budget) (int, bool) {
	if b.SizeCost == nil {
		return 0, false
	}
	if maxSize <= 0 || maxSize > n {
		maxSize = n
	}
	// reach[t][u]: some partition of t tasks costs exactly u units.
	reach := make([][]bool, n+1)
	for t := range reach {
		reach[t] = make([]bool, b.Limit+1)
	}
	reach[0][0] = true
	for t := 1; t <= n; t++ {
		for m := 1; m <= min(t, maxSize); m++ {
			c := b.SizeCost(m)
			for u := c; u <= b.Limit; u++ {
				reach[t][u] = reach[t][u] || reach[t-m][u-c]
			}
		}
	}
	for u := b.Limit; u >= 1; u-- {
		if reach[n][u] {
			return u, true
		}
	}
	return -1, true
}
