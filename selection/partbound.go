package selection

import (
	"cmp"
	"math"
	"slices"
)

// envLine is one line μ ↦ y − μ·x of a task's envelope: the task in a group
// of m tasks, x = 1/m its share of the group, y its best score there.
type envLine struct {
	x, y float64
	// from is the multiplier above which this line is the envelope's
	// maximum (−Inf for the first).
	from float64
}

// countBound is the bound on partitions into exactly K groups of the
// package documentation ("Bound for partitions"): for every task j the
// upper envelope over m of the lines T_j(m) − μ/m, where T_j(m) bounds the
// summed gains of j with m−1 groupmates.
type countBound struct {
	env [][]envLine
}

// newCountBound builds the envelopes from the gains: gain(j, buf) fills
// buf (length n) with g_ij, task j's gain from groupmate i (ignored at
// i = j), such that any partition's summed score is Σ_j Σ over j's
// groupmates i of g_ij.
func newCountBound(n int, gain func(j int, buf []float64)) *countBound {
	cb := &countBound{env: make([][]envLine, n)}
	buf := make([]float64, n)
	col := make([]float64, 0, n)
	for j := 0; j < n; j++ {
		gain(j, buf)
		col = col[:0]
		for i, v := range buf {
			if i != j {
				col = append(col, v)
			}
		}
		cb.env[j] = shareEnvelope(col, 0)
	}
	return cb
}

// shareEnvelope returns the upper envelope of one member's lines (a task,
// or a whole block of [mergeBounds]) worth y0 alone and gains from each
// other member: for m in 1..len(gains)+1, the line of share x = 1/m and
// y = y0 plus its m−1 largest gains. It sorts gains, largest first.
func shareEnvelope(gains []float64, y0 float64) []envLine {
	slices.Sort(gains)
	slices.Reverse(gains)
	var env []envLine
	t := y0
	for m := 1; m <= len(gains)+1; m++ {
		if m > 1 {
			t += gains[m-2]
		}
		env = addLine(env, envLine{x: 1 / float64(m), y: t})
	}
	return env
}

// addLine adds a line of larger slope −x than every line of env to the
// upper envelope of μ ↦ y − μ·x.
func addLine(env []envLine, l envLine) []envLine {
	for len(env) > 0 {
		top := env[len(env)-1]
		// The new line rises above the top one from μ = (y_l − y_top) /
		// (x_l − x_top) on (x_l < x_top); the top line is hidden when
		// that is at or before the point where it rose above its
		// predecessor. The first line, the steepest, is never hidden.
		at := (l.y - top.y) / (l.x - top.x)
		if len(env) > 1 && at <= top.from {
			env = env[:len(env)-1]
			continue
		}
		l.from = at
		break
	}
	if len(env) == 0 {
		l.from = math.Inf(-1)
	}
	return append(env, l)
}

// envValue returns max over the envelope at μ and the share x of the line
// reaching it.
func envValue(env []envLine, mu float64) (float64, float64) {
	// The last line whose from is at most μ.
	i := sortSearchLast(env, mu)
	return env[i].y - mu*env[i].x, env[i].x
}

// sortSearchLast is the index of the last line of env with from ≤ μ.
func sortSearchLast(env []envLine, mu float64) int {
	lo, hi := 0, len(env) // env[0].from = −Inf ≤ μ
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if env[mid].from <= mu {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// bounds returns, for every K in 1..maxK (at most n), min over μ of
// μ·K + Σ_j max_m (T_j(m) − μ/m), a bound on the summed score of any
// partition into exactly K groups; index 0 is unused. The function of μ is
// convex and piecewise linear with slope K − X(μ), X(μ) = Σ_j x_j(μ)
// falling from n to 1 at the envelopes' breakpoints; its minimum lies at
// the first breakpoint after which X ≤ K. One walk up the breakpoints
// answers every K, from n down.
func (cb *countBound) bounds(maxK int) []float64 {
	return cb.boundsFrom(maxK, math.Inf(-1))
}

// boundsFrom is bounds with μ restricted to μ ≥ lowest: with lowest = 0,
// min over μ ≥ 0, a bound when the shares Σ_j x_j sum to at most K
// rather than exactly K. As the function is convex, its minimum over
// μ ≥ lowest is at the larger of lowest and the unrestricted minimizer.
func (cb *countBound) boundsFrom(maxK int, lowest float64) []float64 {
	type event struct{ mu, dx float64 }
	var evs []event
	x := 0.0
	for _, env := range cb.env {
		x += env[0].x
		for t := 1; t < len(env); t++ {
			evs = append(evs, event{env[t].from, env[t].x - env[t-1].x})
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int { return cmp.Compare(a.mu, b.mu) })
	out := make([]float64, maxK+1)
	out[0] = math.Inf(-1)
	e := 0
	for K := maxK; K >= 1; K-- {
		for e < len(evs) && x > float64(K)+1e-9 {
			x += evs[e].dx
			e++
		}
		mu := 0.0
		switch {
		case e > 0:
			mu = evs[e-1].mu
		case len(evs) > 0:
			mu = evs[0].mu // K = n: the function is constant left of the first breakpoint
		}
		out[K] = cb.at(K, max(mu, lowest))
		if !math.IsInf(lowest, -1) {
			out[K] = min(out[K], cb.at(K, lowest))
		}
	}
	return out
}

// at is μ·K + Σ_j max_m (T_j(m) − μ/m), a valid bound for any μ.
func (cb *countBound) at(K int, mu float64) float64 {
	v := mu * float64(K)
	for _, env := range cb.env {
		h, _ := envValue(env, mu)
		v += h
	}
	return v
}
