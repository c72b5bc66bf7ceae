package selection

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// SolveAll solves r under every budget of bs, as [Solve] does one by one,
// with one difference: for a rule of disjoint groups summed pair by pair
// ([AffinitySum], rule zsum) under budgets of k networks, every budget the
// exact solver cannot take is solved in one pass of the partition search
// (see "Partition search" in the package documentation), which has no
// limit on the number of tasks. Results are in the order of bs.
func SolveAll(r Rule, bs []Budget, opt Options) ([]*Result, error) {
	out := make([]*Result, len(bs))
	var many []int // indices of bs for the partition search
	for i, b := range bs {
		if usePartitionSearch(r, b, opt) {
			many = append(many, i)
			continue
		}
		res, err := Solve(r, b, opt)
		if err != nil {
			return nil, err
		}
		out[i] = res
	}
	if len(many) > 0 {
		sub := make([]Budget, len(many))
		for k, i := range many {
			sub[k] = bs[i]
		}
		rs, err := solvePartitions(r.(*AffinitySum), sub, opt)
		if err != nil {
			return nil, err
		}
		for k, i := range many {
			out[i] = rs[k]
		}
	}
	return out, nil
}

// usePartitionSearch reports whether [Solve] hands r and b to the
// partition search: r is [AffinitySum] without a group-size cap, b is a
// budget of k networks, and the exact solver's work is over its limit.
func usePartitionSearch(r Rule, b Budget, opt Options) bool {
	z, ok := r.(*AffinitySum)
	if !ok || opt.MaxGroupSize > 0 && opt.MaxGroupSize < z.N() || !networkBudget(b, z.N()) {
		return false
	}
	limit := opt.ExactWork
	if limit <= 0 {
		limit = defaultExactWork
	}
	b.Spend = b.Spend || opt.SpendBudget
	w, ok := exactWork(r, b)
	return !ok || w > limit
}

// defaultExactWork is Options.ExactWork's default.
const defaultExactWork = 1.5e10

// networkBudget reports whether b charges one unit for every group of 1 to
// n tasks (a budget of [MaxNetworks]).
func networkBudget(b Budget, n int) bool {
	if b.SizeCost == nil || b.Limit < 1 {
		return false
	}
	for m := 1; m <= n; m++ {
		if b.SizeCost(m) != 1 {
			return false
		}
	}
	return true
}

// CheckTasks returns the error [Solve] gives, before any search, when the
// named rule (see [NewRule]) cannot select among n tasks under b and opt:
// above [MaxTasks] tasks only rule zsum under budgets of k networks without
// a group-size cap is supported. It returns nil otherwise.
func CheckTasks(n int, rule string, b Budget, opt Options) error {
	if n <= MaxTasks {
		return nil
	}
	if rule != RuleZSum {
		return fmt.Errorf("rule %s: %d tasks, more than the %d its search takes; rule %s takes any number", rule, n, MaxTasks, RuleZSum)
	}
	return checkManyTasks(&AffinitySum{A: make([][]float64, n)}, b, opt)
}

// TaskLimit is what keeps a selection to at most [MaxTasks] tasks
// ([TaskLimitOf]).
type TaskLimit int

// Task limits, in the order [TaskLimitOf] reports them.
const (
	// NoTaskLimit: the selection takes any number of tasks.
	NoTaskLimit TaskLimit = iota
	// RuleTaskLimit: the rule's search (every rule but [RuleZSum]).
	RuleTaskLimit
	// GroupSizeTaskLimit: a group-size cap (Options.MaxGroupSize).
	GroupSizeTaskLimit
	// BudgetTaskLimit: budgets other than k networks (cost model
	// [CostStandley]).
	BudgetTaskLimit
)

// TaskLimitOf says whether a selection by the named rule (see [NewRule]),
// with group sizes capped at maxGroupSize (0: no cap) under budgets of
// the cost model costModel ([CostNetworks] or [CostStandley]), takes more
// than [MaxTasks] tasks, and if not, what limits it: the rule first, then
// the cap, then the budgets. Only rule zsum under budgets of k networks
// without a cap, solved by the partition search, takes any number.
func TaskLimitOf(rule string, maxGroupSize int, costModel string) TaskLimit {
	switch {
	case rule != RuleZSum:
		return RuleTaskLimit
	case maxGroupSize > 0:
		return GroupSizeTaskLimit
	case costModel != CostNetworks:
		return BudgetTaskLimit
	}
	return NoTaskLimit
}

