package planted_test

import (
	"fmt"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/planted"
)

func ExampleNew() {
	ds, err := planted.New(planted.Options{Families: 3, TasksPerFamily: 3, N: 1000, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ds.InputShape(), ds.Len(data.Train))
	fmt.Println(ds.TrueGroups())
	// Output:
	// [16] 800
	// [[a0 a1 a2] [b0 b1 b2] [c0 c1 c2]]
}
