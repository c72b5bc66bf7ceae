package mtl

import (
	"math"

	"github.com/tagroup/tag/affinity"
)

// The losses after the lookaheads are n²·batch sigmoid cross-entropies per
// measurement (row i, column j: task j's loss on every example after task
// i's lookahead), never differentiated. On the pure-Go backend every
// elementwise exp and log1p is a float64 math call of about 10 ns, and at
// 40 tasks those losses were half of the measurement; so an engine on that
// backend evaluates them here, from the heads' outputs, with softplus64:
// a table of cubics, about 7 ns per loss including the rest of the
// expression (engine.hostLosses; lookaheadZ).

// softplusTable has softplusPerUnit intervals per unit of |x| and ends at
// softplusEnd: beyond it log1p(e^−a) < 1.3e-14 equals e^−a to float64
// precision.
const (
	softplusPerUnit = 8
	softplusEnd     = 32
)

// softplusTable holds, for a in [k/8, (k+1)/8), the coefficients of the
// cubic in u = 8a − k that interpolates log1p(e^−a) at the four Chebyshev
// points of the interval. Interpolation error on an interval is about
// h⁴/(4!·2⁷)·max|g⁗| with h = 1/8, and g = log1p(e^−a) and its
// derivatives fall off as e^−a: the relative error is below 1e-7 for every
// a (TestSoftplus64MatchesMath), float32's own rounding.
var softplusTable = func() [][4]float64 {
	t := make([][4]float64, softplusEnd*softplusPerUnit)
	for k := range t {
		var u, g [4]float64
		for i := range u {
			u[i] = 0.5 - 0.5*math.Cos((2*float64(i)+1)*math.Pi/8)
			g[i] = math.Log1p(math.Exp(-(float64(k) + u[i]) / softplusPerUnit))
		}
		t[k] = cubicThrough(u, g)
	}
	return t
}()

// cubicThrough returns the coefficients c (c[0] + c[1]·u + c[2]·u² +
// c[3]·u³) of the cubic through the four points (u[i], g[i]), by Newton's
// divided differences.
func cubicThrough(u, g [4]float64) [4]float64 {
	d := g
	for level := 1; level < 4; level++ {
		for i := 3; i >= level; i-- {
			d[i] = (d[i] - d[i-1]) / (u[i] - u[i-level])
		}
	}
	// Newton form d0 + d1(u−u0) + d2(u−u0)(u−u1) + d3(u−u0)(u−u1)(u−u2),
	// expanded by Horner from the highest term.
	var c [4]float64
	c[0] = d[3]
	for i := 2; i >= 0; i-- {
		// c ← c·(u − u[i]) + d[i]
		for k := 3; k > 0; k-- {
			c[k] = c[k-1] - u[i]*c[k]
		}
		c[0] = d[i] - u[i]*c[0]
	}
	return c
}

// softplus64 is log(1 + eˣ) = max(x, 0) + log1p(e^−|x|) with the second
// term from softplusTable (relative error below 1e-7; +∞ and NaN as
// math's, −∞ gives 0).
func softplus64(x float64) float64 {
	a, r := math.Abs(x), math.Max(x, 0)
	if !(a < softplusEnd) { // also NaN and ±∞
		return r + math.Exp(-a)
	}
	s := a * softplusPerUnit
	k := int(s)
	u := s - float64(k)
	c := &softplusTable[k]
	return r + c[0] + u*(c[1]+u*(c[2]+u*c[3]))
}

// meanLogisticLosses returns the rows×n mean sigmoid cross-entropies of
// the logits z[b,i,j] + bias[j] (z [batch, rows, n], row-major; bias [n])
// against the binary targets y [batch, n]: L[i][j] = (1/batch)·Σ_b
// softplus(x) − y[b,j]·x with x = z[b,i,j] + bias[j], summed in float64.
func meanLogisticLosses(z, bias, y []float32, batch, rows, n int) [][]float64 {
	sums := make([]float64, rows*n)
	for b := range batch {
		yb := y[b*n : (b+1)*n]
		zb := z[b*rows*n : (b+1)*rows*n]
		for i := range rows {
			zr, sr := zb[i*n:(i+1)*n], sums[i*n:(i+1)*n]
			for j, v := range zr {
				x := float64(v) + float64(bias[j])
				sr[j] += softplus64(x) - float64(yb[j])*x
			}
		}
	}
	out := make([][]float64, rows)
	for i := range out {
		out[i] = sums[i*n : (i+1)*n]
		for j := range out[i] {
			out[i][j] /= float64(batch)
		}
	}
	return out
}

// lookaheadZ returns Z of Eq. 1 (n×n) from the heads' outputs of n binary
// tasks on a batch: base [batch, n] at the shared parameters; after
// [batch, n, n] after each task's lookahead less the heads' biases bias
// [n] ([b, i, j]: task j's output on example b after task i's lookahead,
// less bias[j]); targets y [batch, n].
func lookaheadZ(base, after, bias, y []float32, batch, n int) [][]float64 {
	before := meanLogisticLosses(base, make([]float32, n), y, batch, 1, n)[0]
	z := meanLogisticLosses(after, bias, y, batch, n, n)
	for _, row := range z {
		for j := range row {
			row[j] = affinity.Z(before[j], row[j])
		}
	}
	return z
}
