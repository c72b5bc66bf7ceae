package selection

import (
	"math"
	"slices"
)

// SizeBounder is an optional interface of a [Rule] that lets [Anytime]
// prove a bound which depends on the budget (see "Budget-aware bound" in
// the package documentation).
type SizeBounder interface {
	// SizeBounds returns b with b[j][m], for every task j and group size
	// m in 1..N, the best score task j reaches in any allowed group of
	// exactly m tasks, in the rule's own sense (highest when maximizing,
	// lowest when minimizing), or the losing infinity when no allowed
	// group of that size holds j. b[j][0] is unused.
	SizeBounds() [][]float64
}

// SizeBounds gives, for a group of m ≥ 2 tasks, the mean of the m−1
// largest affinities onto task j, reached by j with its m−1 best partners,
// and SingletonScore for m = 1 when singletons are allowed.
func (r *Affinity) SizeBounds() [][]float64 {
	single := math.Inf(-1)
	if r.AllowSingletons {
		single = r.SingletonScore
	}
	return sortedPartnerMeans(r.A, single, false)
}

// SizeBounds gives, for a group of m ≥ 2 tasks, the mean of the m−1
// smallest pair losses of task j, reached by j with its m−1 best partners,
// and the single-task loss L[j][j] for m = 1.
func (r *PairLoss) SizeBounds() [][]float64 {
	out := sortedPartnerMeans(r.L, 0, true)
	for j := range out {
		out[j][1] = r.L[j][j]
	}
	return out
}

// SizeBounds gives task j's smallest loss over the listed groups of each
// size that hold j.
func (r *GroupLoss) SizeBounds() [][]float64 {
	out := make([][]float64, r.Tasks)
	for j := range out {
		out[j] = make([]float64, r.Tasks+1)
		for m := range out[j] {
			out[j][m] = math.Inf(1)
		}
	}
	for g, l := range r.Loss {
		m := g.Len()
		for x := g; x != 0; x &= x - 1 {
			j := x.Lowest()
			out[j][m] = min(out[j][m], l[j])
		}
	}
	return out
}

// sortedPartnerMeans returns b[j][m] = mean of the m−1 best off-diagonal
// entries of column j of mat (largest, or smallest when minimize), for
// m ≥ 2, and b[j][1] = single.
func sortedPartnerMeans(mat [][]float64, single float64, minimize bool) [][]float64 {
	return sortedPartners(mat, single, minimize, true)
}

// sortedPartners returns b[j][m] = sum of the m−1 best off-diagonal
// entries of column j of mat (largest, or smallest when minimize), divided
// by m−1 when mean is set, for m ≥ 2, and b[j][1] = single.
func sortedPartners(mat [][]float64, single float64, minimize, mean bool) [][]float64 {
	n := len(mat)
	out := make([][]float64, n)
	col := make([]float64, 0, n)
	for j := range out {
		col = col[:0]
		for i := range mat {
			if i != j {
				col = append(col, mat[i][j])
			}
		}
		slices.Sort(col)
		if !minimize {
			slices.Reverse(col)
		}
		out[j] = make([]float64, n+1)
		out[j][1] = single
		sum := 0.0
		for k, v := range col {
			sum += v
			out[j][k+2] = sum
			if mean {
				out[j][k+2] = sum / float64(k+1)
			}
		}
	}
	return out
}

// budgetBound returns a proven upper bound on the summed maximizing-sense
// score of any grouping under r and b, never above boundSum(r). Rules that
// do not implement [SizeBounder] get boundSum(r).
func budgetBound(r Rule, b Budget) float64 {
	old := boundSum(r)
	sb, ok := r.(SizeBounder)
	if !ok || b.Limit < 1 {
		return old
	}
	opts := sizeOptions(r, sb, b)
	if opts == nil {
		return math.Inf(-1)
	}
	return min(old, lagrangeBound(opts, float64(b.Limit)))
}

// option is one choice of a task in the relaxation: a score (maximizing
// sense) and the budget share it uses, c(m)/m for a group of m tasks
// costing c(m).
type option struct {
	score, share float64
}

// sizeOptions lists, for each task, the group sizes it could be served by
// as options, keeping only those not dominated by another (a higher score
// for no larger share). It returns nil if some task has no option.
func sizeOptions(r Rule, sb SizeBounder, b Budget) [][]option {
	sg := sign(r)
	bounds := sb.SizeBounds()
	n := r.N()
	out := make([][]option, n)
	for j := range out {
		var all []option
		for m := 1; m <= n; m++ {
			v := sg * bounds[j][m]
			if math.IsInf(v, -1) || math.IsNaN(v) {
				continue
			}
			c := 1
			if b.SizeCost != nil {
				if c = b.SizeCost(m); c < 1 || c > b.Limit {
					continue
				}
			}
			all = append(all, option{v, float64(c) / float64(m)})
		}
		// Pareto front: by increasing share, keep strictly rising scores.
		slices.SortFunc(all, func(x, y option) int {
			if x.share != y.share {
				if x.share < y.share {
					return -1
				}
				return 1
			}
			if x.score > y.score {
				return -1
			}
			if x.score < y.score {
				return 1
			}
			return 0
		})
		var front []option
		for _, o := range all {
			if len(front) == 0 || o.score > front[len(front)-1].score {
				front = append(front, o)
			}
		}
		if len(front) == 0 {
			return nil
		}
		out[j] = front
	}
	return out
}

// lagrangeEval returns, at multiplier mu ≥ 0, the Lagrangian bound
// mu·limit + Σ_j max_o (score_o − mu·share_o) and the right derivative's
// share term Σ_j (smallest share among j's maximizing options).
func lagrangeEval(opts [][]option, limit, mu float64) (bound, share float64) {
	bound = mu * limit
	for _, os := range opts {
		best, bs := math.Inf(-1), 0.0
		for _, o := range os {
			v := o.score - mu*o.share
			if v > best || (v == best && o.share < bs) {
				best, bs = v, o.share
			}
		}
		bound += best
		share += bs
	}
	return bound, share
}

// lagrangeBound minimizes the Lagrangian bound over mu ≥ 0. The bound is
// convex and piecewise linear in mu with right slope limit − share; the
// search brackets the point where that slope turns non-negative and
// bisects. Every evaluated mu gives a valid bound; the least is returned.
// It is −Inf when even the smallest shares exceed the limit.
func lagrangeBound(opts [][]option, limit float64) float64 {
	minShare := 0.0
	for _, os := range opts {
		minShare += os[0].share
	}
	if minShare > limit*(1+1e-12) {
		return math.Inf(-1)
	}
	best, share := lagrangeEval(opts, limit, 0)
	if share <= limit {
		return best // mu = 0 is optimal: the slope is already non-negative
	}
	lo, hi := 0.0, 1.0
	for range 200 {
		v, s := lagrangeEval(opts, limit, hi)
		best = min(best, v)
		if s <= limit {
			break
		}
		lo, hi = hi, 2*hi
	}
	for range 100 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		v, s := lagrangeEval(opts, limit, mid)
		best = min(best, v)
		if s <= limit {
			hi = mid
		} else {
			lo = mid
		}
	}
	return best
}
