package selection

import (
	"math"
	"slices"
)

// pairWeights is the zsum objective as symmetric pair weights: w[i*n+j] =
// A[i][j] + A[j][i] − 2·charge for i ≠ j and 0 on the diagonal, so that a
// partition's summed score is Σ over unordered same-group pairs of w.
type pairWeights struct {
	n int
	w []float64
}

// newPairWeights builds the pair weights of [AffinitySum] r.
func newPairWeights(r *AffinitySum) *pairWeights {
	n := r.N()
	p := &pairWeights{n: n, w: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := r.A[i][j] + r.A[j][i] - 2*r.Charge
			p.w[i*n+j], p.w[j*n+i] = v, v
		}
	}
	return p
}

// row returns the weights of task i to every task.
func (p *pairWeights) row(i int) []float64 { return p.w[i*p.n : (i+1)*p.n] }

// merge is one step of an agglomeration: the clusters holding tasks a and b
// join at similarity sim.
type merge struct {
	a, b int
	sim  float64
}

// averageLinkage agglomerates the tasks by average linkage on the pair
// weights (the similarity of two clusters is their summed cross weight
// over the product of their sizes) with the nearest-neighbour chain, in
// O(n²) time and one n×n matrix, and returns the n−1 merges in the order
// of the greedy algorithm (most similar first). Average linkage is
// reducible, so the chain finds the same hierarchy as repeatedly merging
// the most similar pair; ties go to the lowest cluster.
func averageLinkage(p *pairWeights) []merge {
	n := p.n
	c := slices.Clone(p.w) // summed cross weights between active clusters
	size := make([]int, n)
	active := make([]bool, n)
	for i := range size {
		size[i], active[i] = 1, true
	}
	sim := func(a, b int) float64 { return c[a*n+b] / float64(size[a]*size[b]) }
	var merges []merge
	chain := make([]int, 0, n)
	next := 0 // lowest index that may still be active, to start a chain
	for len(merges) < n-1 {
		if len(chain) == 0 {
			for !active[next] {
				next++
			}
			chain = append(chain, next)
		}
		a := chain[len(chain)-1]
		prev := -1
		if len(chain) > 1 {
			prev = chain[len(chain)-2]
		}
		best, bestSim := prev, math.Inf(-1)
		if prev >= 0 {
			bestSim = sim(a, prev)
		}
		for x := 0; x < n; x++ {
			if x == a || !active[x] {
				continue
			}
			if s := sim(a, x); s > bestSim {
				best, bestSim = x, s
			}
		}
		if best != prev {
			chain = append(chain, best)
			continue
		}
		// a and prev are each other's nearest: merge them into the lower slot.
		chain = chain[:len(chain)-2]
		u, v := min(a, prev), max(a, prev)
		merges = append(merges, merge{u, v, bestSim})
		for x := 0; x < n; x++ {
			if active[x] && x != u && x != v {
				s := c[u*n+x] + c[v*n+x]
				c[u*n+x], c[x*n+u] = s, s
			}
		}
		size[u] += size[v]
		active[v] = false
	}
	slices.SortStableFunc(merges, func(x, y merge) int {
		switch {
		case x.sim > y.sim:
			return -1
		case x.sim < y.sim:
			return 1
		}
		return 0
	})
	return merges
}

// cutLabels returns the partition after the first n−k merges: labels in
// 0..k−1, numbered in the order of each group's lowest task.
func cutLabels(n int, merges []merge, k int) []int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, m := range merges[:n-k] {
		a, b := find(m.a), find(m.b)
		parent[max(a, b)] = min(a, b)
	}
	roots := make([]int, n)
	for i := range roots {
		roots[i] = find(i)
	}
	return canonicalLabels(roots)
}

// canonicalLabels renumbers group labels 0, 1, ... in the order of each
// group's lowest task.
func canonicalLabels(labels []int) []int {
	seen := map[int]int{}
	out := make([]int, len(labels))
	for i, l := range labels {
		v, ok := seen[l]
		if !ok {
			v = len(seen)
			seen[l] = v
		}
		out[i] = v
	}
	return out
}
