package affinity

import (
	"fmt"
	"math"
	"slices"

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
	// SourceCount, when set, counts the epoch's measurements of each
	// source row (see Accumulator.SourceCount).
	SourceCount []int `json:"source_count,omitempty"`
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
	// SourceCount and CosineCount are set once measurements of some
	// source tasks only were recorded (AddSources): SourceCount[i] is the
	// number of measurements summed in row i of Z, CosineCount[i][j] that
	// in Cosine[i][j]. While they are nil, every pair has Count.
	SourceCount []int   `json:"source_count,omitempty"`
	CosineCount [][]int `json:"cosine_count,omitempty"`
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
	if err := checkShape(z, n, n); err != nil {
		return err
	}
	if err := checkShape(cos, n, n); err != nil {
		return err
	}
	if a.SourceCount != nil {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return a.AddSources(epoch, all, z, cos)
	}
	addTo(a.Z, z)
	addTo(a.Cosine, cos)
	a.Count++
	last := a.epoch(epoch)
	addTo(last.Z, z)
	last.Count++
	return nil
}

// AddSources records a measurement of the given source tasks (indices
// into Tasks) at one step of the given epoch: z [s, n] holds row k of Eq. 1
// for source k, cos [s, s] the gradient cosines among the sources. Each
// pair is then averaged over its own measurements.
func (a *Accumulator) AddSources(epoch int, sources []int, z, cos [][]float64) error {
	n, s := len(a.Tasks), len(sources)
	for _, i := range sources {
		if i < 0 || i >= n {
			return fmt.Errorf("affinity: source task %d out of range [0, %d)", i, n)
		}
	}
	if err := checkShape(z, s, n); err != nil {
		return err
	}
	if err := checkShape(cos, s, s); err != nil {
		return err
	}
	if a.SourceCount == nil {
		a.SourceCount = make([]int, n)
		a.CosineCount = make([][]int, n)
		for i := range n {
			a.SourceCount[i] = a.Count
			a.CosineCount[i] = make([]int, n)
			for j := range n {
				a.CosineCount[i][j] = a.Count
			}
		}
		for k := range a.Epochs {
			e := &a.Epochs[k]
			e.SourceCount = make([]int, n)
			for i := range e.SourceCount {
				e.SourceCount[i] = e.Count
			}
		}
	}
	last := a.epoch(epoch)
	if last.SourceCount == nil {
		last.SourceCount = make([]int, n)
	}
	for k, i := range sources {
		for j, v := range z[k] {
			a.Z[i][j] += v
			last.Z[i][j] += v
		}
		a.SourceCount[i]++
		last.SourceCount[i]++
		for l, j := range sources {
			a.Cosine[i][j] += cos[k][l]
			a.CosineCount[i][j]++
		}
	}
	a.Count++
	last.Count++
	return nil
}

// Validate checks an accumulator read back (from a checkpoint): distinct
// tasks, n×n finite sums overall and per epoch, counts of the right length
// and not negative. A damaged one is refused here rather than found by an
// index out of range later.
func (a *Accumulator) Validate() error {
	n := len(a.Tasks)
	p := &PairSums{Tasks: a.Tasks, Z: a.Z, Cosine: a.Cosine, CosineCount: a.CosineCount, Count: square2(n, a.Count)}
	if err := p.Validate(); err != nil {
		return err
	}
	if a.Count < 0 || a.SourceCount != nil && len(a.SourceCount) != n || slices.ContainsFunc(a.SourceCount, func(c int) bool { return c < 0 }) {
		return fmt.Errorf("affinity sums: step count %d or source counts %v do not fit %d tasks", a.Count, a.SourceCount, n)
	}
	for k, e := range a.Epochs {
		if err := checkShape(e.Z, n, n); err != nil {
			return fmt.Errorf("epoch %d: %w", k, err)
		}
		if e.Count < 0 || e.SourceCount != nil && len(e.SourceCount) != n {
			return fmt.Errorf("affinity sums: epoch %d: step count %d or source counts %v do not fit %d tasks", k, e.Count, e.SourceCount, n)
		}
		for i, row := range e.Z {
			if slices.ContainsFunc(row, func(v float64) bool { return !finite(v) }) {
				return fmt.Errorf("affinity sums: epoch %d, row %d (%s) is not finite", k, i, a.Tasks[i])
			}
		}
	}
	return nil
}

