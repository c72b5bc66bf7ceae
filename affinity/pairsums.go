package affinity

import (
	"fmt"
	"slices"

	"github.com/tagroup/tag/taskmatrix"
)

// PairSums are the sums and counts of the affinity and cosine
// measurements of every ordered pair of tasks. Unlike an Accumulator, whose
// pairs were all measured at the same steps, each pair has its own count,
// so that pairs measured in different runs can be combined: an updated
// task set keeps the sums of its old pairs and adds those of its new ones.
type PairSums struct {
	// Tasks names the rows and columns.
	Tasks []string `json:"tasks"`
	// Count[i][j] is the number of measurements summed in Z[i][j] and,
	// unless CosineCount is set, in Cosine[i][j].
	Count [][]int `json:"count"`
	// Z and Cosine are the sums of the measured Z_{i→j} and gradient
	// cosines.
	Z      [][]float64 `json:"z"`
	Cosine [][]float64 `json:"cosine"`
	// CosineCount[i][j], when set, is the number of measurements summed
	// in Cosine[i][j] (the sampled estimator measures the cosine of two
	// tasks only when both are sources).
	CosineCount [][]int `json:"cosine_count,omitempty"`
}

// PairSums returns the accumulator's sums, every pair with its count.
func (a *Accumulator) PairSums() *PairSums {
	n := len(a.Tasks)
	p := &PairSums{Tasks: slices.Clone(a.Tasks), Count: make([][]int, n), Z: square(n), Cosine: square(n)}
	count := a.pairCount()
	if a.CosineCount != nil {
		p.CosineCount = make([][]int, n)
	}
	for i := range n {
		p.Count[i] = make([]int, n)
		if p.CosineCount != nil {
			p.CosineCount[i] = slices.Clone(a.CosineCount[i])
		}
		for j := range n {
			p.Count[i][j] = count(i, j)
			p.Z[i][j], p.Cosine[i][j] = a.Z[i][j], a.Cosine[i][j]
		}
	}
	return p
}

// Validate checks that the matrices are n×n for the n distinct tasks, that
// the sums are finite and that the counts are not negative.
func (p *PairSums) Validate() error {
	n := len(p.Tasks)
	seen := map[string]bool{}
	for _, t := range p.Tasks {
		if seen[t] {
			return fmt.Errorf("affinity sums: task %q listed twice", t)
		}
		seen[t] = true
	}
	if len(p.Count) != n || len(p.Z) != n || len(p.Cosine) != n {
		return fmt.Errorf("affinity sums: %d tasks but %d, %d and %d rows of counts, Z and cosine", n, len(p.Count), len(p.Z), len(p.Cosine))
	}
	for i := range n {
		if len(p.Count[i]) != n || len(p.Z[i]) != n || len(p.Cosine[i]) != n {
			return fmt.Errorf("affinity sums: row %d (%s) does not have %d columns", i, p.Tasks[i], n)
		}
		for j, c := range p.Count[i] {
			if c < 0 {
				return fmt.Errorf("affinity sums: count of %s→%s is %d", p.Tasks[i], p.Tasks[j], c)
			}
			if !finite(p.Z[i][j]) || !finite(p.Cosine[i][j]) {
				return fmt.Errorf("affinity sums: sum of %s→%s is not finite (Z %v, cosine %v)", p.Tasks[i], p.Tasks[j], p.Z[i][j], p.Cosine[i][j])
			}
		}
	}
	if p.CosineCount == nil {
		return nil
	}
	if len(p.CosineCount) != n {
		return fmt.Errorf("affinity sums: %d tasks but %d rows of cosine counts", n, len(p.CosineCount))
	}
	for i, row := range p.CosineCount {
		if len(row) != n {
			return fmt.Errorf("affinity sums: cosine count row %d (%s) does not have %d columns", i, p.Tasks[i], n)
		}
		for j, c := range row {
			if c < 0 {
				return fmt.Errorf("affinity sums: cosine count of %s→%s is %d", p.Tasks[i], p.Tasks[j], c)
			}
		}
	}
	return nil
}

// cosineCount returns the number of measurements in Cosine[i][j].
func (p *PairSums) cosineCount(i, j int) int {
	if p.CosineCount == nil {
		return p.Count[i][j]
	}
	return p.CosineCount[i][j]
}

