package affinity

import (
	"fmt"

	"github.com/tagroup/tag/taskmatrix"
)

// EpochSums holds the sums of the matrices recorded during one epoch.
type EpochSums struct {
	// Epoch is the 0-based training epoch.
	Epoch int `json:"epoch"`
	// Count is the number of recorded steps.
	Count int `json:"count"`
	// Z is the element-wise sum of the recorded affinity matrices.
	Z [][]float64 `json:"z"`
}

// Accumulator averages affinity and cosine matrices over the recorded steps
// of a run and keeps per-epoch sums for the trajectory. Its fields are
// exported so that a checkpoint can store and restore it exactly.
type Accumulator struct {
	// Tasks names the rows and columns.
	Tasks []string `json:"tasks"`
	// Count is the number of recorded steps.
	Count int `json:"count"`
	// Z and Cosine are the sums of the recorded matrices.
	Z      [][]float64 `json:"z"`
	Cosine [][]float64 `json:"cosine"`
	// Epochs holds the sums per epoch, in recording order.
	Epochs []EpochSums `json:"epochs"`
}

// NewAccumulator returns an empty accumulator for the named tasks.
func NewAccumulator(tasks []string) *Accumulator {
	n := len(tasks)
	return &Accumulator{Tasks: append([]string(nil), tasks...), Z: square(n), Cosine: square(n)}
}

func square(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	return m
}

func addTo(dst, src [][]float64) {
	for i := range dst {
		for j := range dst[i] {
			dst[i][j] += src[i][j]
		}
	}
}

// Add records the matrices measured at one step of the given epoch. z and
// cos must be n×n with n the number of tasks.
func (a *Accumulator) Add(epoch int, z, cos [][]float64) error {
	n := len(a.Tasks)
	for _, m := range [][][]float64{z, cos} {
		if len(m) != n {
			return fmt.Errorf("affinity: matrix has %d rows, want %d", len(m), n)
		}
		for i, row := range m {
			if len(row) != n {
				return fmt.Errorf("affinity: matrix row %d has %d columns, want %d", i, len(row), n)
			}
		}
	}
	addTo(a.Z, z)
	addTo(a.Cosine, cos)
	a.Count++
	if len(a.Epochs) == 0 || a.Epochs[len(a.Epochs)-1].Epoch != epoch {
		a.Epochs = append(a.Epochs, EpochSums{Epoch: epoch, Z: square(n)})
	}
	last := &a.Epochs[len(a.Epochs)-1]
	addTo(last.Z, z)
	last.Count++
	return nil
}

func (a *Accumulator) mean(sum [][]float64, count int) *taskmatrix.Matrix {
	m := taskmatrix.New(a.Tasks)
	if count == 0 {
		return m
	}
	for i := range sum {
		for j := range sum[i] {
			m.Values[i][j] = sum[i][j] / float64(count)
		}
	}
	return m
}

// Affinity returns Ẑ, the mean of the recorded affinity matrices (zero if
// nothing was recorded).
func (a *Accumulator) Affinity() *taskmatrix.Matrix { return a.mean(a.Z, a.Count) }

// CosineMean returns the mean of the recorded gradient cosine matrices.
func (a *Accumulator) CosineMean() *taskmatrix.Matrix { return a.mean(a.Cosine, a.Count) }

// Trajectory returns the per-epoch means of every pair, epoch by epoch,
// then source by source and target by target in task order.
func (a *Accumulator) Trajectory() []taskmatrix.Point {
	var pts []taskmatrix.Point
	for _, e := range a.Epochs {
		m := a.mean(e.Z, e.Count)
		for i, src := range a.Tasks {
			for j, dst := range a.Tasks {
				pts = append(pts, taskmatrix.Point{Epoch: e.Epoch, Source: src, Target: dst, Value: m.Values[i][j]})
			}
		}
	}
	return pts
}
