package mtl

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
)

// engineTasks mixes every task kind; binaryTasks are binary only, the
// case where the model computes all losses in one expression
// (model.lossVector).
var engineTasks, binaryTasks = []string{"a", "noise", "r", "c"}, []string{"a", "noise", "a2"}

func tinyRun(t *testing.T, optName string, look affinity.Lookahead, tasks []string) (*run, *synthetic, []int) {
	t.Helper()
	return tinyRunWith(t, func(cfg *Config) { cfg.Optimizer = optName }, look, tasks...)
}

// tinyRunWith prepares a run of a 5-unit MLP on tasks (default
// engineTasks) of a 64-example synthetic set (plain SGD unless edit
// changes it) and returns it with the indices of one training batch.
func tinyRunWith(t *testing.T, edit func(*Config), look affinity.Lookahead, tasks ...string) (*run, *synthetic, []int) {
	t.Helper()
	ds := newSynthetic(64, 16, 16)
	cfg := DefaultConfig(ds)
	cfg.Trunk.Widths = []int{5}
	cfg.Optimizer, cfg.Momentum = OptimizerSGD, 0
	cfg.BatchSize = 16
	edit(&cfg)
	if len(tasks) == 0 {
		tasks = engineTasks
	}
	r, err := prepare(ds, tasks, cfg, Options{Affinity: &affinity.Options{Every: 1, Lookahead: look}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.eng.close)
	idx := data.EpochOrder(64, 3, 0)[:16]
	return r, ds, idx
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*(1+math.Abs(want)) }

// measureWith returns Z, the gradient cosine and the losses of batch b at
// the engine's current parameters, from the affinity executable alone or
// from the fused training step (which then also updates the parameters).
func measureWith(e *engine, fused bool, b batch, lr float32, sources []int) (z, cos [][]float64, losses []float32, err error) {
	if !fused {
		return e.measure(b, lr, 0, sources)
	}
	losses, ok, err := e.trainMeasureStep(b, lr, 0, sources, func(zz, cc [][]float64) error {
		z, cos = zz, cc
		return nil
	})
	if err == nil && !ok {
		err = fmt.Errorf("fused step: non-finite losses %v", losses)
	}
	return z, cos, losses, err
}

// The in-graph affinity matrix equals Eq. 1 computed independently: a Go
// forward pass in float64, gradients by finite differences, the step taken
// by hand. Both executables that measure it are checked.
func TestAffinityMatchesIndependentComputation(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  string
		look affinity.Lookahead
		lr   float64
	}{
		{"sgd lookahead", OptimizerSGD, affinity.SGD, 0.5},
		{"sgd lookahead small rate", OptimizerAdam, affinity.SGD, 0.05},
		// Adam's first update from zero state is lr·g/(|g|+ε) per element.
		{"adam lookahead", OptimizerAdam, affinity.Optimizer, 0.02},
	} {
		for _, tasks := range [][]string{engineTasks, binaryTasks} {
			for _, fused := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%v/fused=%v", c.name, tasks, fused), func(t *testing.T) {
					checkAffinity(t, tasks, c.opt, c.look, c.lr, fused, lookaheadAuto, true)
				})
			}
		}
	}
}

// checkAffinity compares the engine's measurement on one batch with the
// independent computation; host sets engine.hostLosses where the
// measurement allows it.
func checkAffinity(t *testing.T, tasks []string, optName string, look affinity.Lookahead, lr float64, fused bool, form lookaheadForm, host bool) {
	t.Helper()
	checkEstimator(t, tasks, optName, look, lr, fused, form, host, affinity.Exact, nil)
}

