package affinity

import (
	"math"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// A tiny two-task model for the tests: shared W [d, h], features
// tanh(x W), task heads v_j [h], squared-error losses. goLosses is an
// independent Go implementation of the same losses.
const (
	tinyD, tinyH, tinyB = 3, 2, 4
)

var (
	tinyX = []float64{0.5, -1, 2, 1, 0.3, -0.7, -1.5, 0.2, 0.9, 0.1, 1.1, -0.4}
	tinyY = [][]float64{{1, -1, 0.5, 2}, {-0.5, 0.3, 1, -1}, {0.2, 0.1, -0.3, 0.8}}
	tinyV = [][]float64{{0.7, -1.2}, {-0.4, 0.9}, {0.3, 0.5}}
	tinyW = []float64{0.2, -0.3, 0.5, 0.1, -0.6, 0.4}
)

func goLosses(w []float64) []float64 {
	out := make([]float64, len(tinyV))
	for j, v := range tinyV {
		for b := range tinyB {
			var pred float64
			for k := range tinyH {
				var a float64
				for i := range tinyD {
					a += tinyX[b*tinyD+i] * w[i*tinyH+k]
				}
				pred += math.Tanh(a) * v[k]
			}
			d := pred - tinyY[j][b]
			out[j] += d * d / tinyB
		}
	}
	return out
}

// fdGradients returns each task's loss gradient by central differences.
func fdGradients(w []float64) [][]float64 {
	const h = 1e-6
	g := make([][]float64, len(tinyV))
	for j := range g {
		g[j] = make([]float64, len(w))
	}
	for p := range w {
		plus, minus := append([]float64(nil), w...), append([]float64(nil), w...)
		plus[p] += h
		minus[p] -= h
		lp, lm := goLosses(plus), goLosses(minus)
		for j := range g {
			g[j][p] = (lp[j] - lm[j]) / (2 * h)
		}
	}
	return g
}

func tinyGraphLosses(x *Node, ys, vs []*Node) LossesFn {
	return func(shared []*Node) []*Node {
		feat := Tanh(MatMul(x, shared[0]))
		out := make([]*Node, len(vs))
		for j := range vs {
			d := Sub(Reshape(MatMul(feat, Reshape(vs[j], tinyH, 1)), -1), ys[j])
			out[j] = ReduceAllMean(Square(d))
		}
		return out
	}
}

func TestMeasureMatchesIndependentComputation(t *testing.T) {
	backend := gobackend.GetBackend()
	for _, lr := range []float64{0.05, 0.5} {
		outs, err := ExecOnceN(backend, func(g *Graph) []*Node {
			x := Reshape(Const(g, tinyX), tinyB, tinyD)
			w := Reshape(Const(g, tinyW), tinyD, tinyH)
			var ys, vs []*Node
			for j := range tinyV {
				ys = append(ys, Const(g, tinyY[j]))
				vs = append(vs, Const(g, tinyV[j]))
			}
			losses := tinyGraphLosses(x, ys, vs)
			m := Measure([]*Node{w}, losses, SGDStep([]*Node{w}, Const(g, lr)))
			grads := make([]*Node, len(vs))
			for j := range vs {
				grads[j] = Reshape(m.Grads[j][0], -1)
			}
			return []*Node{m.Z, m.Cosine, m.Losses, Stack(grads, 0), Stack(m.Base, 0)}
		})
		if err != nil {
			t.Fatal(err)
		}
		z := tensors.MustCopyFlatData[float64](outs[0])
		cos := tensors.MustCopyFlatData[float64](outs[1])
		losses := tensors.MustCopyFlatData[float64](outs[2])
		grads := tensors.MustCopyFlatData[float64](outs[3])
		base := tensors.MustCopyFlatData[float64](outs[4])

		n := len(tinyV)
		before := goLosses(tinyW)
		fd := fdGradients(tinyW)
		for j := range n {
			if math.Abs(losses[j]-before[j]) > 1e-12 || math.Abs(base[j]-before[j]) > 1e-12 {
				t.Errorf("lr %g: loss %d = %g (base %g), want %g", lr, j, losses[j], base[j], before[j])
			}
			for p := range tinyW {
				if got := grads[j*len(tinyW)+p]; math.Abs(got-fd[j][p]) > 1e-6 {
					t.Errorf("gradient of task %d wrt w[%d] = %g, finite differences %g", j, p, got, fd[j][p])
				}
			}
		}
		for i := range n {
			stepped := make([]float64, len(tinyW))
			for p := range stepped {
				stepped[p] = tinyW[p] - lr*fd[i][p]
			}
			after := goLosses(stepped)
			for j := range n {
				want := Z(before[j], after[j])
				if got := z[i*n+j]; math.Abs(got-want) > 1e-7 {
					t.Errorf("lr %g: Z[%d→%d] = %g, want %g", lr, i, j, got, want)
				}
				if got, want := cos[i*n+j], Cosine(fd[i], fd[j]); math.Abs(got-want) > 1e-6 {
					t.Errorf("cosine[%d,%d] = %g, want %g", i, j, got, want)
				}
			}
		}
	}
}

func TestCosine(t *testing.T) {
	for _, c := range []struct {
		a, b []float64
		want float64
	}{
		{[]float64{1, 0}, []float64{0, 1}, 0},
		{[]float64{1, 2}, []float64{2, 4}, 1},
		{[]float64{1, 2}, []float64{-1, -2}, -1},
		{[]float64{3, 4}, []float64{4, 3}, 24.0 / 25},
		{[]float64{0, 0}, []float64{1, 1}, 0},
	} {
		if got := Cosine(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Cosine(%v, %v) = %g, want %g", c.a, c.b, got, c.want)
		}
	}
}

func TestZ(t *testing.T) {
	for _, c := range []struct{ before, after, want float64 }{
		{2, 1, 0.5}, {1, 1, 0}, {1, 1.5, -0.5},
	} {
		if got := Z(c.before, c.after); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("Z(%g, %g) = %g, want %g", c.before, c.after, got, c.want)
		}
	}
}
