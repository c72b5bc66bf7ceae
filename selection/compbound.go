package selection

import (
	"math"
	"math/bits"
)

// componentMaxBlocks is the most blocks [componentBounds] takes: its
// program walks every pair of nested sets of blocks (3^m of them).
const componentMaxBlocks = 12

// componentBounds is the component bound of the package documentation
// ("Component bound"): for the blocks of the canonical labels, with their
// exact splits, and K in 1..min(maxK, r−1) (r blocks; index 0 unused), a
// bound on the summed score of any partition into exactly K groups. It
// returns nil where it does not apply: fewer than two or more than
// [componentMaxBlocks] blocks, a block split only by the count bound, or a
// positive weight between two blocks.
func componentBounds(p *pairWeights, labels []int, blocks []blockSplit, maxK int) []float64 {
	r := len(blocks)
	if r < 2 || r > componentMaxBlocks {
		return nil
	}
	for _, b := range blocks {
		if b.label == nil {
			return nil
		}
	}
	n := p.n
	// top: the largest weight between two blocks; whole[a*r+b]: the summed
	// weight between blocks a and b.
	top := math.Inf(-1)
	whole := make([]float64, r*r)
	for i := 0; i < n; i++ {
		a := labels[i]
		for j, v := range p.row(i) {
			if b := labels[j]; b != a {
				top = max(top, v)
				whole[a*r+b] += v
			}
		}
	}
	if top > 0 {
		return nil
	}
	maxK = min(maxK, r-1)
	if maxK < 1 {
		return nil
	}
	// The charge ω = −top needs nothing added; ω = minus the mean weight
	// across blocks adds ½·n·λ_max of the rest.
	cross := 0.0
	for _, v := range whole {
		cross += v
	}
	pairs := n * n
	for _, b := range blocks {
		pairs -= len(b.tasks) * len(b.tasks)
	}
	out := componentProgram(p, blocks, whole, maxK, -top)
	if mean := cross / float64(pairs); mean < top {
		rest := &pairWeights{n: n, w: make([]float64, n*n)}
		for i := 0; i < n; i++ {
			for j, v := range p.row(i) {
				if labels[j] != labels[i] {
					rest.w[i*n+j] = v - mean
				}
			}
		}
		slack := newSpectralBound(rest).lambdaMax(0) * float64(n) / 2
		for K, v := range componentProgram(p, blocks, whole, maxK, -mean) {
			out[K] = min(out[K], v+slack)
		}
	}
	return out
}

// componentProgram is the program of "Component bound" with the charge ω
// on every pair across blocks; whole[a*r+b] is the summed weight between
// blocks a and b.
func componentProgram(p *pairWeights, blocks []blockSplit, whole []float64, maxK int, omega float64) []float64 {
	r := len(blocks)
	full := 1<<uint(r) - 1
	// val[U]: the summed weight of the blocks of U as one group; size[U]:
	// their number of tasks.
	val := make([]float64, full+1)
	size := make([]int, full+1)
	for U := 1; U <= full; U++ {
		a := lowBit(U)
		rest := U &^ (1 << uint(a))
		v := val[rest] + blocks[a].best[1]
		for x := rest; x != 0; x &= x - 1 {
			v += whole[a*r+lowBit(x)]
		}
		val[U], size[U] = v, size[rest]+len(blocks[a].tasks)
	}
	// phi[a][k]: the most block a's pairs give split into k pieces, each
	// piece p credited ½·ω·|p|² (its own pairs' share of the charge).
	phi := make([][]float64, r)
	for a, b := range blocks {
		s := len(b.tasks)
		w := make([]float64, s*s)
		for x, i := range b.tasks {
			row := p.row(i)
			for y, j := range b.tasks {
				if x != y {
					w[x*s+y] = row[j] + omega
				}
			}
		}
		phi[a], _ = exactSplits(w, s)
		for k := 1; k <= s; k++ {
			phi[a][k] += omega * float64(s) / 2
		}
	}
	// ext[U][e]: the most Σ phi over the blocks of U with e pieces more
	// than blocks (e capped at maxK−1, standing for at least that many).
	most := maxK - 1
	ext := make([][]float64, full+1)
	ext[0] = negInfs(most + 1)
	ext[0][0] = 0
	for U := 1; U <= full; U++ {
		a := lowBit(U)
		prev := ext[U&^(1<<uint(a))]
		cur := negInfs(most + 1)
		for e, v := range prev {
			if math.IsInf(v, -1) {
				continue
			}
			for k := 1; k < len(phi[a]); k++ {
				f := min(e+k-1, most)
				cur[f] = max(cur[f], v+phi[a][k])
			}
		}
		ext[U] = cur
	}
	// comp[U][g]: the most a component of blocks U in g groups gives.
	comp := make([][]float64, full+1)
	for U := 1; U <= full; U++ {
		comp[U] = make([]float64, maxK+1)
		for g := 1; g <= maxK; g++ {
			comp[U][g] = componentValue(U, g, blocks, val, size, ext, omega)
		}
	}
	// dp[U][K]: the most the blocks of U give in K groups.
	dp := make([][]float64, full+1)
	dp[0] = negInfs(maxK + 1)
	dp[0][0] = 0
	for U := 1; U <= full; U++ {
		cur := negInfs(maxK + 1)
		low := U & -U
		rest := U &^ low
		for T := rest; ; T = (T - 1) & rest {
			C := low | T
			prev := dp[U&^C]
			for g := 1; g <= maxK; g++ {
				c := comp[C][g]
				if math.IsInf(c, -1) {
					continue
				}
				for K := g; K <= maxK; K++ {
					if v := prev[K-g]; !math.IsInf(v, -1) {
						cur[K] = max(cur[K], v+c)
					}
				}
			}
			if T == 0 {
				break
			}
		}
		dp[U] = cur
	}
	return dp[full]
}

// componentValue bounds what a component of the blocks U (a set of blocks
// whose groups hold no other task, connected by shared groups) gives in g
// groups (see "Component bound"): one block splits exactly; several in one
// group are whole; several in g ≥ 2 groups have at least g−1 pieces more
// than blocks, and their pairs across blocks are charged through the
// balanced sizes.
func componentValue(U, g int, blocks []blockSplit, val []float64, size []int, ext [][]float64, omega float64) float64 {
	if bits.OnesCount(uint(U)) == 1 {
		b := blocks[lowBit(U)]
		if g < len(b.best) {
			return b.best[g]
		}
		return math.Inf(-1)
	}
	if g == 1 {
		return val[U]
	}
	if g > size[U] {
		return math.Inf(-1)
	}
	best := math.Inf(-1)
	for _, v := range ext[U][min(g-1, len(ext[U])-1):] {
		best = max(best, v)
	}
	return best - omega*balancedSquares(size[U], g)/2
}

// balancedSquares is the least Σ|G|² over partitions of n tasks into g
// groups: sizes as equal as integers allow.
func balancedSquares(n, g int) float64 {
	q, m := n/g, n%g
	return float64(m*(q+1)*(q+1) + (g-m)*q*q)
}

// negInfs returns n values of −Inf.
func negInfs(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Inf(-1)
	}
	return out
}
