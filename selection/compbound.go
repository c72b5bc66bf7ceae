package selection

import (
	"math"
	"math/bits"
	"slices"
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
		slack := remainderSlack(p, labels, blocks, size, mean)
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

// minorMax is the most tasks outside a chosen piece of each block that
// [splitComponents] follows exactly (see "Component bound").
const minorMax = 4

// splitComponents returns, for every set U of at least two blocks and g in
// 2..maxK, the bound of "Component bound" on a component of the blocks U
// in g groups with the charge ω on every pair across blocks, plus
// slack[U] when slack is not nil (indices below 2 unused; −Inf where no
// such component exists); size[U] is the number of tasks of U.
func splitComponents(p *pairWeights, blocks []blockSplit, size []int, maxK int, omega float64, slack []float64) [][]float64 {
	r := len(blocks)
	full := 1<<uint(r) - 1
	big := minorMax + 1 // F above minorMax
	// opts[a]: block a's choices (k pieces, f tasks outside its chosen
	// piece, f = big above minorMax) and the most each gives, every piece
	// p credited ½·ω·|p|² (its own pairs' share of the charge).
	type option struct {
		k, f int
		v    float64
	}
	opts := make([][]option, r)
	sMin := math.MaxInt
	for a, b := range blocks {
		s := len(b.tasks)
		sMin = min(sMin, s)
		w := make([]float64, s*s)
		for x, i := range b.tasks {
			row := p.row(i)
			for y, j := range b.tasks {
				if x != y {
					w[x*s+y] = row[j] + omega
				}
			}
		}
		half := func(t int) float64 { return omega * float64(t) / 2 } // Σ ½·ω·|p| over t tasks
		whole := half(s)
		for x := range s {
			for y := x + 1; y < s; y++ {
				whole += w[x*s+y]
			}
		}
		opts[a] = append(opts[a], option{1, 0, whole})
		if s-big >= 1 { // no piece of more than s − big tasks
			split, _ := exactSplits(w, s, s-big)
			for k := 2; k <= s; k++ {
				if !math.IsInf(split[k], -1) {
					opts[a] = append(opts[a], option{k, big, split[k] + half(s)})
				}
			}
		}
		// One piece of s − f tasks, the other f (1 ≤ f ≤ minorMax) in
		// k − 1 pieces.
		best := make(map[[2]int]float64)
		for R := 1; R < 1<<uint(s); R++ {
			f := bits.OnesCount(uint(R))
			if f > minorMax || f >= s {
				continue
			}
			var rest, in []int
			for x := 0; x < s; x++ {
				if R&(1<<uint(x)) != 0 {
					in = append(in, x)
				} else {
					rest = append(rest, x)
				}
			}
			main := half(s - f)
			for i, x := range rest {
				for _, y := range rest[i+1:] {
					main += w[x*s+y]
				}
			}
			sub := make([]float64, f*f)
			for i, x := range in {
				for j, y := range in {
					sub[i*f+j] = w[x*s+y]
				}
			}
			parts, _ := exactSplits(sub, f, f)
			for j := 1; j <= f; j++ {
				key := [2]int{j + 1, f}
				if v, ok := best[key]; !ok || main+parts[j]+half(f) > v {
					best[key] = main + parts[j] + half(f)
				}
			}
		}
		for key, v := range best {
			opts[a] = append(opts[a], option{key[0], key[1], v})
		}
	}
	out := make([][]float64, full+1)
	for U := range out {
		out[U] = negInfs(maxK + 1)
	}
	// For each g, ext[U][e*(big+1)+F]: the most Σ over the blocks of U of
	// their choices of at most g pieces each (a block's pieces lie in
	// distinct groups), with e pieces more than blocks (capped at g−1,
	// standing for at least that many) and F tasks outside the chosen
	// pieces (big: more than minorMax).
	ext := make([][]float64, full+1)
	for g := 2; g <= maxK; g++ {
		width := g * (big + 1)
		ext[0] = negInfs(width)
		ext[0][0] = 0
		for U := 1; U <= full; U++ {
			a := lowBit(U)
			prev := ext[U&^(1<<uint(a))]
			cur := negInfs(width)
			for idx, v := range prev {
				if math.IsInf(v, -1) {
					continue
				}
				e, F := idx/(big+1), idx%(big+1)
				for _, o := range opts[a] {
					if o.k > g {
						continue
					}
					e2, F2 := min(e+o.k-1, g-1), min(F+o.f, big)
					if i := e2*(big+1) + F2; v+o.v > cur[i] {
						cur[i] = v + o.v
					}
				}
			}
			ext[U] = cur
			u := bits.OnesCount(uint(U))
			if u < 2 || g > size[U] {
				continue
			}
			best := math.Inf(-1)
			for F := 0; F <= big; F++ {
				v := cur[(g-1)*(big+1)+F]
				if math.IsInf(v, -1) {
					continue
				}
				item := 0
				if F < big {
					item = max(0, sMin-F)
				}
				best = max(best, v-omega*leastSquares(u, item, size[U], g)/2)
			}
			if slack != nil {
				best += slack[U]
			}
			out[U][g] = best
		}
	}
	return out
}

// leastSquares is a lower bound on Σ|G|² over g groups holding n tasks in
// all when u of the tasks' blocks each have a piece of at least item
// tasks in one group: the pieces dealt as evenly as possible over the
// groups and the other tasks poured into the lightest groups (with
// item = 0, the sizes as equal as integers allow, or less).
func leastSquares(u, item, n, g int) float64 {
	if item == 0 {
		return balancedSquares(n, g)
	}
	loads := make([]float64, g)
	for i := range u {
		loads[i%g] += float64(item)
	}
	slices.Sort(loads)
	fluid := float64(n - u*item)
	// Raise the lightest groups to a common level.
	level, j := loads[0], 1
	for fluid > 0 {
		next := math.Inf(1)
		if j < g {
			next = loads[j]
		}
		if step := (next - level) * float64(j); step <= fluid {
			fluid -= step
			level = next
			j++
			continue
		}
		level += fluid / float64(j)
		fluid = 0
	}
	out := 0.0
	for _, l := range loads {
		out += max(l, level) * max(l, level)
	}
	return out
}

// remainderSlack returns, for every set U of blocks, ½·N_U·λ_max(D_U),
// where D_U is the matrix of w_ij − mean on the pairs of U's tasks across
// blocks and 0 elsewhere and N_U = size[U] its number of tasks. Above
// [remainderExactTasks] tasks λ_max(D_U) is replaced by that of the whole
// D, which is at least as large (its principal submatrices' eigenvalues
// interlace).
func remainderSlack(p *pairWeights, labels []int, blocks []blockSplit, size []int, mean float64) []float64 {
	r := len(blocks)
	full := 1<<uint(r) - 1
	out := make([]float64, full+1)
	lambda := func(U int) float64 {
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
		return newSpectralBound(d).lambdaMax(0)
	}
	all := lambda(full)
	for U := 1; U <= full; U++ {
		l := all
		if size[U] <= remainderExactTasks && bits.OnesCount(uint(U)) >= 2 {
			l = lambda(U)
		}
		out[U] = l * float64(size[U]) / 2
	}
	return out
}

// remainderExactTasks is the most tasks of a set of blocks whose
// remainder [remainderSlack] reduces on its own.
const remainderExactTasks = 30

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
