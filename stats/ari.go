package stats

import "fmt"

// AdjustedRand returns the adjusted Rand index of two partitions of the
// same items, given as labels (a[i] and b[i] name item i's group in each;
// labels are compared for equality only). It is 1 for identical
// partitions, about 0 for independent random ones, and may be negative.
// With n_ij the items in group i of a and group j of b, a_i and b_j the
// group sizes and C(x) = x(x−1)/2 (Hubert and Arabie, "Comparing
// partitions", Journal of Classification 2, 1985):
//
//	ARI = (Σ_ij C(n_ij) − E) / (½(Σ_i C(a_i) + Σ_j C(b_j)) − E),
//	E   = Σ_i C(a_i) · Σ_j C(b_j) / C(n).
//
// When the denominator is 0, which happens only when both partitions put
// every item alone or both put all items in one group, the partitions are
// identical and the index is 1.
func AdjustedRand(a, b []int) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("adjusted Rand index: %d labels against %d", len(a), len(b))
	}
	n := len(a)
	if n < 2 {
		return 0, fmt.Errorf("adjusted Rand index: %d items, want at least 2", n)
	}
	c2 := func(x int) float64 { return float64(x) * float64(x-1) / 2 }
	type cell struct{ i, j int }
	joint, sa, sb := map[cell]int{}, map[int]int{}, map[int]int{}
	for k := range a {
		joint[cell{a[k], b[k]}]++
		sa[a[k]]++
		sb[b[k]]++
	}
	index, sumA, sumB := 0.0, 0.0, 0.0
	for _, v := range joint {
		index += c2(v)
	}
	for _, v := range sa {
		sumA += c2(v)
	}
	for _, v := range sb {
		sumB += c2(v)
	}
	expected := sumA * sumB / c2(n)
	den := (sumA+sumB)/2 - expected
	if den == 0 {
		return 1, nil
	}
	return (index - expected) / den, nil
}
