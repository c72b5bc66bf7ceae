package stats

import (
	"fmt"
	"math"
	"slices"
)

// Ranks returns the ranks (1 = smallest) of x, ties sharing the mean of
// their ranks.
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

// Spearman returns the rank correlation of x and y: the Pearson
// correlation of their ranks (ties at mean ranks). It needs two samples of
// equal length, at least 2, neither constant.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) || len(x) < 2 {
		return 0, fmt.Errorf("spearman: samples of %d and %d values, want equal lengths of at least 2", len(x), len(y))
	}
	rx, ry := Ranks(x), Ranks(y)
	mx, my := Mean(rx), Mean(ry)
	var sxy, sxx, syy float64
	for i := range rx {
		dx, dy := rx[i]-mx, ry[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, fmt.Errorf("spearman: a constant sample has no rank correlation")
	}
	return sxy / math.Sqrt(sxx*syy), nil
}
