package selection

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// MaxExactTasks is the largest number of tasks [Exact] accepts.
const MaxExactTasks = 24

// Exact returns an optimal grouping under rule r and budget b, proven by
// the block decomposition and dynamic program described in the package
// documentation. It returns [ErrInfeasible] when no grouping fits b.
func Exact(r Rule, b Budget) (*Result, error) {
	return exact(r, b, runtime.GOMAXPROCS(0))
}

// exact is [Exact] on the given number of goroutines; the result does not
// depend on it.
func exact(r Rule, b Budget, workers int) (*Result, error) {
	n := r.N()
	if n < 1 || n > MaxExactTasks {
		return nil, fmt.Errorf("exact solver: %d tasks, want 1 to %d", n, MaxExactTasks)
	}
	if b.Limit < 1 {
		return nil, ErrInfeasible
	}
	if err := checkSpendRule(r, b); err != nil {
		return nil, err
	}
	d, err := newBlockValues(r, b, workers)
	if err != nil {
		return nil, err
	}
	d.spend = b.Spend
	best, gs := d.solve()
	if math.IsInf(best, -1) {
		return nil, ErrInfeasible
	}
	return newResult(r, b, gs, best)
}

// costClass gathers the allowed groups of one cost.
type costClass struct {
	cost int
	// val[B] is v_c(B): the best total score of block B in any allowed
	// group of this cost containing it (maximizing sense), -Inf if none.
	val []float64
	// arg[B] is the group reaching val[B].
	arg []uint32
	// multi reports whether some block of two or more tasks has a value;
	// when false only single-task blocks are tried.
	multi bool
}

// blockDP holds the block values and the subset dynamic program.
type blockDP struct {
	n       int
	workers int // goroutines for the layers of the program
	limit   int // budget units the program uses
	classes []*costClass
	// f[u][S>>1], for u < limit and S a set of tasks 1..n-1, is the best
	// total score of a partition of S into blocks costing at most u
	// (exactly u with spend).
	f [][]float64
	// spend asks for the partition of the whole set that costs the most
	// units any partition reaches (Budget.Spend).
	spend bool
}

// newBlockValues computes v_c(B) for every block B and cost c: for every
// allowed group G it walks G's 2^|G| sub-blocks, indexing them by the bits
// of a counter so that each sub-block's sum extends a smaller one by its
// lowest member. With several workers, the sub-blocks are split by which
// of the top tasks they hold (a pattern); each pattern's values are written
// by one worker only, visiting groups in increasing order, and each sum is
// formed in the same order (highest member first) as with one worker, so
// the values are bit-identical for any number of workers.
func newBlockValues(r Rule, b Budget, workers int) (*blockDP, error) {
	n := r.N()
	h := 0 // top tasks that define the patterns
	if workers > 1 && n >= parallelMinTasks {
		h = min(n-1, bits.Len(uint(workers))+2)
	}
	bv := &blockValues{r: r, b: b, n: n, top: uint32(Full(n)) &^ uint32(Full(n-h)), byCost: map[int]*costClass{},
		disjoint: isDisjoint(r)}
	patterns := make([]uint32, 0, 1<<uint(h))
	for p := uint32(0); ; p = (p - bv.top) & bv.top {
		patterns = append(patterns, p)
		if p == bv.top {
			break
		}
	}
	// Patterns with fewer top tasks have more sub-blocks: hand them out first.
	slices.SortStableFunc(patterns, func(x, y uint32) int { return bits.OnesCount32(x) - bits.OnesCount32(y) })
	multi := make([]map[int]bool, max(1, min(workers, len(patterns))))
	parallelDo(len(multi), len(patterns), func(w, i int) {
		if multi[w] == nil {
			multi[w] = map[int]bool{}
		}
		bv.pattern(patterns[i], multi[w])
	})
	if bv.err != nil {
		return nil, bv.err
	}
	d := &blockDP{n: n, workers: workers}
	maxCost := 0
	for _, c := range slices.Sorted(maps.Keys(bv.byCost)) {
		cl := bv.byCost[c]
		for _, m := range multi {
			cl.multi = cl.multi || m[c]
		}
		d.classes = append(d.classes, cl)
		maxCost = c
	}
	d.limit = min(b.Limit, n*maxCost)
	return d, nil
}

