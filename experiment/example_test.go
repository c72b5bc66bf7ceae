package experiment

import (
	"context"
	"fmt"
	"os"
)

// ExampleRun runs mtl, stl and tag on six tasks in three planted families
// with a fake trainer and a brute-force selector, then prints TAG's groups
// for a budget of three networks and the total test loss of each method.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "tag-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	cfg := Config{
		Tasks:   []string{"a1", "a2", "b1", "b2", "c1", "c2"},
		Budgets: []int{3},
		Methods: []string{MTL, STL, TAG},
		Seed:    1,
		Data:    map[string]any{"name": "example"},
	}
	res, err := Run(context.Background(), dir, cfg, newFake(), bruteSelector{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tag groups:", res.Methods[TAG].Budgets["3"].Groups)
	for _, m := range []string{MTL, STL} {
		fmt.Printf("%s total test loss %.2f\n", m, res.Methods[m].Budgets[AllBudgets].TotalTestLoss)
	}
	fmt.Printf("tag total test loss %.2f\n", res.Methods[TAG].Budgets["3"].TotalTestLoss)
	// Output:
	// tag groups: [[a1 a2] [b1 b2] [c1 c2]]
	// mtl total test loss 11.43
	// stl total test loss 10.41
	// tag total test loss 9.27
}
