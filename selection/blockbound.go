package selection

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// blockExactMax is the largest block whose best partitions [blockBounds]
// computes exactly, by a dynamic program over its subsets (s·3^s steps for
// a block of s tasks); larger blocks get the count bound of their own
// weights.
const blockExactMax = 10

// blockSplit is one block of a blocking: its tasks and, for every k in
// 1..len(tasks), best[k], an upper bound on the summed weight of any
// partition of the block into exactly k groups (exact when the block has
// at most [blockExactMax] tasks, and then label[k] is such a partition).
type blockSplit struct {
	tasks []int
	best  []float64
	label [][]int
}

// blockBounds is the block bound of the package documentation ("Block
// bound"): for the blocking labels (any partition of the tasks) it
// returns, for every K in 1..maxK, a bound on the summed score of any
// partition into exactly K groups (index 0 unused; −Inf where no
// partition has K groups), and for each K a partition into K groups that
// splits every block into groups of its own, the best such one when every
// block is small enough to be split exactly (nil where there is none).
func blockBounds(p *pairWeights, labels []int, maxK int) ([]float64, [][]int) {
	n := p.n
	labels = canonicalLabels(labels)
	blocks := blockSplits(p, labels)
	sMax := 0
	for _, b := range blocks {
		sMax = max(sMax, len(b.tasks))
	}
	// F[t]: the most the blocks' own weights give with t pieces in all;
	// choice[b][t]: the pieces of block b in that best.
	F := []float64{0}
	choice := make([][]int, len(blocks))
	for bi, b := range blocks {
		next := make([]float64, len(F)+len(b.tasks))
		for t := range next {
			next[t] = math.Inf(-1)
		}
		choice[bi] = make([]int, len(next))
		for t, f := range F {
			if math.IsInf(f, -1) {
				continue
			}
			for k := 1; k <= len(b.tasks); k++ {
				if v := f + b.best[k]; v > next[t+k] {
					next[t+k], choice[bi][t+k] = v, k
				}
			}
		}
		F = next
	}
	pos := blockPositives(p, labels, len(blocks))
	cross := crossBounds(p, labels, len(blocks), pos, sMax)
	merge := mergeBounds(p, labels, pos, blocks, maxK)
	comp := componentBounds(p, labels, blocks, maxK)
	bound := make([]float64, maxK+1)
	cand := make([][]int, maxK+1)
	bound[0] = math.Inf(-1)
	for K := 1; K <= maxK; K++ {
		bound[K] = math.Inf(-1)
		for t := K; t < len(F); t++ {
			if !math.IsInf(F[t], -1) {
				bound[K] = max(bound[K], F[t]+cross[t-K])
			}
		}
		bound[K] = min(bound[K], merge[K])
		if K < len(comp) {
			bound[K] = min(bound[K], comp[K])
		}
		if K < len(F) && !math.IsInf(F[K], -1) {
			cand[K] = blockCandidate(n, blocks, choice, K)
		}
	}
	return bound, cand
}

// mergeBounds is the merge bound of the package documentation ("Block
// bound"): for the canonical labels, whose blocks are blocks and the
// positive weights between them pos ([blockPositives]), and K in 1..maxK
// (index 0 unused), a bound on partitions into exactly K groups that
// charges what merging whole blocks costs. Every block either stays whole,
// scoring its own weight, its count-bound share ½·(the q−1 largest summed
// weights to other blocks) of a group of q whole blocks, less μ/q; or is
// split, scoring its best split into two or more groups plus x_a, the most
// its pairs with other blocks can add: for each other block b, the larger
// of Σ_{i∈a} max(0, w(i, b)) (b whole, so a's tasks beside it take all of
// it) and half the positive weights between a and b (b split too). The
// bound is min over μ ≥ 0 of μ·K plus the sum over blocks of the better
// choice.
func mergeBounds(p *pairWeights, labels []int, pos []float64, blocks []blockSplit, maxK int) []float64 {
	n, r := p.n, len(blocks)
	rho := make([]float64, n*r) // rho[i*r+b]: summed weight from task i to block b
	for i := 0; i < n; i++ {
		for j, v := range p.row(i) {
			rho[i*r+labels[j]] += v
		}
	}
	whole := make([]float64, r*r) // summed weight between blocks a and b
	rows := make([]float64, r*r)  // Σ_{i∈a} max(0, w(i, b))
	for i := 0; i < n; i++ {
		a := labels[i]
		for b, v := range rho[i*r : (i+1)*r] {
			if b != a {
				whole[a*r+b] += v
				rows[a*r+b] += max(v, 0)
			}
		}
	}
	cb := &countBound{env: make([][]envLine, r)}
	col := make([]float64, 0, r)
	for a, blk := range blocks {
		col = col[:0]
		x := 0.0
		for b := 0; b < r; b++ {
			if b != a {
				col = append(col, whole[a*r+b]/2)
				x += max(rows[a*r+b], pos[a*r+b]/2)
			}
		}
		env := shareEnvelope(col, blk.best[1])
		if len(blk.tasks) > 1 {
			split := math.Inf(-1)
			for _, v := range blk.best[2:] {
				split = max(split, v)
			}
			env = addLine(env, envLine{x: 0, y: split + x})
		}
		cb.env[a] = env
	}
	return cb.boundsFrom(maxK, 0)
}

