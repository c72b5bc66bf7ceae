package selection

import (
	"math"
	"math/rand/v2"
	"slices"
)

// plantedMatrix returns a raw affinity matrix shaped like a measured one
// over n tasks in families of fam consecutive tasks: a[i][j] =
// s_j·(0.2 + signal·[i, j in one family] + noise·ε_ij), ε standard normal,
// with column scales s_j spread log-uniformly over three orders of
// magnitude (targets' losses move at different rates). It also returns
// each task's family.
func plantedMatrix(seed uint64, n, fam int, signal, noise float64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 0x91a))
	family := make([]int, n)
	for i := range family {
		family[i] = i / fam
	}
	scale := make([]float64, n)
	for j := range scale {
		scale[j] = math.Pow(10, -2+3*rng.Float64())
	}
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
		for j := range a[i] {
			if i == j {
				continue
			}
			v := 0.2 + noise*rng.NormFloat64()
			if family[i] == family[j] {
				v += signal
			}
			a[i][j] = scale[j] * v
		}
	}
	return a, family
}

// plantedScore is the zsum summed score of the planted partition.
func plantedScore(r *AffinitySum, family []int) float64 {
	groups := map[int][]int{}
	for j, f := range family {
		groups[f] = append(groups[f], j)
	}
	total := 0.0
	for _, g := range groups {
		for _, j := range g {
			for _, i := range g {
				if i != j {
					total += r.A[i][j] - r.Charge
				}
			}
		}
	}
	return total
}

// sameLabels reports whether two labellings are the same partition.
func sameLabels(a, b []int) bool {
	return slices.Equal(canonicalLabels(a), canonicalLabels(b))
}
