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
	mean := cross / float64(pairs)
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
	// split[U][g]: the bound on a component of the blocks U in g ≥ 2
	// groups, the lesser of the two charges.
	split := splitComponents(p, blocks, size, maxK, -top, nil)
	if mean < top {
		slack := remainderSlack(p, labels, blocks, mean)
		for U, row := range splitComponents(p, blocks, size, maxK, -mean, slack) {
			for g, v := range row {
				split[U][g] = min(split[U][g], v)
			}
		}
	}
	// dp[U][K]: the most the blocks of U give in K groups.
	dp := make([][]float64, full+1)
	dp[0] = negInfs(maxK + 1)
	dp[0][0] = 0
	comp := make([]float64, maxK+1) // a component C in g groups
	for U := 1; U <= full; U++ {
		cur := negInfs(maxK + 1)
		low := U & -U
		rest := U &^ low
		for T := rest; ; T = (T - 1) & rest {
			C := low | T
			if T == 0 {
				b := blocks[lowBit(C)]
				for g := 1; g <= maxK; g++ {
					comp[g] = math.Inf(-1)
					if g < len(b.best) {
						comp[g] = b.best[g]
					}
				}
			} else {
				copy(comp, split[C])
				comp[1] = val[C]
			}
			prev := dp[U&^C]
			for g := 1; g <= maxK; g++ {
				c := comp[g]
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

// splitComponents returns, for every set U of at least two blocks and g in
// 2..maxK, the bound of "Component bound" on a component of the blocks U
// in g groups with the charge ω on every pair across blocks, plus
// slack[U] when slack is not nil (indices below 2 unused; −Inf where no
// such component exists); size[U] is the number of tasks of U.
func splitComponents(p *pairWeights, blocks []blockSplit, size []int, maxK int, omega float64, slack []float64) [][]float64 {
	r := len(blocks)
	full := 1<<uint(r) - 1
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
	out := make([][]float64, full+1)
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
		out[U] = negInfs(maxK + 1)
		if bits.OnesCount(uint(U)) < 2 {
			continue
		}
		add := 0.0
		if slack != nil {
			add = slack[U]
		}
		for g := 2; g <= min(maxK, size[U]); g++ {
			best := math.Inf(-1)
			for _, v := range cur[min(g-1, most):] {
				best = max(best, v)
			}
			out[U][g] = best - omega*balancedSquares(size[U], g)/2 + add
		}
	}
	return out
}

// remainderSlack returns, for every set U of blocks, ½·N_U·λ_max(D_U),
// where D_U is the matrix of w_ij − mean on the pairs of U's tasks across
// blocks and 0 elsewhere and N_U its number of tasks. Above
// [remainderExactTasks] tasks λ_max(D_U) is replaced by that of the whole
// D, which is at least as large (its principal submatrices' eigenvalues
// interlace).
func remainderSlack(p *pairWeights, labels []int, blocks []blockSplit, mean float64) []float64 {
	r := len(blocks)
	full := 1<<uint(r) - 1
	out := make([]float64, full+1)
	lambda := func(U int) (float64, int) {
		var tasks []int
		for x := U; x != 0; x &= x - 1 {
			tasks = append(tasks, blocks[lowBit(x)].tasks...)
		}
		m := len(tasks)
		d := &pairWeights{n: m, w: make([]float64, m*m)}
		for x, i := range tasks {
			row := p.row(i)
			for y, j := range tasks {
				if labels[i] != labels[j] {
					d.w[x*m+y] = row[j] - mean
				}
			}
		}
		return newSpectralBound(d).lambdaMax(0), m
	}
	all, _ := lambda(full)
	for U := 1; U <= full; U++ {
		l, m := all, 0
		for x := U; x != 0; x &= x - 1 {
			m += len(blocks[lowBit(x)].tasks)
		}
		if m <= remainderExactTasks && bits.OnesCount(uint(U)) >= 2 {
			l, _ = lambda(U)
		}
		out[U] = l * float64(m) / 2
	}
	return out
}

// remainderExactTasks is the most tasks of a set of blocks whose
// remainder [remainderSlack] reduces on its own.
const remainderExactTasks = 40

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