// checkManyTasks explains why r and b cannot be solved above [MaxTasks]
// tasks, or returns nil when the task count is within it.
func checkManyTasks(r Rule, b Budget, opt Options) error {
	n := r.N()
	if n <= MaxTasks || usePartitionSearch(r, b, opt) {
		return nil
	}
	_, zsum := r.(*AffinitySum)
	switch {
	case !zsum:
		return fmt.Errorf("%d tasks: this rule's search takes at most %d; rule %s takes any number", n, MaxTasks, RuleZSum)
	case opt.MaxGroupSize > 0:
		return fmt.Errorf("%d tasks: a group-size cap is supported up to %d tasks", n, MaxTasks)
	}
	return fmt.Errorf("%d tasks: budget %s; above %d tasks only budgets of k networks are supported", n, b.Name, MaxTasks)
}

// solvePartitions solves the zsum rule r under network budgets in one
// pass of [partitionSearch], with the bound of [countBound].
func solvePartitions(r *AffinitySum, bs []Budget, opt Options) ([]*Result, error) {
	start := time.Now()
	n := r.N()
	spend := make([]bool, len(bs))
	var ks []int
	maxK := 0
	for i, b := range bs {
		spend[i] = b.Spend || opt.SpendBudget
		k := min(b.Limit, n)
		if spend[i] {
			ks = append(ks, k)
		} else {
			for c := 1; c <= k; c++ {
				ks = append(ks, c)
			}
		}
		maxK = max(maxK, k)
	}
	iters := opt.Iterations
	if iters <= 0 {
		iters = 200
	}
	stop := func() bool { return false }
	if opt.TimeLimit > 0 {
		deadline := start.Add(opt.TimeLimit)
		stop = func() bool { return time.Now().After(deadline) }
	}
	p := newPairWeights(r)
	found, spent := partitionSearch(p, ks, iters, opt.Seed, stop)
	bound := partitionBounds(r, p, maxK)
	refineByBlocks(p, found, spent, ks, bound, iters, opt.Seed)
	out := make([]*Result, len(bs))
	for i, b := range bs {
		k := min(b.Limit, n)
		best, boundMax, took := found[k], bound[k], spent[k]
		if !spend[i] {
			for c := 1; c < k; c++ {
				if found[c].better(best) {
					best = found[c]
				}
				boundMax, took = max(boundMax, bound[c]), took+spent[c]
			}
		}
		res := partitionResult(r, best.label, boundMax)
		res.Elapsed = took
		out[i] = res
	}
	return out, nil
}

// refineByBlocks applies the block bound ([blockBounds]) with the blocks
// of the best partition found at the smallest K of ks whose groups all
// have at most [blockExactMax] tasks, or, when there is none and the tasks
// are few enough for the component bound to apply (at most
// [componentMaxBlocks]·blockExactMax), of [extraBlocking]: it lowers
// bound[K] (for K in 1..len(bound)−1) where the block bound is less, and
// climbs the block bound's candidate for every K of ks, keeping it in
// found when better (the climbs' time is added to spent).
func refineByBlocks(p *pairWeights, found map[int]*partState, spent map[int]time.Duration, ks []int, bound []float64, iters int, seed uint64) {
	var blocks *partState
	for _, k := range ks {
		if s := found[k]; s != nil && slices.Max(s.size) <= blockExactMax && (blocks == nil || k < blocks.k) {
			blocks = s
		}
	}
	if blocks == nil {
		if p.n > componentMaxBlocks*blockExactMax {
			return
		}
		if blocks = extraBlocking(p, iters, seed); blocks == nil {
			return
		}
	}
	bb, cand := blockBounds(p, blocks.label, len(bound)-1)
	for K := 1; K < len(bound); K++ {
		bound[K] = min(bound[K], bb[K])
	}
	try := func(k int, labels []int) {
		t := time.Now()
		c := newPartState(p, labels, k)
		c.climb(true)
		c.recompute()
		if c.better(found[k]) {
			found[k] = c
		}
		spent[k] += time.Since(t)
	}
	var fewer []int // budgets below the number of blocks
	for _, k := range ks {
		if k < blocks.k {
			fewer = append(fewer, k)
		}
		if k < len(cand) && cand[k] != nil {
			try(k, cand[k])
		}
	}
	if len(fewer) == 0 {
		return
	}
	// Fewer groups than blocks: search the partitions of whole blocks
	// (the blocks' own weights are the same in all of them) and climb
	// each best from its tasks.
	cp := contractBlocks(p, blocks)
	merged, _ := partitionSearch(cp, fewer, iters, seed, func() bool { return false })
	for _, k := range fewer {
		labels := make([]int, p.n)
		for j, b := range blocks.label {
			labels[j] = merged[k].label[b]
		}
		try(k, labels)
	}
}