// blockCandidate returns the partition into K groups made of the blocks'
// best splits chosen for F[K], or nil when some block was not split
// exactly.
func blockCandidate(n int, blocks []blockSplit, choice [][]int, K int) []int {
	out := make([]int, n)
	t, next := K, 0
	for bi := len(blocks) - 1; bi >= 0; bi-- {
		b := blocks[bi]
		k := choice[bi][t]
		if b.label == nil {
			return nil
		}
		for x, j := range b.tasks {
			out[j] = next + b.label[k][x]
		}
		next += k
		t -= k
	}
	return canonicalLabels(out)
}

// blockSplits returns the blocks of the canonical labels (numbered in
// the order of their lowest task) with their best splits.
func blockSplits(p *pairWeights, labels []int) []blockSplit {
	var blocks []blockSplit
	for j, l := range labels {
		if l == len(blocks) {
			blocks = append(blocks, blockSplit{})
		}
		blocks[l].tasks = append(blocks[l].tasks, j)
	}
	for i := range blocks {
		b := &blocks[i]
		s := len(b.tasks)
		w := make([]float64, s*s)
		for x, i := range b.tasks {
			row := p.row(i)
			for y, j := range b.tasks {
				w[x*s+y] = row[j]
			}
		}
		if s <= blockExactMax {
			b.best, b.label = exactSplits(w, s, s)
			continue
		}
		cb := newCountBound(s, func(j int, buf []float64) {
			for i := range buf {
				buf[i] = w[i*s+j] / 2
			}
		})
		b.best = cb.bounds(s)
		b.best[0] = math.Inf(-1)
	}
	return blocks
}

// exactSplits returns, for k in 1..s, the largest summed weight of a
// partition of s tasks with pair weights w (s×s, symmetric) into exactly k
// groups of at most maxPiece tasks each and such a partition (−Inf, and
// no meaningful partition, where there is none), by a dynamic program over
// subsets.
func exactSplits(w []float64, s, maxPiece int) ([]float64, [][]int) {
	full := 1<<uint(s) - 1
	val := make([]float64, full+1) // summed weight inside each subset
	for S := 1; S <= full; S++ {
		low := lowBit(S)
		rest := S &^ (1 << uint(low))
		v := val[rest]
		for x := rest; x != 0; x &= x - 1 {
			v += w[low*s+lowBit(x)]
		}
		val[S] = v
	}
	if maxPiece < s {
		for S := range val {
			if bits.OnesCount(uint(S)) > maxPiece {
				val[S] = math.Inf(-1)
			}
		}
	}
	// f[k][S]: best split of S into k groups; arg[k][S]: the group of S's
	// lowest task in it.
	f := [][]float64{nil, val}
	arg := [][]int{nil, nil}
	for k := 2; k <= s; k++ {
		fk, ak := make([]float64, full+1), make([]int, full+1)
		for S := 1; S <= full; S++ {
			fk[S] = math.Inf(-1)
			lowSet := S & -S
			rest := S &^ lowSet
			// T = lowSet ∪ U for every proper subset U of rest.
			for U := (rest - 1) & rest; ; U = (U - 1) & rest {
				if r := S &^ (lowSet | U); r != 0 {
					if v := val[lowSet|U] + f[k-1][r]; v > fk[S] {
						fk[S], ak[S] = v, lowSet|U
					}
				}
				if U == 0 {
					break
				}
			}
		}
		f, arg = append(f, fk), append(arg, ak)
	}
	best := make([]float64, s+1)
	labels := make([][]int, s+1)
	best[0] = math.Inf(-1)
	for k := 1; k <= s; k++ {
		best[k] = f[k][full]
		lab := make([]int, s)
		S := full
		for g := 0; g < k; g++ {
			T := S
			if k-g > 1 {
				T = arg[k-g][S]
			}
			for x := T; x != 0; x &= x - 1 {
				lab[lowBit(x)] = g
			}
			S &^= T
		}
		labels[k] = lab
	}
	return best, labels
}

// lowBit is the index of the lowest set bit of x > 0.
func lowBit(x int) int { return Set(x).Lowest() }