// withCosineCount sets CosineCount from Count where it is nil.
func (p *PairSums) withCosineCount() {
	if p.CosineCount != nil {
		return
	}
	p.CosineCount = make([][]int, len(p.Count))
	for i := range p.Count {
		p.CosineCount[i] = slices.Clone(p.Count[i])
	}
}

// index returns the position of each name in tasks (−1 when absent).
func index(tasks, names []string) []int {
	idx := make([]int, len(names))
	for k, name := range names {
		idx[k] = slices.Index(tasks, name)
	}
	return idx
}

// Without returns the sums without the rows and columns of the given
// tasks, each of which must be present.
func (p *PairSums) Without(remove []string) (*PairSums, error) {
	for _, t := range remove {
		if !slices.Contains(p.Tasks, t) {
			return nil, fmt.Errorf("affinity sums: no task %q to remove", t)
		}
	}
	var keep []string
	for _, t := range p.Tasks {
		if !slices.Contains(remove, t) {
			keep = append(keep, t)
		}
	}
	return p.pick(keep, index(p.Tasks, keep)), nil
}

// pick returns the sums of the tasks names, found at rows idx.
func (p *PairSums) pick(names []string, idx []int) *PairSums {
	n := len(names)
	out := &PairSums{Tasks: slices.Clone(names), Count: make([][]int, n), Z: square(n), Cosine: square(n)}
	if p.CosineCount != nil {
		out.CosineCount = make([][]int, n)
	}
	for a, i := range idx {
		out.Count[a] = make([]int, n)
		if out.CosineCount != nil {
			out.CosineCount[a] = make([]int, n)
		}
		for b, j := range idx {
			out.Count[a][b], out.Z[a][b], out.Cosine[a][b] = p.Count[i][j], p.Z[i][j], p.Cosine[i][j]
			if out.CosineCount != nil {
				out.CosineCount[a][b] = p.CosineCount[i][j]
			}
		}
	}
	return out
}

// Merge combines p with the measurements of a later run over window.Tasks,
// which must hold every task of p: a pair involving a task that p lacks
// takes the window's sums and count; a pair of p keeps p's, to which the
// window's are added when refresh is set. The result is over
// window.Tasks, in its order.
func (p *PairSums) Merge(window *Accumulator, refresh bool) (*PairSums, error) {
	for _, t := range p.Tasks {
		if !slices.Contains(window.Tasks, t) {
			return nil, fmt.Errorf("affinity sums: task %q was not measured by the update", t)
		}
	}
	w := window.PairSums()
	if p.CosineCount != nil {
		w.withCosineCount()
	}
	old := index(p.Tasks, w.Tasks)
	for a := range w.Tasks {
		for b := range w.Tasks {
			i, j := old[a], old[b]
			if i < 0 || j < 0 {
				continue
			}
			if !refresh {
				w.Count[a][b], w.Z[a][b], w.Cosine[a][b] = 0, 0, 0
				if w.CosineCount != nil {
					w.CosineCount[a][b] = 0
				}
			}
			if w.CosineCount != nil {
				w.CosineCount[a][b] += p.cosineCount(i, j)
			}
			w.Count[a][b] += p.Count[i][j]
			w.Z[a][b] += p.Z[i][j]
			w.Cosine[a][b] += p.Cosine[i][j]
		}
	}
	return w, nil
}

func (p *PairSums) mean(sum [][]float64, count func(i, j int) int) *taskmatrix.Matrix {
	m := taskmatrix.New(p.Tasks)
	for i := range sum {
		for j := range sum[i] {
			if c := count(i, j); c > 0 {
				m.Values[i][j] = sum[i][j] / float64(c)
			}
		}
	}
	return m
}

// Affinity returns Ẑ, each pair's mean over its own measurements (0 for a
// pair never measured).
func (p *PairSums) Affinity() *taskmatrix.Matrix {
	return p.mean(p.Z, func(i, j int) int { return p.Count[i][j] })
}

// CosineMean returns each pair's mean gradient cosine.
func (p *PairSums) CosineMean() *taskmatrix.Matrix { return p.mean(p.Cosine, p.cosineCount) }
