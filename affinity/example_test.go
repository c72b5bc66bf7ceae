package affinity_test

import (
	"fmt"

	"github.com/tagroup/tag/affinity"
)

// A run measured tasks a, b and c; c is retired and d added: the old pairs
// keep their sums, the pairs involving d take a later run's measurements,
// each pair its own mean.
func ExamplePairSums_Merge() {
	old := affinity.NewAccumulator([]string{"a", "b", "c"})
	_ = old.Add(0, [][]float64{{1, 0.4, 0}, {0.2, 1, 0}, {0, 0, 1}}, [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
	_ = old.Add(0, [][]float64{{1, 0.6, 0}, {0.4, 1, 0}, {0, 0, 1}}, [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
	kept, err := old.PairSums().Without([]string{"c"})
	if err != nil {
		fmt.Println(err)
		return
	}
	window := affinity.NewAccumulator([]string{"a", "b", "d"})
	_ = window.Add(0, [][]float64{{9, 9, 0.1}, {9, 9, -0.1}, {0.3, 0, 1}}, [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
	merged, err := kept.Merge(window, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := merged.Affinity()
	fmt.Println(m.Tasks)
	for _, row := range m.Values {
		fmt.Printf("%.2f\n", row)
	}
	// Output:
	// [a b d]
	// [1.00 0.50 0.10]
	// [0.30 1.00 -0.10]
	// [0.30 0.00 1.00]
}
