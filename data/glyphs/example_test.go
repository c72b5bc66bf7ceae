package glyphs_test

import (
	"fmt"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/glyphs"
)

func ExampleNew() {
	ds, err := glyphs.New(glyphs.Options{N: 1000, Seed: 1, Tasks: glyphs.DefaultTasks()})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ds.Name(), ds.InputShape())
	fmt.Println(ds.Len(data.Train), ds.Len(data.Validation), ds.Len(data.Test))
	x := make([]float32, 2*data.InputSize(ds))
	y := make([]float32, 2*len(ds.Tasks()))
	if err := ds.Fill(data.Train, []int{0, 1}, x, y); err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range ds.Tasks()[:3] {
		fmt.Print(t.Name, " ")
	}
	fmt.Println()
	// Output:
	// glyphs(n=1000,size=32,seed=1) [32 32 1]
	// 800 100 100
	// left upper_left high
}
