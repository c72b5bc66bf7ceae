package mtl

import (
	"fmt"
	"math/rand/v2"

	"github.com/tagroup/tag/data"
)

// synthetic is a small deterministic multi-task data set for tests:
// Gaussian features and tasks derived from fixed projections of them.
// Task "a2" is an exact copy of "a"; "noise" is independent of the input.
type synthetic struct {
	features int
	lens     [3]int
	image    bool // report the input as [4, 4, features/16] images
}

func newSynthetic(train, val, test int) *synthetic {
	return &synthetic{features: 8, lens: [3]int{train, val, test}}
}

func (s *synthetic) Name() string { return fmt.Sprintf("synthetic(%v)", s.lens) }

func (s *synthetic) Tasks() []data.Task {
	return []data.Task{
		{Name: "a", Kind: data.Binary, Classes: 2},
		{Name: "a2", Kind: data.Binary, Classes: 2},
		{Name: "noise", Kind: data.Binary, Classes: 2},
		{Name: "r", Kind: data.Regression},
		{Name: "c", Kind: data.MultiClass, Classes: 3},
	}
}

func (s *synthetic) InputShape() []int {
	if s.image {
		return []int{4, 4, s.features / 16}
	}
	return []int{s.features}
}

func (s *synthetic) Len(split data.Split) int { return s.lens[split] }

// example returns the features and targets of one example.
func (s *synthetic) example(split data.Split, i int) ([]float32, []float32) {
	r := rand.New(rand.NewPCG(uint64(split)+1, uint64(i)))
	x := make([]float32, s.features)
	for k := range x {
		x[k] = float32(r.NormFloat64())
	}
	proj := func(off int) float32 {
		var v float32
		for k := range x {
			v += x[k] * float32((k+off)%5-2)
		}
		return v
	}
	a := float32(0)
	if proj(0) > 0 {
		a = 1
	}
	noise := float32(r.IntN(2))
	c := 0
	for k, best := 1, proj(1); k < 3; k++ {
		if v := proj(k + 1); v > best {
			c, best = k, v
		}
	}
	return x, []float32{a, a, noise, proj(3) / 4, float32(c)}
}

func (s *synthetic) Fill(split data.Split, idx []int, x, y []float32) error {
	nt := len(s.Tasks())
	for b, i := range idx {
		if i < 0 || i >= s.lens[split] {
			return fmt.Errorf("index %d out of range [0,%d)", i, s.lens[split])
		}
		xe, ye := s.example(split, i)
		copy(x[b*s.features:], xe)
		copy(y[b*nt:], ye)
	}
	return nil
}
