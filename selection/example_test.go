package selection_test

import (
	"fmt"

	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/taskmatrix"
)

// Four tasks: a and b help each other, c and d help each other, and the
// two pairs interfere. With two networks the pairs are trained apart.
func ExampleSolveMatrix() {
	m := &taskmatrix.Matrix{
		Tasks: []string{"a", "b", "c", "d"},
		Values: [][]float64{
			{0, 0.8, -0.2, -0.3},
			{0.6, 0, -0.1, -0.2},
			{-0.4, -0.2, 0, 0.5},
			{-0.3, -0.1, 0.7, 0},
		},
	}
	res, err := selection.SolveMatrix(m, "affinity", selection.MaxNetworks(2), selection.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.GroupNames(m.Tasks), res.Optimal)
	fmt.Printf("mean affinity %.2f\n", res.Score)
	// Output:
	// [[a b] [c d]] true
	// mean affinity 0.65
}

// Standley's cost model: with a budget of 1.5, one multi-task network
// (cost 1) and one single-task network (cost 0.5) can be trained.
func ExampleExact() {
	// Pair losses: L[i][j] is task j's loss when trained with task i; the
	// diagonal holds the single-task losses.
	r := &selection.PairLoss{L: [][]float64{
		{1.0, 0.7, 2.0},
		{0.8, 1.0, 2.0},
		{1.5, 1.5, 1.0},
	}}
	res, err := selection.Exact(r, selection.StandleyCost(1.5))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Groups, res.Assignment)
	fmt.Printf("mean loss %.3f, cost %d half-units\n", res.Score, res.Cost)
	// Output:
	// [[0 1] [2]] [0 0 1]
	// mean loss 0.833, cost 3 half-units
}

// The anytime solver reports a proven bound and the gap to it.
func ExampleAnytime() {
	a := make([][]float64, 6)
	for i := range a {
		a[i] = make([]float64, 6)
		for j := range a[i] {
			if i/3 == j/3 {
				a[i][j] = 1 // tasks 0-2 and 3-5 help each other
			}
		}
	}
	res, err := selection.Anytime(&selection.Affinity{A: a}, selection.MaxNetworks(2), selection.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Groups, res.Score, res.Bound, res.Gap, res.Optimal)
	// Output:
	// [[0 1 2] [3 4 5]] 1 1 0 true
}

// Six tasks where a and b gain much from each other and a and c somewhat
// (affinity 5 and 2; every other pair 1): without a cap the best grouping
// pairs a with b and puts a again with the four others (groups may
// overlap); with at most three tasks a group, two networks must split the
// tasks three and three, and a cap of two cannot hold six tasks in two
// networks.
func ExampleCapGroupSize() {
	names := []string{"a", "b", "c", "d", "e", "f"}
	a := make([][]float64, len(names))
	for i := range a {
		a[i] = []float64{1, 1, 1, 1, 1, 1}
	}
	a[0][1], a[1][0] = 5, 5
	a[0][2], a[2][0] = 2, 2
	r := &selection.Affinity{A: a}
	for _, max := range []int{0, 3, 2} {
		res, err := selection.Solve(selection.CapGroupSize(r, max), selection.MaxNetworks(2), selection.Options{})
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("cap %d: %v, mean affinity %.3f\n", max, res.GroupNames(names), res.Score)
	}
	// Output:
	// cap 0: [[a b] [a c d e f]], mean affinity 2.375
	// cap 3: [[a b c] [d e f]], mean affinity 1.833
	// the budget cannot cover every task with allowed groups: groups of at most 2 tasks covering all 6 tasks cost at least 3 units, over the limit of 2 (2 networks)
}

// Eight tasks where a and b help each other strongly and every other
// effect is weak; the targets' scales differ a hundredfold. With three
// networks the paper's rule isolates a and b, and d and g, and puts a
// again with the other tasks; zsum (the default) standardizes each target's column
// and charges every groupmate, so it uses the three networks in disjoint
// groups of similar size, with a and b together.
func ExampleAffinityRule() {
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	a := make([][]float64, len(names))
	for i := range a {
		a[i] = make([]float64, len(names))
		for j := range a[i] {
			if i != j {
				// weak effects in a fixed pattern, scaled per target
				a[i][j] = (0.1 + 0.05*float64((2*i+3*j)%5-2)) * []float64{1, 0.01, 0.1}[j%3]
			}
		}
	}
	a[0][1], a[1][0] = 0.01, 1 // a and b (each on b's and a's scale)
	for _, name := range []string{selection.RulePaper, selection.DefaultRule} {
		r, err := selection.AffinityRule(name, a, selection.Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := selection.Solve(r, selection.MaxNetworks(3), selection.Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %v\n", name, res.GroupNames(names))
	}
	// Output:
	// paper: [[a b] [a c d e f h] [d g]]
	// zsum: [[a b] [c e g] [d f h]]
}