// extraBlocking returns a blocking for [refineByBlocks] when no budget of
// the call gives one: the best partition the search finds at the fewest
// groups from ⌈n/[blockExactMax]⌉ to [componentMaxBlocks] whose groups
// all have at most blockExactMax tasks, or nil when there is none.
func extraBlocking(p *pairWeights, iters int, seed uint64) *partState {
	var ks []int
	for K := (p.n + blockExactMax - 1) / blockExactMax; K <= min(componentMaxBlocks, p.n); K++ {
		ks = append(ks, K)
	}
	found, _ := partitionSearch(p, ks, iters, seed, func() bool { return false })
	for _, K := range ks {
		if s := found[K]; slices.Max(s.size) <= blockExactMax {
			return s
		}
	}
	return nil
}

// contractBlocks returns the pair weights between the groups of s: the
// summed weight of every pair of tasks across two groups.
func contractBlocks(p *pairWeights, s *partState) *pairWeights {
	k := s.k
	c := &pairWeights{n: k, w: make([]float64, k*k)}
	for j, a := range s.label {
		for b, v := range s.sum[j*k : (j+1)*k] {
			if a != b {
				c.w[a*k+b] += v
			}
		}
	}
	return c
}

// partitionBounds returns, for K in 1..maxK, the least of three bounds on
// partitions into exactly K groups: the two of [countBound], with each
// task's gains read from its column of A (its own score) and with the pair
// weights split evenly between the two tasks of a pair, and the spectral
// bound of [spectralBound] on p, r's pair weights.
func partitionBounds(r *AffinitySum, p *pairWeights, maxK int) []float64 {
	n := r.N()
	col := newCountBound(n, func(j int, buf []float64) {
		for i := range buf {
			buf[i] = r.A[i][j] - r.Charge
		}
	})
	sym := newCountBound(n, func(j int, buf []float64) {
		for i := range buf {
			buf[i] = (r.A[i][j]+r.A[j][i])/2 - r.Charge
		}
	})
	a, b := col.bounds(maxK), sym.bounds(maxK)
	c := newSpectralBound(p).bounds(maxK)
	for k := range a {
		a[k] = min(a[k], b[k], c[k])
	}
	return a
}

// partitionResult is the result of the partition labels (0..K−1, in the
// order of each group's lowest task) under r, with boundMax a bound on
// the summed score.
func partitionResult(r *AffinitySum, labels []int, boundMax float64) *Result {
	n := r.N()
	labels = canonicalLabels(labels)
	k := slices.Max(labels) + 1
	res := &Result{Groups: make([][]int, k), Assignment: labels, TaskScores: make([]float64, n), Cost: k}
	for j, g := range labels {
		res.Groups[g] = append(res.Groups[g], j)
	}
	total := 0.0
	for j, g := range labels {
		s := 0.0
		for _, i := range res.Groups[g] {
			if i != j {
				s += r.A[i][j] - r.Charge
			}
		}
		res.TaskScores[j] = s
		total += s
	}
	res.Score = total / float64(n)
	boundMax = max(boundMax, total) // rounding: a proven bound is never below a reached score
	res.Bound = boundMax / float64(n)
	res.Gap = (boundMax - total) / float64(n)
	if res.Gap <= 1e-12*math.Max(1, math.Abs(res.Score)) {
		res.Optimal, res.Bound, res.Gap = true, res.Score, 0
	}
	return res
}