// checkEstimator is checkAffinity for the measurement of an estimator:
// Exact and Sampled (rows: the tasks sources) against Eq. 1, FirstOrder
// against −Δ_i·g_j/L_j, each from the independent computation.
func checkEstimator(t *testing.T, tasks []string, optName string, look affinity.Lookahead, lr float64, fused bool,
	form lookaheadForm, host bool, est affinity.Estimator, sources []int) {
	t.Helper()
	r, ds, idx := tinyRun(t, optName, look, tasks)
	r.eng.m.lookahead = form
	r.eng.est = est
	r.eng.hostLosses = host && r.eng.m.gradientsFromOutputs() && est == affinity.Exact
	b, err := r.train.load(data.Train, idx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.free()
	z, cos, losses, err := measureWith(r.eng, fused, b, float32(lr), sources)
	if err != nil {
		t.Fatal(err)
	}
	n := len(tasks)
	if sources == nil {
		sources = make([]int, n)
		for i := range sources {
			sources[i] = i
		}
	}
	if len(z) != len(sources) || len(cos) != len(sources) {
		t.Fatalf("%d rows of Z and %d of cosines for %d sources", len(z), len(cos), len(sources))
	}
	vals := to64(r.st.Params)
	m := r.eng.m
	before := naiveLosses(m, vals, ds, idx)
	shared := make([]int, m.nShared)
	for k := range shared {
		shared[k] = k
	}
	grads, steps := make([][]float64, n), make([][]float64, n) // g_i and −Δ_i
	afters := make([][]float64, n)
	for i := range n {
		coef := make([]float64, n)
		coef[i] = 1
		g := naiveGradients(m, vals, ds, idx, shared, coef)
		stepped := to64(r.st.Params)
		for _, k := range shared {
			grads[i] = append(grads[i], g[k]...)
			for q := range g[k] {
				d := g[k][q]
				if look == affinity.Optimizer {
					d /= math.Abs(d) + adamEpsilon
				}
				stepped[k][q] -= lr * d
				steps[i] = append(steps[i], lr*d)
			}
		}
		afters[i] = naiveLosses(m, stepped, ds, idx)
	}
	for j := range n {
		if !near(float64(losses[j]), before[j], 1e-5) {
			t.Errorf("loss %s = %g, want %g", tasks[j], losses[j], before[j])
		}
	}
	for k, i := range sources {
		for j := range n {
			want := affinity.Z(before[j], afters[i][j])
			if est == affinity.FirstOrder {
				want = 0
				for q := range steps[i] {
					want += steps[i][q] * grads[j][q]
				}
				want /= before[j]
			}
			if !near(z[k][j], want, 2e-4) {
				t.Errorf("%v: Z[%s→%s] = %.6g, want %.6g", est, tasks[i], tasks[j], z[k][j], want)
			}
		}
		for l, j := range sources {
			if want := affinity.Cosine(grads[i], grads[j]); !near(cos[k][l], want, 1e-3) {
				t.Errorf("%v: cosine[%s,%s] = %.6g, want %.6g", est, tasks[i], tasks[j], cos[k][l], want)
			}
		}
	}
}

// The sampled estimator's rows are Eq. 1 of its sources, and the
// first-order estimator is −Δ_i·g_j/L_j, from the affinity executable and
// the fused training step, on the batched model (binary tasks) and the
// generic one, with both lookaheads.
func TestEstimatorsMatchIndependentComputation(t *testing.T) {
	for _, tasks := range [][]string{binaryTasks, engineTasks} {
		for _, look := range []affinity.Lookahead{affinity.SGD, affinity.Optimizer} {
			opt := OptimizerSGD
			if look == affinity.Optimizer {
				opt = OptimizerAdam
			}
			for _, fused := range []bool{false, true} {
				name := fmt.Sprintf("%v/%v/fused=%v", tasks, look, fused)
				t.Run(name+"/sampled", func(t *testing.T) {
					checkEstimator(t, tasks, opt, look, 0.3, fused, lookaheadAuto, true, affinity.Sampled, []int{2, 0})
				})
				t.Run(name+"/firstorder", func(t *testing.T) {
					checkEstimator(t, tasks, opt, look, 0.3, fused, lookaheadAuto, true, affinity.FirstOrder, nil)
				})
			}
		}
	}
}

// One plain-SGD training step moves every parameter by −η times the
// finite-difference gradient of the weighted loss, whether it is a plain
// step or one that also measures the affinity (which builds the shared
// parameters' gradient from the per-task ones, or in the kernel form from
// the tasks' gradients at the pre-activations).
func TestTrainStepGradientMatchesFiniteDifferences(t *testing.T) {
	for _, c := range []struct {
		tasks []string
		fused bool
		form  lookaheadForm
		est   affinity.Estimator
	}{{engineTasks, false, lookaheadAuto, affinity.Exact}, {engineTasks, true, lookaheadAuto, affinity.Exact},
		{binaryTasks, false, lookaheadAuto, affinity.Exact}, {binaryTasks, true, lookaheadExplicit, affinity.Exact},
		{binaryTasks, true, lookaheadKernel, affinity.Exact}, {engineTasks, true, lookaheadAuto, affinity.Sampled},
		{binaryTasks, true, lookaheadAuto, affinity.Sampled}, {engineTasks, true, lookaheadAuto, affinity.FirstOrder},
		{binaryTasks, true, lookaheadAuto, affinity.FirstOrder}} {
		fused := c.fused
		t.Run(fmt.Sprintf("%v/fused=%v/form=%d/%v", c.tasks, fused, c.form, c.est), func(t *testing.T) {
			r, ds, idx := tinyRun(t, OptimizerSGD, affinity.SGD, c.tasks)
			r.eng.m.lookahead = c.form
			r.eng.est = c.est
			r.eng.hostLosses = r.eng.hostLosses && c.est == affinity.Exact
			r.lossWeights = []float32{1, 0.5, 2, 1}[:len(c.tasks)]
			r.eng.lossWeights = r.lossWeights
			coef := []float64{1, 0.5, 2, 1}[:len(c.tasks)]
			checkStep(t, r, ds, idx, fused, func(vals [][]float64, all []int) [][]float64 {
				return naiveGradients(r.eng.m, vals, ds, idx, all, coef)
			})
		})
	}
}

// checkStep runs one training step of r at rate 0.1 on the examples idx
// (fused with the affinity measurement or not) and checks that every
// parameter moved by −0.1 times the gradient that want returns for the
// parameter values before the step (as float64, indices all).
func checkStep(t *testing.T, r *run, ds *synthetic, idx []int, fused bool,
	want func(vals [][]float64, all []int) [][]float64) {
	t.Helper()
	b, err := r.train.load(data.Train, idx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.free()
	vals, err := r.eng.copyParams()
	if err != nil {
		t.Fatal(err)
	}
	const lr = 0.1
	if fused {
		_, _, _, err = measureWith(r.eng, true, b, lr, []int{1})
	} else if _, ok, stepErr := r.eng.trainStep(b, lr, 0); stepErr != nil || !ok {
		err = fmt.Errorf("train step: ok=%v err=%v", ok, stepErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	after, err := r.eng.copyParams()
	if err != nil {
		t.Fatal(err)
	}
	all := make([]int, len(vals))
	for k := range all {
		all[k] = k
	}
	g := want(to64(vals), all)
	for k, s := range r.eng.m.specs {
		for q := range g[k] {
			got := (float64(vals[k][q]) - float64(after[k][q])) / lr
			if math.Abs(got-g[k][q]) > 2e-3*(1+math.Abs(g[k][q])) {
				t.Errorf("%s[%d]: gradient %g, finite differences %g", s.Name, q, got, g[k][q])
			}
		}
	}
}

// A convolution layer (convLayer, alone and with the ReLU fused) equals
// GoMLX's own convolution with "same" padding plus the bias (and the
// ReLU), and so do its gradients with respect to the input, the kernel
// and the bias (of a fixed weighting of the outputs), which come from
// layer.build's own gradient (at stride 1 with an odd kernel, from the
// transposed convolution).
func TestConvolveMatchesGoMLX(t *testing.T) {
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		side, k, stride int
		relu            bool
	}{{8, 3, 2, false}, {7, 3, 2, true}, {6, 3, 1, false}, {6, 3, 1, true}, {7, 5, 1, true}, {5, 1, 2, false}} {
		outs, err := ExecOnceN(backend, func(g *Graph) []*Node {
			x := IotaFull(g, shapes.Make(dtypes.Float32, 2, c.side, c.side, 3))
			x = Sin(MulScalar(x, 0.37))
			w := Cos(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, c.k, c.k, 3, 4)), 0.11+0.01*float64(c.k)))
			b := Sin(IotaFull(g, shapes.Make(dtypes.Float32, 4)))
			l, dims := convLayer(x, w, b, c.stride)
			l.relu = c.relu
			got := Reshape(l.build(), dims...)
			want := addBias(Convolve(x, w).Strides(c.stride).PadSame().Done(), b)
			if c.relu {
				want = activation.Relu(want)
			}
			return compareWithGradients(g, got, want, []*Node{x, w, b})
		})
		if err != nil {
			t.Fatal(err)
		}
		checkOutputsAndGradients(t, c, outs, [4]string{"convolution", "input gradient", "kernel gradient", "bias gradient"}, 1e-4)
	}
}

