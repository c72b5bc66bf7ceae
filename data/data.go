// Package data provides the multi-task data sets that TAG trains on, behind
// one small interface: a set of examples sharing one input, a list of tasks
// (prediction targets) with their kinds, and a deterministic split into
// training, validation and test examples.
//
// Sources: a user's CSV with many target columns, the CelebA face-attribute
// layout, glyphs rendered from fonts, MultiMNIST and a planted-structure
// generator whose true task grouping is known.
package data

import (
	"fmt"
	"math/rand/v2"
)

// Kind is the kind of a prediction task, which fixes its loss and metric.
type Kind int

const (
	// Binary tasks have targets 0 or 1; loss is sigmoid cross-entropy, metric
	// is the error rate.
	Binary Kind = iota
	// MultiClass tasks have integer targets 0..Classes-1; loss is softmax
	// cross-entropy, metric is the error rate.
	MultiClass
	// Regression tasks have real targets; loss and metric are the mean
	// squared error.
	Regression
)

// String returns the kind's name as used in flags and files.
func (k Kind) String() string {
	switch k {
	case Binary:
		return "binary"
	case MultiClass:
		return "multiclass"
	case Regression:
		return "regression"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "binary":
		return Binary, nil
	case "multiclass", "multi-class":
		return MultiClass, nil
	case "regression":
		return Regression, nil
	}
	return 0, fmt.Errorf("unknown task kind %q (want binary, multiclass or regression)", s)
}

// Task is one prediction target of a data set.
type Task struct {
	// Name identifies the task in flags, matrices and results.
	Name string
	// Kind fixes the loss and the metric.
	Kind Kind
	// Classes is the number of classes of a MultiClass task (2 for Binary,
	// 0 for Regression).
	Classes int
}

// Split names one of the three disjoint parts of a data set.
type Split int

const (
	// Train examples are used to fit the networks.
	Train Split = iota
	// Validation examples are used for early stopping and for selection.
	Validation
	// Test examples are used only to report results.
	Test
)

// String returns "train", "validation" or "test".
func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Validation:
		return "validation"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// Dataset is a multi-task data set: every example has one input of a fixed
// shape and one target per task. Implementations must be safe for
// concurrent use by several goroutines and deterministic: the same
// (split, index) always yields the same example.
type Dataset interface {
	// Name is a short description, e.g. "glyphs(seed=1)" or a file name.
	Name() string
	// Tasks lists the tasks in a fixed order; targets are laid out in it.
	Tasks() []Task
	// InputShape is the shape of one example's input: [features] for
	// tabular data, [height, width, channels] for images.
	InputShape() []int
	// Len is the number of examples in a split.
	Len(split Split) int
	// Fill writes the examples idx of split into x and y. x has room for
	// len(idx)*prod(InputShape()) values, laid out example by example
	// (row-major within an example); y has room for len(idx)*len(Tasks())
	// values, example by example, in task order: 0/1 for Binary, the class
	// index for MultiClass, the value for Regression.
	Fill(split Split, idx []int, x, y []float32) error
}

// InputSize is the number of input values of one example of ds.
func InputSize(ds Dataset) int {
	n := 1
	for _, d := range ds.InputShape() {
		n *= d
	}
	return n
}

// TaskIndex returns the position of the named task in ds.Tasks(), or an
// error naming the task and the data set.
func TaskIndex(ds Dataset, name string) (int, error) {
	for i, t := range ds.Tasks() {
		if t.Name == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("data set %s has no task %q", ds.Name(), name)
}

// EpochOrder returns the order in which the n examples of a split are
// visited in the given epoch: a permutation that depends only on seed and
// epoch, so that a resumed run visits the same examples in the same order.
func EpochOrder(n int, seed uint64, epoch int) []int {
	r := rand.New(rand.NewPCG(seed, uint64(epoch)*0x9E3779B97F4A7C15+1))
	return r.Perm(n)
}