// parallelMinTasks is the smallest task count for which [Exact] uses more
// than one goroutine.
const parallelMinTasks = 12

// blockValues is the state shared by the workers of newBlockValues.
type blockValues struct {
	r   Rule
	b   Budget
	n   int
	top uint32 // the tasks whose membership defines a pattern
	// disjoint: the rule's groupings are partitions, so a block is valued
	// only in the group equal to it.
	disjoint bool

	mu     sync.Mutex
	byCost map[int]*costClass
	err    error // the cost error of the lowest group
	errG   uint32
}

// class returns the class of cost c, creating it if needed.
func (bv *blockValues) class(c int) *costClass {
	bv.mu.Lock()
	defer bv.mu.Unlock()
	cl := bv.byCost[c]
	if cl == nil {
		cl = &costClass{cost: c, val: make([]float64, 1<<uint(bv.n)), arg: make([]uint32, 1<<uint(bv.n))}
		for i := range cl.val {
			cl.val[i] = math.Inf(-1)
		}
		bv.byCost[c] = cl
	}
	return cl
}

// fail records the cost error of group g unless one of a lower group is
// already recorded, so that the reported error does not depend on timing.
func (bv *blockValues) fail(g uint32, err error) {
	bv.mu.Lock()
	defer bv.mu.Unlock()
	if bv.err == nil || g < bv.errG {
		bv.err, bv.errG = err, g
	}
}

// pattern fills the values of the blocks B with B ∩ top = p, over every
// allowed group G ⊇ B in increasing order. Costs of groups holding two or
// more tasks are recorded in multi.
func (bv *blockValues) pattern(p uint32, multi map[int]bool) {
	n := bv.n
	full := uint32(Full(n))
	sg := sign(bv.r)
	scores := make([]float64, n)
	sc := make([]float64, n)
	bit := make([]uint32, n)
	lowTasks := n - bits.OnesCount32(bv.top)
	sums := make([]float64, 1<<uint(lowTasks))
	masks := make([]uint32, 1<<uint(lowTasks))
	local := map[int]*costClass{}
	for g := uint32(1); g <= full && g != 0; g++ {
		if g&p != p || (bv.disjoint && g&bv.top != p) || !bv.r.Scores(Set(g), scores) {
			continue
		}
		c, err := bv.b.cost(Set(g))
		if err != nil {
			bv.fail(g, err)
			return
		}
		if c > bv.b.Limit {
			continue
		}
		cl := local[c]
		if cl == nil {
			cl = bv.class(c)
			local[c] = cl
		}
		if bits.OnesCount32(g) > 1 {
			multi[c] = true
		}
		if bv.disjoint {
			bv.whole(cl, g, scores, sg)
			continue
		}
		// The pattern's members are the highest of every sub-block, so
		// the running sum starts with them, highest first.
		base := 0.0
		for x := p; x != 0; {
			hi := uint32(1) << uint(bits.Len32(x)-1)
			base += sg * scores[bits.TrailingZeros32(hi)]
			x ^= hi
		}
		m := 0
		for x := g &^ bv.top; x != 0; x &= x - 1 {
			j := Set(x).Lowest()
			bit[m], sc[m] = 1<<uint(j), sg*scores[j]
			m++
		}
		sums[0], masks[0] = base, p
		val, arg := cl.val, cl.arg
		if p != 0 && base > val[p] {
			val[p], arg[p] = base, g
		}
		for idx := 1; idx < 1<<uint(m); idx++ {
			prev := idx & (idx - 1)
			k := Set(idx).Lowest()
			s, mk := sums[prev]+sc[k], masks[prev]|bit[k]
			sums[idx], masks[idx] = s, mk
			if s > val[mk] {
				val[mk], arg[mk] = s, g
			}
		}
	}
}

// whole sets the value of block g, for a rule whose groupings are
// partitions ([Partitioner]): the sum of its members' scores, highest
// member first, as pattern sums them. The block's pattern is g's alone, so
// one worker writes it.
func (bv *blockValues) whole(cl *costClass, g uint32, scores []float64, sg float64) {
	s := 0.0
	for x := g; x != 0; {
		hi := uint32(1) << uint(bits.Len32(x)-1)
		s += sg * scores[bits.TrailingZeros32(hi)]
		x ^= hi
	}
	if s > cl.val[g] {
		cl.val[g], cl.arg[g] = s, g
	}
}

