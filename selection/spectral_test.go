package selection

import (
	"math"
	"math/rand/v2"
	"testing"
)

// jacobiMax returns the largest eigenvalue of the symmetric matrix a by
// cyclic Jacobi rotations, an independent method for the test.
func jacobiMax(a [][]float64) float64 {
	n := len(a)
	m := make([][]float64, n)
	for i := range m {
		m[i] = append([]float64(nil), a[i]...)
	}
	for sweep := 0; sweep < 100; sweep++ {
		off := 0.0
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				off += m[p][q] * m[p][q]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if m[p][q] == 0 {
					continue
				}
				theta := (m[q][q] - m[p][p]) / (2 * m[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					mkp, mkq := m[k][p], m[k][q]
					m[k][p], m[k][q] = c*mkp-s*mkq, s*mkp+c*mkq
				}
				for k := 0; k < n; k++ {
					mpk, mqk := m[p][k], m[q][k]
					m[p][k], m[q][k] = c*mpk-s*mqk, s*mpk+c*mqk
				}
			}
		}
	}
	best := math.Inf(-1)
	for i := range m {
		best = max(best, m[i][i])
	}
	return best
}

// TestSpectralLambdaMax compares λ_max(W + βJ) from the tridiagonal
// reduction with Jacobi's method on random pair weights.
func TestSpectralLambdaMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := 0; trial < 30; trial++ {
		n := 1 + rng.IntN(25)
		p := newPairWeights(zsumOf(randMatrix(rng, n, -1, 1)))
		sb := newSpectralBound(p)
		for _, beta := range []float64{0, 0.5, 1.5, 3} {
			a := make([][]float64, n)
			for i := range a {
				a[i] = make([]float64, n)
				for j := range a[i] {
					a[i][j] = p.w[i*n+j] + beta
				}
			}
			want := jacobiMax(a)
			got := sb.lambdaMax(beta)
			if got < want-1e-9 || got > want+1e-8*math.Max(1, math.Abs(want)) {
				t.Fatalf("n=%d β=%g: λ_max %.12g, Jacobi %.12g", n, beta, got, want)
			}
		}
	}
}