// The gradient of a convolution layer with respect to its input matches
// central differences of a fixed weighting of its outputs, also for even
// kernels (padded asymmetrically), where GoMLX's own Convolve gradient
// (v0.28.2) does not: with a 2×2 kernel at stride 1 it gives 0.92 where
// the differences give 1.46.
func TestConvolveInputGradientMatchesFiniteDifferences(t *testing.T) {
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ k, stride int }{{2, 1}, {2, 2}, {3, 1}, {4, 1}, {3, 2}, {5, 2}, {1, 2}, {3, 3}} {
		// lossAt returns the weighted sum of the outputs with x[pos] moved
		// by delta, and its gradient with respect to x[pos].
		lossAt := func(pos int, delta float64) (loss, grad float64) {
			outs, err := ExecOnceN(backend, func(g *Graph) []*Node {
				x := Sin(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, 2, 6, 6, 3)), 0.37))
				move := OneHot(Const(g, []int32{int32(pos)}), x.Shape().Size(), dtypes.Float32)
				x = Add(x, MulScalar(Reshape(move, x.Shape().Dimensions...), delta))
				w := Cos(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, c.k, c.k, 3, 4)), 0.13))
				y := convolve(x, w, Sin(IotaFull(g, shapes.Make(dtypes.Float32, 4))), c.stride)
				l := ReduceAllSum(Mul(y, Cos(MulScalar(IotaFull(g, y.Shape()), 0.7))))
				return []*Node{l, Reshape(Gradient(l, x)[0], -1)}
			})
			if err != nil {
				t.Fatal(err)
			}
			return float64(tensors.MustCopyFlatData[float32](outs[0])[0]), float64(tensors.MustCopyFlatData[float32](outs[1])[pos])
		}
		for _, pos := range []int{0, 5, 40, 107, 215} {
			const h = 0.01 // the loss is linear in x: central differences are exact but for rounding
			plus, _ := lossAt(pos, h)
			minus, _ := lossAt(pos, -h)
			_, got := lossAt(pos, 0)
			if want := (plus - minus) / (2 * h); !near(got, want, 1e-3) {
				t.Errorf("%+v: dL/dx[%d] = %g, finite differences %g", c, pos, got, want)
			}
		}
	}
}

