package mtl

import (
	"fmt"
	"math"

	"github.com/tagroup/tag/data"
)

// naiveLosses is an independent float64 implementation of an MLP trunk
// (ReLU) with dense heads and the three task losses: it returns every
// task's mean loss over the examples idx of the training split.
func naiveLosses(m *model, vals [][]float64, ds *synthetic, idx []int) []float64 {
	byName := map[string][]float64{}
	for k, s := range m.specs {
		byName[s.Name] = vals[k]
	}
	dense := func(name string, in []float64) []float64 {
		w, b := byName[name+"/w"], byName[name+"/b"]
		out := make([]float64, len(b))
		for o := range out {
			out[o] = b[o]
			for i, v := range in {
				out[o] += v * w[i*len(b)+o]
			}
		}
		return out
	}
	losses := make([]float64, len(m.tasks))
	for _, i := range idx {
		x32, y32 := ds.example(data.Train, i)
		h := make([]float64, len(x32))
		for k, v := range x32 {
			h[k] = float64(v)
		}
		for k := range m.cfg.Trunk.Widths {
			h = dense(fmt.Sprintf("trunk/dense%d", k), h)
			for q := range h {
				h[q] = math.Max(h[q], 0)
			}
		}
		for j, t := range m.tasks {
			out := dense(fmt.Sprintf("head%d/out", j), h)
			col := 0
			for c, dt := range ds.Tasks() {
				if dt.Name == t.Name {
					col = c
				}
			}
			y := float64(y32[col])
			var l float64
			switch t.Kind {
			case data.Binary:
				l = math.Log1p(math.Exp(-math.Abs(out[0]))) + math.Max(out[0], 0) - y*out[0]
			case data.MultiClass:
				var sum float64
				for _, v := range out {
					sum += math.Exp(v)
				}
				l = math.Log(sum) - out[int(y)]
			default:
				l = (out[0] - y) * (out[0] - y)
			}
			losses[j] += l / float64(len(idx))
		}
	}
	return losses
}

// naiveGradients returns d(sum_j coef[j] L_j)/d(param) for the parameters
// params (indices into specs), by central differences.
func naiveGradients(m *model, vals [][]float64, ds *synthetic, idx []int, params []int, coef []float64) [][]float64 {
	return finiteDifferences(vals, params, func(vals [][]float64) float64 {
		var sum float64
		for j, l := range naiveLosses(m, vals, ds, idx) {
			sum += coef[j] * l
		}
		return sum
	})
}

// finiteDifferences returns the gradient of f with respect to the
// parameters params (indices into vals), by central differences.
func finiteDifferences(vals [][]float64, params []int, f func([][]float64) float64) [][]float64 {
	const h = 1e-6
	grads := make([][]float64, len(vals))
	for _, k := range params {
		grads[k] = make([]float64, len(vals[k]))
		for q := range vals[k] {
			orig := vals[k][q]
			vals[k][q] = orig + h
			fp := f(vals)
			vals[k][q] = orig - h
			fm := f(vals)
			vals[k][q] = orig
			grads[k][q] = (fp - fm) / (2 * h)
		}
	}
	return grads
}

func to64(v [][]float32) [][]float64 {
	out := make([][]float64, len(v))
	for k, r := range v {
		out[k] = make([]float64, len(r))
		for q, x := range r {
			out[k][q] = float64(x)
		}
	}
	return out
}
