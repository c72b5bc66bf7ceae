// Package table holds the in-memory storage shared by the tabular data
// sources (csvdata, planted): one flat float32 input matrix and one flat
// float32 target matrix per split, and the argument checks that every
// data.Dataset.Fill implementation performs.
package table

import (
	"fmt"

	"github.com/tagroup/tag/data"
)

// CheckFill validates the arguments of a Fill call on a data set called
// name whose split has n examples, inSize input values and nTasks targets
// per example. It returns an error naming the data set, the split and the
// offending index or buffer.
func CheckFill(name string, split data.Split, n int, idx []int, x []float32, inSize int, y []float32, nTasks int) error {
	if split < data.Train || split > data.Test {
		return fmt.Errorf("%s: unknown split %v", name, split)
	}
	if len(x) < len(idx)*inSize {
		return fmt.Errorf("%s: x has %d values, want at least %d for %d examples", name, len(x), len(idx)*inSize, len(idx))
	}
	if len(y) < len(idx)*nTasks {
		return fmt.Errorf("%s: y has %d values, want at least %d for %d examples", name, len(y), len(idx)*nTasks, len(idx))
	}
	return CheckIndices(name, split, n, idx)
}

// CheckIndices reports the first index of idx outside [0, n).
func CheckIndices(name string, split data.Split, n int, idx []int) error {
	for k, i := range idx {
		if i < 0 || i >= n {
			return fmt.Errorf("%s: %s index %d (position %d) out of range [0,%d)", name, split, i, k, n)
		}
	}
	return nil
}

// Table is a data set held as flat row-major float32 matrices: for each
// split, X has InSize values per example and Y has NTasks values per
// example. It is read-only after construction and so safe for concurrent
// use.
type Table struct {
	// Label names the data set in error messages.
	Label string
	// InSize is the number of input values per example.
	InSize int
	// NTasks is the number of targets per example.
	NTasks int
	// X and Y hold the inputs and targets of each split.
	X, Y [3][]float32
}

// Len is the number of examples in split.
func (t *Table) Len(split data.Split) int {
	if split < data.Train || split > data.Test {
		return 0
	}
	return len(t.Y[split]) / t.NTasks
}

// Fill copies the examples idx of split into x and y (see data.Dataset).
func (t *Table) Fill(split data.Split, idx []int, x, y []float32) error {
	if err := CheckFill(t.Label, split, t.Len(split), idx, x, t.InSize, y, t.NTasks); err != nil {
		return err
	}
	X, Y := t.X[split], t.Y[split]
	for k, i := range idx {
		copy(x[k*t.InSize:(k+1)*t.InSize], X[i*t.InSize:(i+1)*t.InSize])
		copy(y[k*t.NTasks:(k+1)*t.NTasks], Y[i*t.NTasks:(i+1)*t.NTasks])
	}
	return nil
}

// FillTargets copies only the targets of the examples idx of split into y
// (see data.TargetFiller).
func (t *Table) FillTargets(split data.Split, idx []int, y []float32) error {
	if err := CheckFill(t.Label, split, t.Len(split), idx, nil, 0, y, t.NTasks); err != nil {
		return err
	}
	Y := t.Y[split]
	for k, i := range idx {
		copy(y[k*t.NTasks:(k+1)*t.NTasks], Y[i*t.NTasks:(i+1)*t.NTasks])
	}
	return nil
}

// unit maps a pixel byte to [0,1].
var unit = func() (t [256]float32) {
	for b := range t {
		t[b] = float32(b) / 255
	}
	return t
}()

// UnitBytes writes the pixel bytes src, scaled to [0,1], into dst.
func UnitBytes(dst []float32, src []uint8) {
	dst = dst[:len(src)]
	for j, b := range src {
		dst[j] = unit[b]
	}
}