// A layer's own gradient (layer.build) equals GoMLX's gradient of the
// same expression, relu(x·w + b) or x·w + b, with respect to x, w and b,
// for the shapes that take each of its paths: narrow and wide outputs,
// inputs wider than the outputs, and weights held transposed.
func TestLayerGradientsMatchGoMLX(t *testing.T) {
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rows, in, out int
		wT, relu      bool
	}{{8, 4, 3, false, true}, {70, 20, 80, false, true}, {200, 300, 70, false, false}, {64, 32, 9, true, true}, {64, 32, 9, false, false},
		// weightGradient's three ways: v transposed by the identity product
		// (rows·out² ≥ packedProduct), x transposed, v transposed.
		{16400, 5, 16, false, true}, {16400, 5, 16, true, false}, {300, 9, 16, false, true}, {300, 9, 16, true, true}, {64, 40, 8, false, false}} {
		outs, err := ExecOnceN(backend, func(g *Graph) []*Node {
			x := Sin(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, c.rows, c.in)), 0.37))
			wDims := []int{c.in, c.out}
			if c.wT {
				wDims = []int{c.out, c.in}
			}
			w := Cos(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, wDims...)), 0.11))
			b := Sin(IotaFull(g, shapes.Make(dtypes.Float32, c.out)))
			got := layer{x: x, w: w, b: b, wT: c.wT, relu: c.relu}.build()
			ww := w
			if c.wT {
				ww = Transpose(w, 0, 1)
			}
			want := addBias(MatMul(x, ww), b)
			if c.relu {
				want = activation.Relu(want)
			}
			return compareWithGradients(g, got, want, []*Node{x, w, b})
		})
		if err != nil {
			t.Fatal(err)
		}
		checkOutputsAndGradients(t, c, outs, [4]string{"output", "x gradient", "w gradient", "b gradient"}, 1e-4)
	}
}