// crossBounds returns c[d] for d in 0..n: a bound on the summed weight of
// the pairs of tasks from different blocks of labels that share a group,
// over partitions whose groups hold d more pieces (a piece: a group's
// tasks inside one block) than there are groups; sMax is the largest
// block's size and pos the positive weights between the blocks
// ([blockPositives]). It is the least of three bounds:
//
//   - By task: a group of q ≥ 2 pieces holds at most q·sMax ≤ 2(q−1)·sMax
//     tasks, so at most 2d·sMax tasks have a partner from another block,
//     each at most d·sMax of them: the sum of the 2d·sMax largest, over
//     tasks j, of the d·sMax largest positive halves of the weights from j
//     to other blocks.
//   - By block pair: the pairs that share a group between blocks a and b
//     are distinct pairs of a × b, so they weigh at most P_ab, the sum of
//     the positive weights between a and b, and nothing unless a and b
//     meet in a group. A group of q pieces makes q(q−1)/2 meeting pairs;
//     with Σ(q−1) = d there are at most d(d+1)/2 of them: the sum of the
//     d(d+1)/2 largest P_ab.
//   - By block: block a meets at most d other blocks (Σ(q−1) over its
//     groups), so the meeting pairs weigh at most half the sum over blocks
//     a of the d largest P_ab.
func crossBounds(p *pairWeights, labels []int, blocks int, pos []float64, sMax int) []float64 {
	out := taskCrossBounds(p, labels, sMax)
	pairs := blockCrossBounds(p.n, blocks, pos)
	for d := range out {
		out[d] = min(out[d], pairs[d])
	}
	return out
}

// blockPositives returns P_ab of [crossBounds] for the r blocks of the
// canonical labels: pos[a*r+b], the sum of the positive weights between
// blocks a and b (0 on the diagonal).
func blockPositives(p *pairWeights, labels []int, r int) []float64 {
	pos := make([]float64, r*r)
	for i := 0; i < p.n; i++ {
		a := labels[i]
		for j, v := range p.row(i) {
			if b := labels[j]; b != a && v > 0 {
				pos[a*r+b] += v // each pair once in row a, once in row b
			}
		}
	}
	return pos
}

// blockCrossBounds returns the least of the block-pair and the block
// bounds of [crossBounds] for d in 0..n, from the positive weights pos
// between the r blocks ([blockPositives]).
func blockCrossBounds(n, r int, pos []float64) []float64 {
	var all []float64 // P_ab over a < b, largest first
	rows := make([][]float64, r)
	for a := 0; a < r; a++ {
		for b := 0; b < r; b++ {
			if b != a {
				rows[a] = append(rows[a], pos[a*r+b])
				if a < b {
					all = append(all, pos[a*r+b])
				}
			}
		}
		slices.SortFunc(rows[a], func(x, y float64) int { return cmp.Compare(y, x) })
	}
	slices.SortFunc(all, func(x, y float64) int { return cmp.Compare(y, x) })
	out := make([]float64, n+1)
	pairSum, m := 0.0, 0 // the m largest P_ab
	byBlock := 0.0       // Σ over blocks of their d largest P_ab
	for d := 1; d <= n; d++ {
		for m < min(d*(d+1)/2, len(all)) {
			pairSum += all[m]
			m++
		}
		for _, row := range rows { // block a's d-th partner
			if d <= len(row) {
				byBlock += row[d-1]
			}
		}
		out[d] = min(pairSum, byBlock/2)
	}
	return out
}

// taskCrossBounds returns the task bound of [crossBounds] for d in 0..n.
func taskCrossBounds(p *pairWeights, labels []int, sMax int) []float64 {
	n := p.n
	prefix := make([][]float64, n) // prefix[j][r]: j's r largest positive cross halves
	for j := 0; j < n; j++ {
		var pos []float64
		for i, v := range p.row(j) {
			if labels[i] != labels[j] && v > 0 {
				pos = append(pos, v/2)
			}
		}
		slices.SortFunc(pos, func(a, b float64) int { return cmp.Compare(b, a) })
		pre := make([]float64, len(pos)+1)
		for r, v := range pos {
			pre[r+1] = pre[r] + v
		}
		prefix[j] = pre
	}
	out := make([]float64, n+1)
	vals := make([]float64, n)
	for d := 1; d <= n; d++ {
		r, tasks := d*sMax, min(n, 2*d*sMax)
		for j, pre := range prefix {
			vals[j] = pre[min(r, len(pre)-1)]
		}
		slices.SortFunc(vals, func(a, b float64) int { return cmp.Compare(b, a) })
		for _, v := range vals[:tasks] {
			out[d] += v
		}
		if tasks == n && r >= n {
			for e := d + 1; e <= n; e++ {
				out[e] = out[d]
			}
			break
		}
	}
	return out
}
