package selection

import (
	"math"
	"math/rand/v2"
	"testing"
)

// blockWeights returns random symmetric pair weights on n tasks in blocks
// of the labels: inside a block uniform in [lo, hi], across blocks
// uniform in [cross, 0] (never positive).
func blockWeights(rng *rand.Rand, labels []int, lo, hi, cross float64) *pairWeights {
	n := len(labels)
	p := &pairWeights{n: n, w: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := cross * rng.Float64()
			if labels[i] == labels[j] {
				v = lo + (hi-lo)*rng.Float64()
			}
			p.w[i*n+j], p.w[j*n+i] = v, v
		}
	}
	return p
}

// TestComponentBoundsBrute checks the component bound against every
// partition of small block-structured matrices whose weights across
// blocks are never positive, under their blocks and under random
// blockings (where it must refuse or still hold).
func TestComponentBoundsBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	applied := 0
	for trial := 0; trial < 206; trial++ {
		n := 3 + trial%9
		blocks := 2 + rng.IntN(min(n-1, 5))
		labels := make([]int, n)
		for j := range labels {
			labels[j] = j % blocks
			if trial%2 == 0 {
				labels[j] = rng.IntN(blocks)
			}
		}
		if trial >= 200 { // a block of 6: pieces beyond minorMax tasks apart
			n, blocks = 11, 2
			labels = []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}
		}
		lo, hi := -1.0, 2.0
		if trial%3 == 0 {
			lo, hi = 0.5, 1.5 // cohesive blocks: merging costs, splitting too
		}
		p := blockWeights(rng, labels, lo, hi, -0.2-rng.Float64())
		if trial%5 == 0 {
			p.w[0*n+1], p.w[1*n+0] = 0.3, 0.3 // may cross two blocks: must refuse then
		}
		opt := exactByGroups(p)
		canon := canonicalLabels(labels)
		bs := blockSplits(p, canon)
		bound := componentBounds(p, canon, bs, n)
		if bound == nil {
			continue
		}
		applied++
		for k := 1; k < len(bound); k++ {
			if bound[k] < opt[k]-1e-9 {
				t.Errorf("trial %d n=%d K=%d labels %v: component bound %.12g below the optimum %.12g", trial, n, k, canon, bound[k], opt[k])
			}
		}
		if len(bound) != min(n, len(bs)) {
			t.Errorf("trial %d: %d bounds for %d blocks", trial, len(bound), len(bs))
		}
	}
	if applied < 100 {
		t.Errorf("the bound applied in %d trials of 200", applied)
	}
}

// TestComponentBoundsTight checks that the bound is the optimum on
// cohesive blocks of equal size with near-uniform repulsion, where whole
// blocks merge.
func TestComponentBoundsTight(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	labels := []int{0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3}
	n := len(labels)
	p := &pairWeights{n: n, w: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := -1 - 0.01*rng.Float64()
			if labels[i] == labels[j] {
				v = 3 + rng.Float64()
			}
			p.w[i*n+j], p.w[j*n+i] = v, v
		}
	}
	opt := exactByGroups(p)
	bound := componentBounds(p, labels, blockSplits(p, labels), n)
	for k := 1; k < len(bound); k++ {
		if math.Abs(bound[k]-opt[k]) > 1e-9*math.Abs(opt[k]) {
			t.Errorf("K=%d: bound %g, optimum %g", k, bound[k], opt[k])
		}
	}
}

// TestComponentBoundsScattered checks the bound where the optimum
// scatters a block whose tasks repel each other over the groups (every
// piece far below the block's size) and whole blocks join its pieces.
func TestComponentBoundsScattered(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	labels := []int{0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
	for trial := 0; trial < 3; trial++ {
		n := len(labels)
		p := blockWeights(rng, labels, -2.1, -1.9, -0.05)
		opt := exactByGroups(p)
		bound := componentBounds(p, labels, blockSplits(p, labels), n)
		if len(bound) != 5 {
			t.Fatalf("%d bounds, want 5", len(bound))
		}
		for k := 1; k < len(bound); k++ {

			if bound[k] < opt[k]-1e-9 {
				t.Errorf("trial %d K=%d: component bound %.12g below the optimum %.12g", trial, k, bound[k], opt[k])
			}
		}
	}
}

// TestLeastSquares checks the bound on Σ|G|² against every split of n
// tasks into g non-empty groups that can hold u pieces of item tasks each.
func TestLeastSquares(t *testing.T) {
	for n := 1; n <= 14; n++ {
		for g := 1; g <= min(n, 4); g++ {
			for item := 0; item <= 5; item++ {
				for u := 0; u*max(item, 1) <= n; u++ {
					best := math.Inf(1)
					sizes := make([]int, g)
					var rec func(i, left int)
					rec = func(i, left int) {
						if i == g-1 {
							sizes[i] = left
							sq, fit := 0.0, 0
							for _, s := range sizes {
								sq += float64(s * s)
								if item > 0 {
									fit += s / item
								}
							}
							if item == 0 || fit >= u {
								best = min(best, sq)
							}
							return
						}
						for s := 1; s <= left-(g-1-i); s++ {
							sizes[i] = s
							rec(i+1, left-s)
						}
					}
					rec(0, n)
					if got := leastSquares(u, item, n, g); !math.IsInf(best, 1) && got > best+1e-9 {
						t.Errorf("n=%d g=%d u=%d item=%d: bound %g above the least %g", n, g, u, item, got, best)
					}
				}
			}
		}
	}
}

// TestComponentBoundAlone checks that a budget one below the number of
// planted families, solved alone (no budget of the call gives the
// families as blocks), gets the component bound and is proven optimal:
// one merge of two whole families.
func TestComponentBoundAlone(t *testing.T) {
	a, _ := plantedMatrix(3, 96, 8, 1, 0.05)
	rs, err := SolveAll(zsumOf(a), []Budget{MaxNetworks(11)}, Options{SpendBudget: true, Seed: 1, Iterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res := rs[0]; !res.Optimal {
		t.Errorf("k=11: score %g, bound %g, not proven optimal", res.Score, res.Bound)
	}
}