// compareWithGradients builds got and want from g, and returns them
// followed by the gradients of a fixed weighting of each with respect to
// wrt(g) (three nodes), for checkOutputsAndGradients.
func compareWithGradients(g *Graph, got, want *Node, wrt []*Node) []*Node {
	weights := Cos(MulScalar(IotaFull(g, got.Shape()), 0.7))
	out := []*Node{got, want}
	for _, y := range []*Node{got, want} {
		out = append(out, Gradient(ReduceAllSum(Mul(y, weights)), wrt...)...)
	}
	return out
}

// checkOutputsAndGradients compares the outputs of compareWithGradients:
// got with want, and their gradients with respect to the three inputs
// (named in names), to relative tolerance tol.
func checkOutputsAndGradients(t *testing.T, c any, outs []*tensors.Tensor, names [4]string, tol float64) {
	t.Helper()
	for k, name := range names {
		a, b := outs[0], outs[1]
		if k > 0 {
			a, b = outs[1+k], outs[4+k]
		}
		if !a.Shape().Equal(b.Shape()) {
			t.Fatalf("%+v: %s shape %s, want %s", c, name, a.Shape(), b.Shape())
		}
		got, want := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
		for q := range want {
			if !near(float64(got[q]), float64(want[q]), tol) {
				t.Fatalf("%+v: %s [%d] = %g, want %g", c, name, q, got[q], want[q])
			}
		}
	}
}

// sumRows and sumAll equal ReduceSum and ReduceAllSum on both sides of
// sumByProduct, and sumAll (the finiteness check of a step's new
// parameters) is not finite when one element is NaN or infinite.
func TestSumRowsMatchesReduceSum(t *testing.T) {
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, dims := range [][]int{{10, 10}, {20000, 3}, {300, 100}, {4, 64, 80}} {
		size := 1
		for _, d := range dims {
			size *= d
		}
		for _, bad := range []float64{0, math.NaN(), math.Inf(1), math.Inf(-1)} {
			outs, err := ExecOnceN(backend, func(g *Graph) []*Node {
				x := Sin(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, dims...)), 0.37))
				if bad != 0 {
					at := OneHot(Const(g, int32(size/3)), size, dtypes.Bool)
					x = Where(Reshape(at, dims...), Scalar(g, dtypes.Float32, bad), x)
				}
				m := Reshape(x, -1, dims[len(dims)-1])
				return []*Node{sumRows(m), ReduceSum(m, 0), sumAll(x), ReduceAllSum(x)}
			})
			if err != nil {
				t.Fatal(err)
			}
			got, want := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
			all, wantAll := float64(tensors.ToScalar[float32](outs[2])), float64(tensors.ToScalar[float32](outs[3]))
			if bad != 0 {
				if !math.IsNaN(all) && !math.IsInf(all, 0) {
					t.Errorf("%v with %g: sumAll = %g, want a non-finite sum", dims, bad, all)
				}
				continue
			}
			for k := range want {
				if !near(float64(got[k]), float64(want[k]), 1e-4) {
					t.Fatalf("%v: sumRows[%d] = %g, want %g", dims, k, got[k], want[k])
				}
			}
			if !near(all, wantAll, 1e-4) {
				t.Errorf("%v: sumAll = %g, want %g", dims, all, wantAll)
			}
		}
	}
}
