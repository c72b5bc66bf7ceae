package mtl

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tagroup/tag/data"
)

// loader fills fixed-shape batches of a run's tasks from a data set.
type loader struct {
	ds     data.Dataset
	cols   []int // column of each run task in ds.Tasks()
	batch  int
	xShape shapes.Shape
	yall   []float32
}

func newLoader(ds data.Dataset, cols []int, batchSize int) *loader {
	return &loader{
		ds: ds, cols: cols, batch: batchSize,
		xShape: shapes.Make(dtypes.Float32, append([]int{batchSize}, ds.InputShape()...)...),
		yall:   make([]float32, batchSize*len(ds.Tasks())),
	}
}

// load returns the batch of the examples idx (len(idx) == batch size).
// The inputs are written straight into the new tensor's memory.
func (l *loader) load(split data.Split, idx []int) (batch, error) {
	x := tensors.FromShape(l.xShape)
	var err error
	if accessErr := tensors.MutableFlatData(x, func(flat []float32) { err = l.ds.Fill(split, idx, flat, l.yall) }); accessErr != nil {
		err = accessErr
	}
	if err != nil {
		x.FinalizeAll()
		return batch{}, fmt.Errorf("data set %s, %s split: %w", l.ds.Name(), split, err)
	}
	nAll, n := len(l.ds.Tasks()), len(l.cols)
	y := make([]float32, l.batch*n)
	for b := range l.batch {
		for j, c := range l.cols {
			y[b*n+j] = l.yall[b*nAll+c]
		}
	}
	return batch{x: x, y: tensors.FromFlatDataAndDimensions(y, l.batch, n)}, nil
}

func (b batch) free() {
	b.x.FinalizeAll()
	b.y.FinalizeAll()
}

// Metrics are a task's mean loss and error over a whole split. Error is the
// error rate for classification tasks and the mean squared error for
// regression tasks (then equal to Loss).
type Metrics struct {
	Loss  float64 `json:"loss"`
	Error float64 `json:"error"`
}

// evaluate returns every task's metrics over the whole split, in batches
// of the fixed size; the last batch is padded with example 0 and masked.
func (e *engine) evaluate(l *loader, split data.Split) ([]Metrics, error) {
	n := l.ds.Len(split)
	if n == 0 {
		return nil, fmt.Errorf("data set %s has no %s examples", l.ds.Name(), split)
	}
	lossSum := make([]float64, len(l.cols))
	errSum := make([]float64, len(l.cols))
	idx := make([]int, l.batch)
	mask := make([]float32, l.batch)
	for start := 0; start < n; start += l.batch {
		for b := range idx {
			idx[b], mask[b] = start+b, 1
			if start+b >= n {
				idx[b], mask[b] = 0, 0
			}
		}
		bt, err := l.load(split, idx)
		if err != nil {
			return nil, err
		}
		ls, es, err := e.evalSums(bt, mask)
		bt.free()
		if err != nil {
			return nil, err
		}
		for j := range lossSum {
			lossSum[j] += float64(ls[j])
			errSum[j] += float64(es[j])
		}
	}
	out := make([]Metrics, len(lossSum))
	for j := range out {
		out[j] = Metrics{Loss: lossSum[j] / float64(n), Error: errSum[j] / float64(n)}
	}
	return out, nil
}
