package selection

import (
	"math"
)

// spectralBound is the eigenvalue bound on partitions of the package
// documentation ("Spectral bound"): the pair-weight matrix W reduced once
// to tridiagonal form T = QᵀWQ by Householder reflections, with v = Qᵀ1,
// so that λ_max(W + βJ) = λ_max(T + β·vvᵀ) for any β is found in O(n) per
// trial value.
type spectralBound struct {
	n    int
	d, e []float64 // T's diagonal and off-diagonal (e[i] = T[i][i+1])
	v    []float64 // Qᵀ1
	// norm is W's Frobenius norm, at least |λ| for every eigenvalue λ of W.
	norm float64
	// sum is 1ᵀW1.
	sum float64
	// q, y are scratch for below.
	q, y []float64
}

// newSpectralBound reduces the pair weights p to tridiagonal form, in
// (4/3)n³ floating-point operations.
func newSpectralBound(p *pairWeights) *spectralBound {
	n := p.n
	a := append([]float64(nil), p.w...)
	sb := &spectralBound{n: n, d: make([]float64, n), e: make([]float64, max(n-1, 0)), v: make([]float64, n),
		q: make([]float64, n), y: make([]float64, n)}
	frob := 0.0
	for _, x := range a {
		frob += x * x
		sb.sum += x
	}
	frob = math.Sqrt(frob)
	for i := range sb.v {
		sb.v[i] = 1
	}
	h := make([]float64, n)
	pv := make([]float64, n)
	for k := 0; k+2 < n; k++ {
		// Reflect x = A[k+1:, k] onto α·e_1.
		m := n - k - 1
		x := h[:m]
		norm := 0.0
		for i := 0; i < m; i++ {
			x[i] = a[(k+1+i)*n+k]
			norm += x[i] * x[i]
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			sb.e[k] = 0
			continue
		}
		alpha := -math.Copysign(norm, x[0])
		x[0] -= alpha
		hn := 0.0
		for _, t := range x {
			hn += t * t
		}
		hn = math.Sqrt(hn)
		sb.e[k] = alpha
		if hn == 0 {
			continue
		}
		for i := range x {
			x[i] /= hn
		}
		// p = B x for the trailing block B = A[k+1:, k+1:]; w = p − (xᵀp)x;
		// B ← B − 2(x wᵀ + w xᵀ).
		p := pv[:m]
		for i := 0; i < m; i++ {
			row := a[(k+1+i)*n+k+1 : (k+1+i)*n+n]
			s := 0.0
			for j, t := range row {
				s += t * x[j]
			}
			p[i] = s
		}
		xp := 0.0
		for i := range p {
			xp += x[i] * p[i]
		}
		for i := range p {
			p[i] -= xp * x[i]
		}
		for i := 0; i < m; i++ {
			row := a[(k+1+i)*n+k+1 : (k+1+i)*n+n]
			xi, wi := 2*x[i], 2*p[i]
			for j := range row {
				row[j] -= xi*p[j] + wi*x[j]
			}
		}
		// The same reflection on v.
		vs := sb.v[k+1:]
		dot := 0.0
		for i, t := range x {
			dot += t * vs[i]
		}
		for i, t := range x {
			vs[i] -= 2 * dot * t
		}
	}
	for i := 0; i < n; i++ {
		sb.d[i] = a[i*n+i]
	}
	if n >= 2 {
		sb.e[n-2] = a[(n-1)*n+n-2]
	}
	sb.norm = frob
	return sb
}

// below reports whether every eigenvalue of T + β·vvᵀ is below x: T − xI
// is negative definite (its LDLᵀ pivots are all negative) and, by the
// matrix determinant lemma, 1 + β·vᵀ(T − xI)⁻¹v > 0.
func (sb *spectralBound) below(beta, x float64) bool {
	n := sb.n
	q, y := sb.q, sb.y // pivots of T − xI; forward substitution of v
	for i := 0; i < n; i++ {
		di := sb.d[i] - x
		yi := sb.v[i]
		if i > 0 {
			l := sb.e[i-1] / q[i-1]
			di -= l * sb.e[i-1]
			yi -= l * y[i-1]
		}
		if !(di < 0) {
			return false
		}
		q[i], y[i] = di, yi
	}
	// vᵀ(T − xI)⁻¹v = Σ y_i² / q_i for T − xI = L·diag(q)·Lᵀ, L y = v.
	s := 0.0
	for i := range y {
		s += y[i] * y[i] / q[i]
	}
	return 1+beta*s > 0
}

// lambdaMax returns a value proven to be at least λ_max(W + βJ), within
// a relative 1e-12 of it. The reduction to T and v is exact for a matrix
// within 4n²·u·(‖W‖_F + β·n) of W + βJ in norm (u the unit roundoff; a
// generous multiple of the backward error of Householder reduction,
// Wilkinson), which is added.
func (sb *spectralBound) lambdaMax(beta float64) float64 {
	n := float64(sb.n)
	hi := sb.norm + beta*n + 1 // |λ(T + βvvᵀ)| ≤ ‖W‖_F + β‖1‖²
	lo := -hi
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi || hi-lo <= 1e-12*math.Max(1, math.Abs(hi)) {
			break
		}
		if sb.below(beta, mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi + 4*n*n*0x1p-53*(sb.norm+beta*n)
}

// bounds returns, for K in 1..maxK, min over β ≥ 0 of
// ½(n·λ_max(W + βJ) − β·n²/K), a bound on the summed score of any
// partition into at most K groups (index 0 unused). The function of β is
// convex; a golden-section search over [0, βmax] minimizes it, and every
// value tried is a valid bound, so the least is kept.
func (sb *spectralBound) bounds(maxK int) []float64 {
	n := float64(sb.n)
	out := make([]float64, maxK+1)
	out[0] = math.Inf(-1)
	cache := map[float64]float64{}
	lam := func(beta float64) float64 {
		if v, ok := cache[beta]; ok {
			return v
		}
		v := sb.lambdaMax(beta)
		cache[beta] = v
		return v
	}
	lam0 := lam(0)
	for K := 1; K <= maxK; K++ {
		// As λ_max(W + βJ) ≥ 1ᵀ(W + βJ)1/n = sum/n + β·n, the function is
		// at least ½(sum + β·n²(1 − 1/K)), which passes its value at 0 from
		// βmax on.
		betaMax := 1.0
		if K > 1 {
			betaMax = max(betaMax, (n*lam0-sb.sum)/(n*n*(1-1/float64(K))))
		} else {
			betaMax = max(betaMax, 4*(sb.norm+math.Abs(sb.sum))/n)
		}
		f := func(beta float64) float64 { return (n*lam(beta) - beta*n*n/float64(K)) / 2 }
		best := f(0)
		lo, hi := 0.0, betaMax
		const g = 0.6180339887498949
		x1, x2 := hi-g*(hi-lo), lo+g*(hi-lo)
		f1, f2 := f(x1), f(x2)
		for range 60 {
			best = min(best, f1, f2)
			if f1 <= f2 {
				hi, x2, f2 = x2, x1, f1
				x1 = hi - g*(hi-lo)
				f1 = f(x1)
			} else {
				lo, x1, f1 = x1, x2, f2
				x2 = lo + g*(hi-lo)
				f2 = f(x2)
			}
		}
		out[K] = min(best, f1, f2)
	}
	return out
}