// parallelDo calls f(w, i) for every i in [0, items) on the given number
// of goroutines, w being the goroutine's index; items are handed out in
// increasing order. With one worker it runs in the caller's goroutine.
func parallelDo(workers, items int, f func(w, i int)) {
	if workers <= 1 {
		for i := 0; i < items; i++ {
			f(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= items {
					return
				}
				f(w, i)
			}
		}()
	}
	wg.Wait()
}

// step returns the best way to split off the block holding the lowest task
// of the non-empty set s with at most u units: the value of the block plus
// the best partition of the rest, the block and its class. The rest is
// read from d.f, so s without its lowest task must lie in tasks 1..n-1.
func (d *blockDP) step(u int, s uint32) (best float64, block uint32, class int) {
	best, class = math.Inf(-1), -1
	low := s & -s
	rest := s ^ low
	for ci, cl := range d.classes {
		if cl.cost > u {
			continue
		}
		f, val := d.f[u-cl.cost], cl.val
		if !cl.multi {
			if v := val[low] + f[rest>>1]; v > best {
				best, block, class = v, low, ci
			}
			continue
		}
		for sub := rest; ; sub = (sub - 1) & rest {
			if v := val[sub|low] + f[(rest^sub)>>1]; v > best {
				best, block, class = v, sub|low, ci
			}
			if sub == 0 {
				break
			}
		}
	}
	return best, block, class
}

// solve runs the program and returns the optimum (maximizing sense) and
// the groups serving its blocks.
func (d *blockDP) solve() (float64, []Set) {
	half := 1 << uint(d.n-1)
	d.f = make([][]float64, d.limit)
	for u := range d.f {
		d.f[u] = make([]float64, half)
		if u == 0 {
			for i := 1; i < half; i++ {
				d.f[0][i] = math.Inf(-1)
			}
			continue
		}
		prev, cur := d.f[u-1], d.f[u]
		if d.spend {
			cur[0] = math.Inf(-1) // the empty set costs nothing
		}
		// Entries of one layer read only lower layers: chunks of them are
		// independent and each is computed exactly as in a serial pass.
		chunk := max(1, half/(64*max(1, d.workers)))
		parallelDo(d.workers, (half+chunk-1)/chunk, func(_, c int) {
			for i := max(1, c*chunk); i < min(half, (c+1)*chunk); i++ {
				v, _, _ := d.step(u, uint32(i)<<1)
				if d.spend {
					cur[i] = v
				} else {
					cur[i] = max(prev[i], v)
				}
			}
		})
	}
	full := uint32(Full(d.n))
	top := d.limit
	best, _, _ := d.step(top, full)
	// Spending: the most units some partition of all tasks costs exactly.
	for d.spend && math.IsInf(best, -1) && top > 1 {
		top--
		best, _, _ = d.step(top, full)
	}
	if math.IsInf(best, -1) {
		return best, nil
	}
	// Walk back: the target value of (u, s) is reached by a step at some
	// u' ≤ u (at u itself when spending), which recomputes exactly the sums
	// stored before.
	var gs []Set
	s, u, target := full, top, best
	for s != 0 {
		v, blk, ci := d.step(u, s)
		if v != target {
			u--
			continue
		}
		cl := d.classes[ci]
		gs = append(gs, Set(cl.arg[blk]))
		s ^= blk
		u -= cl.cost
		target = d.f[u][s>>1]
	}
	return best, gs
}

// exactWork estimates the exact solver's inner-loop steps for r and b, or
// reports false when the task count is out of its range.
func exactWork(r Rule, b Budget) (float64, bool) {
	n := r.N()
	if n < 1 || n > 22 || b.Limit < 1 {
		return 0, n >= 1 && n <= 22
	}
	multi := map[int]bool{}
	maxCost := 0
	for g := Set(1); g <= Full(n); g++ {
		c := b.Cost(g)
		maxCost = max(maxCost, c)
		if g.Len() > 1 && c <= b.Limit {
			multi[c] = true
		}
	}
	u := min(b.Limit, n*maxCost)
	return math.Pow(3, float64(n)) + float64(u*len(multi))*math.Pow(3, float64(n-1))/2, true
}
