package selection

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlockBoundsBrute checks the block bound against every partition of
// small random matrices, under random blockings and the planted one, and
// its candidates against their own value.
func TestBlockBoundsBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 3))
	for trial := 0; trial < 150; trial++ {
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
			if s.value > opt[k]+1e-9 || slices.Max(cand[k])+1 != k {
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
		best, labels := exactSplits(p.w, n, n)
		for k := 1; k <= n; k++ {
			s := newPartState(p, labels[k], k)
			if math.Abs(best[k]-opt[k]) > 1e-9 || math.Abs(s.value-opt[k]) > 1e-9 {
				t.Errorf("n=%d k=%d: %g (partition %v of value %g), brute force %g", n, k, best[k], labels[k], s.value, opt[k])
			}
		}
	}
}

// TestPlantedSplits checks the partition search at every budget from the
// planted one up on a planted matrix whose weights across families are all
// negative, where the optimum splits each family on its own: brute force
// on each family and a knapsack over the families give it independently.
func TestPlantedSplits(t *testing.T) {
	const n, fam = 96, 8
	a, family := plantedMatrix(3, n, fam, 1, 0.05)
	r := zsumOf(a)
	p := newPairWeights(r)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if family[i] != family[j] && p.w[i*n+j] >= 0 {
				t.Fatalf("weight %d–%d across families is %g, not negative", i, j, p.w[i*n+j])
			}
		}
	}
	// best[t]: the best summed weight with t groups in all.
	best := []float64{0}
	for f := 0; f < n/fam; f++ {
		sub := make([][]float64, fam)
		for x := range sub {
			sub[x] = r.A[f*fam+x][f*fam : (f+1)*fam]
		}
		opt := brutePartitions(&AffinitySum{A: sub, Charge: r.Charge})
		next := make([]float64, len(best)+fam)
		for i := range next {
			next[i] = math.Inf(-1)
		}
		for t0, v := range best {
			for k := 1; k <= fam; k++ {
				next[t0+k] = max(next[t0+k], v+opt[k])
			}
		}
		best = next
	}
	var bs []Budget
	for k := n / fam; k <= 40; k++ {
		bs = append(bs, MaxNetworks(k))
	}
	rs, err := SolveAll(r, bs, Options{SpendBudget: true, Seed: 1, Iterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range rs {
		k := bs[i].Limit
		if want := best[k] / n; math.Abs(res.Score-want) > 1e-9 || !res.Optimal {
			t.Errorf("k=%d: score %.12g (optimum %.12g), bound %g, optimal %v", k, res.Score, want, res.Bound, res.Optimal)
		}
	}
}