// square2 returns an n×n matrix of c.
func square2(n, c int) [][]int {
	m := make([][]int, n)
	for i := range m {
		m[i] = make([]int, n)
		for j := range m[i] {
			m[i][j] = c
		}
	}
	return m
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkShape reports a matrix m that is not rows×cols.
func checkShape(m [][]float64, rows, cols int) error {
	if len(m) != rows {
		return fmt.Errorf("affinity: matrix has %d rows, want %d", len(m), rows)
	}
	for i, row := range m {
		if len(row) != cols {
			return fmt.Errorf("affinity: matrix row %d has %d columns, want %d", i, len(row), cols)
		}
	}
	return nil
}

// epoch returns the sums of the given epoch, appending them when it is
// not the last one recorded.
func (a *Accumulator) epoch(epoch int) *EpochSums {
	if len(a.Epochs) == 0 || a.Epochs[len(a.Epochs)-1].Epoch != epoch {
		e := EpochSums{Epoch: epoch, Z: square(len(a.Tasks))}
		if a.SourceCount != nil {
			e.SourceCount = make([]int, len(a.Tasks))
		}
		a.Epochs = append(a.Epochs, e)
	}
	return &a.Epochs[len(a.Epochs)-1]
}

// mean returns the sums divided by count(i, j), 0 where it is 0.
func (a *Accumulator) mean(sum [][]float64, count func(i, j int) int) *taskmatrix.Matrix {
	m := taskmatrix.New(a.Tasks)
	for i := range sum {
		for j := range sum[i] {
			if c := count(i, j); c > 0 {
				m.Values[i][j] = sum[i][j] / float64(c)
			}
		}
	}
	return m
}

// rowCount returns the count of row i given the per-row counts rows, or
// all when rows is nil.
func rowCount(rows []int, all int) func(i, j int) int {
	return func(i, _ int) int {
		if rows == nil {
			return all
		}
		return rows[i]
	}
}

// pairCount returns Z's count of each pair.
func (a *Accumulator) pairCount() func(i, j int) int { return rowCount(a.SourceCount, a.Count) }

// PairCount returns the number of measurements in Z's sum of pair i → j:
// Count, or where some source tasks are measured at a time (AddSources)
// the measurements of source i.
func (a *Accumulator) PairCount(i, j int) int { return a.pairCount()(i, j) }

// cosineCount returns Cosine's count of each pair.
func (a *Accumulator) cosineCount(i, j int) int {
	if a.CosineCount == nil {
		return a.Count
	}
	return a.CosineCount[i][j]
}

// Affinity returns Ẑ, the mean of the recorded affinity matrices (each
// pair's mean over its own measurements; zero if it has none).
func (a *Accumulator) Affinity() *taskmatrix.Matrix { return a.mean(a.Z, a.pairCount()) }

// CosineMean returns the mean of the recorded gradient cosine matrices.
func (a *Accumulator) CosineMean() *taskmatrix.Matrix { return a.mean(a.Cosine, a.cosineCount) }

// Trajectory returns the per-epoch means of every pair, epoch by epoch,
// then source by source and target by target in task order.
func (a *Accumulator) Trajectory() []taskmatrix.Point {
	n := len(a.Tasks)
	pts := make([]taskmatrix.Point, 0, len(a.Epochs)*n*n) // n² per epoch: no copies while growing
	for _, e := range a.Epochs {
		m := a.mean(e.Z, rowCount(e.SourceCount, e.Count))
		for i, src := range a.Tasks {
			for j, dst := range a.Tasks {
				pts = append(pts, taskmatrix.Point{Epoch: e.Epoch, Source: src, Target: dst, Value: m.Values[i][j]})
			}
		}
	}
	return pts
}
