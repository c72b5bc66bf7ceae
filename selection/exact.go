package selection

import (
	"fmt"
	"math"
)

// MaxExactTasks is the largest number of tasks [Exact] accepts.
const MaxExactTasks = 24

// Exact returns an optimal grouping under rule r and budget b, proven by
// the block decomposition and dynamic program described in the package
// documentation. It returns [ErrInfeasible] when no grouping fits b.
func Exact(r Rule, b Budget) (*Result, error) {
	n := r.N()
	if n < 1 || n > MaxExactTasks {
		return nil, fmt.Errorf("exact solver: %d tasks, want 1 to %d", n, MaxExactTasks)
	}
	if b.Limit < 1 {
		return nil, ErrInfeasible
	}
	d, err := newBlockValues(r, b)
	if err != nil {
		return nil, err
	}
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
	limit   int // budget units the program uses
	classes []*costClass
	// f[u][S>>1], for u < limit and S a set of tasks 1..n-1, is the best
	// total score of a partition of S into blocks costing at most u.
	f [][]float64
}

// newBlockValues computes v_c(B) for every block B and cost c: for every
// allowed group G it walks G's 2^|G| sub-blocks, indexing them by the bits
// of a counter so that each sub-block's sum extends a smaller one by its
// lowest member.
func newBlockValues(r Rule, b Budget) (*blockDP, error) {
	n := r.N()
	full := uint32(Full(n))
	sg := sign(r)
	d := &blockDP{n: n}
	byCost := map[int]*costClass{}
	scores := make([]float64, n)
	sc := make([]float64, n)
	bit := make([]uint32, n)
	sums := make([]float64, 1<<uint(n))
	masks := make([]uint32, 1<<uint(n))
	maxCost := 0
	for g := uint32(1); g <= full && g != 0; g++ {
		if !r.Scores(Set(g), scores) {
			continue
		}
		c, err := b.cost(Set(g))
		if err != nil {
			return nil, err
		}
		if c > b.Limit {
			continue
		}
		cl := byCost[c]
		if cl == nil {
			cl = &costClass{cost: c, val: make([]float64, 1<<uint(n)), arg: make([]uint32, 1<<uint(n))}
			for i := range cl.val {
				cl.val[i] = math.Inf(-1)
			}
			byCost[c] = cl
			d.classes = append(d.classes, cl)
			maxCost = max(maxCost, c)
		}
		m := 0
		for x := g; x != 0; x &= x - 1 {
			j := Set(x).Lowest()
			bit[m], sc[m] = 1<<uint(j), sg*scores[j]
			m++
		}
		if m > 1 {
			cl.multi = true
		}
		val, arg := cl.val, cl.arg
		for idx := 1; idx < 1<<uint(m); idx++ {
			prev := idx & (idx - 1)
			k := Set(idx).Lowest()
			s := sums[prev] + sc[k]
			mk := masks[prev] | bit[k]
			sums[idx], masks[idx] = s, mk
			if s > val[mk] {
				val[mk], arg[mk] = s, g
			}
		}
	}
	d.limit = min(b.Limit, n*maxCost)
	return d, nil
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
		for i := 1; i < half; i++ {
			v, _, _ := d.step(u, uint32(i)<<1)
			cur[i] = max(prev[i], v)
		}
	}
	full := uint32(Full(d.n))
	best, _, _ := d.step(d.limit, full)
	if math.IsInf(best, -1) {
		return best, nil
	}
	// Walk back: the target value of (u, s) is reached by a step at some
	// u' ≤ u, which recomputes exactly the sums stored before.
	var gs []Set
	s, u, target := full, d.limit, best
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
