package selection

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBlockBoundsBrute checks the block bound against every partition of
// small random matrices, under random blockings and the planted one, and
// its candidates against their own value.
func TestBlockBoundsBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 3))
	for trial := 0; trial < 300; trial++ {
		n := 2 + trial%9
		var a [][]float64
		if trial%3 == 0 {
			a, _ = plantedMatrix(uint64(trial), n, 3, 1, 0.3)
		} else {
			a = randMatrix(rng, n, -1, 1)
		}
		r := zsumOf(a)
		p := newPairWeights(r)
		opt := brutePartitions(r)
		blocks := 1 + rng.IntN(n)
		labels := make([]int, n)
		for j := range labels {
			labels[j] = rng.IntN(blocks)
			if trial%3 == 0 {
				labels[j] = j / 3
			}
		}
		bound, cand := blockBounds(p, labels, n)
		for k := 1; k <= n; k++ {
			if bound[k] < opt[k]-1e-9 {
				t.Errorf("trial %d n=%d K=%d labels %v: block bound %.12g below the optimum %.12g", trial, n, k, labels, bound[k], opt[k])
			}
			if cand[k] == nil {
				continue
			}
			s := newPartState(p, cand[k], k)
			if s.value > opt[k]+1e-9 || slicesMax(cand[k])+1 != k {
				t.Errorf("trial %d K=%d: candidate %v of value %g, optimum %g", trial, k, cand[k], s.value, opt[k])
			}
		}
	}
}

// TestExactSplits checks the subset program against every partition of
// one block.
func TestExactSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 9))
	for n := 1; n <= 8; n++ {
		r := zsumOf(randMatrix(rng, n, -1, 1))
		p := newPairWeights(r)
		opt := brutePartitions(r)
		best, labels := exactSplits(p.w, n)
		for k := 1; k <= n; k++ {
			s := newPartState(p, labels[k], k)
			if math.Abs(best[k]-opt[k]) > 1e-9 || math.Abs(s.value-opt[k]) > 1e-9 {
				t.Errorf("n=%d k=%d: %g (partition %v of value %g), brute force %g", n, k, best[k], labels[k], s.value, opt[k])
			}
		}
	}
}

func slicesMax(x []int) int {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
