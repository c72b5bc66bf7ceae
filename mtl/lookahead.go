package mtl

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/tagroup/tag/affinity"
)

// This file holds the measurement of Eq. 1 (package affinity) and every
// fast path of it, in three parts: the engine's measurement executables
// (affinityGraph, trainAffinityGraph and their results); the model's
// batched forms for a one-layer trunk with binary heads (the n lookaheads
// as one forward pass, the gradients from the heads' outputs, and the
// kernel form through x·xᵀ); and the losses after the lookaheads evaluated
// on the host from the heads' outputs.

// trainAffinityGraph: inputs as trainGraph, with the sampled estimator's
// selection of sources after t (measureInputs); outputs those of
// trainGraph followed by Z [s, n] and the gradient cosine [s, s] of the
// batch, as affinityGraph computes them (s = n but with the sampled
// estimator). The training gradient of the shared parameters is
// Σ_i w_i ∇L_i, summed from the per-task gradients that the measurement
// needs anyway; only the heads take one more (short) backward pass. So a
// measured step costs one forward and n backward passes plus the n
// lookahead forwards, instead of that plus a whole training step. A
// balance rule builds its update from the same per-task gradients. The
// sampled estimator has the gradients of its sources only: its step
// takes the training step's own backward pass besides the measurement.
func (e *engine) trainAffinityGraph(g *Graph, in []*Node) []*Node {
	params, state, rest := e.splitInputs(in, true)
	x, y, lr, t := rest[0], rest[1], rest[2], rest[3]
	sel, rest := e.measureInputs(rest[4:])
	meas := e.measurement(params, state, x, y, lr, t, sel)
	if e.est == affinity.Sampled {
		return append(e.trainOutputs(params, state, x, y, lr, t, rest), e.affinityOutputs(meas)...)
	}
	if e.m.cfg.UpdateRule != UpdateSum {
		grads, extra := e.balancedGradients(params, meas.Base, meas.Grads, rest)
		out := append(e.update(params, grads, state, lr, t, meas.Losses), extra...)
		return append(out, e.affinityOutputs(meas)...)
	}
	ns := e.m.nShared
	var grads []*Node
	if meas.kernel != nil {
		grads = meas.kernel.trunkGradient(e.lossWeights)
	} else {
		grads = sumTaskGradients(meas.Grads, ns, func(i int, g *Node) *Node { return MulScalar(g, float64(e.lossWeights[i])) })
	}
	grads = append(grads, Gradient(e.weightedTotal(meas.Losses), params[ns:]...)...)
	return append(e.update(params, grads, state, lr, t, meas.Losses), e.affinityOutputs(meas)...)
}

// affinityGraph: inputs params, state, x, y, lr, t and the sampled
// estimator's selection (measureInputs); outputs Z [s, n], the gradient
// cosine [s, s] and the losses [n] (affinity.Measure; s = n but with the
// sampled estimator). The heads are fixed; only the outputs leave the
// graph.
func (e *engine) affinityGraph(g *Graph, in []*Node) []*Node {
	params, state, rest := e.splitInputs(in, true)
	sel, _ := e.measureInputs(rest[4:])
	meas := e.measurement(params, state, rest[0], rest[1], rest[2], rest[3], sel)
	return append(e.affinityOutputs(meas), meas.Losses)
}

// measureInputs splits the inputs of a measuring executable that follow
// t: with the sampled estimator, first the selection of the sources
// [s, n] (row k one-hot at source k, selection), then the rest.
func (e *engine) measureInputs(in []*Node) (sel *Node, rest []*Node) {
	if e.est != affinity.Sampled {
		return nil, in
	}
	return in[0], in[1:]
}

// selection returns the inputs a measuring executable takes after t for
// the given sources (nil for every task): the sampled estimator's one-hot
// rows [s, n].
func (e *engine) selection(sources []int) []any {
	if e.est != affinity.Sampled {
		return nil
	}
	n := len(e.m.tasks)
	flat := make([]float32, len(sources)*n)
	for k, i := range sources {
		flat[k*n+i] = 1
	}
	return []any{tensors.FromFlatDataAndDimensions(flat, len(sources), n)}
}

// measured is what engine.measurement builds: the measurement, the
// kernel form's parts when the model measures in that form
// (lookaheadByKernel), and the heads' outputs before and after the
// lookaheads when the model's losses after them come from those outputs
// alone (gradientsFromOutputs), for hostLosses.
type measured struct {
	affinity.Measurement
	kernel *kernelForm
	// base [B, n] are the heads' outputs at the shared parameters, after
	// [B, n, n] those after each task's lookahead less the heads' biases
	// bias [n] (lookaheadLogits).
	base, after, bias *Node
}

// measurement builds Eq. 1 on the batch x, y at the given parameters with
// the engine's estimator (e.est; sel selects the sampled estimator's
// sources): the lookahead moves the shared parameters only, by plain SGD
// or by the optimizer's own update (e.look).
func (e *engine) measurement(params, state []*Node, x, y, lr, t, sel *Node) measured {
	ns := e.m.nShared
	heads := params[ns:]
	losses := func(shared []*Node) []*Node {
		return e.m.meanLosses(e.m.bind(append(append([]*Node(nil), shared...), heads...)), x, y)
	}
	step := affinity.SGDStep(params[:ns], lr)
	if e.look == affinity.Optimizer {
		step = func(grads []*Node) []*Node {
			out := make([]*Node, ns)
			for k := range ns {
				out[k], _ = e.opt.update(params[k], grads[k], e.paramState(state, k), lr, t)
			}
			return out
		}
	}
	// The losses after the lookaheads are never differentiated.
	var res measured
	var batched affinity.Batched
	if e.m.batchesLookaheads() {
		batched.After = func(stepped [][]*Node) *Node {
			res.after, res.bias = e.m.lookaheadLogits(stepped, heads, x)
			return afterLosses(res.after, res.bias, y)
		}
	} else {
		batched.After = func(stepped [][]*Node) *Node {
			rows := make([]*Node, len(stepped))
			for i, s := range stepped {
				p := e.m.bindForward(append(append([]*Node(nil), s...), heads...))
				rows[i] = Stack(e.m.meanLosses(p, x, y), 0)
			}
			return Stack(rows, 0)
		}
	}
	if e.m.gradientsFromOutputs() && e.est != affinity.Sampled {
		o := e.m.outputGradients(params[:ns], heads, x, y)
		res.base = o.z
		batched.Grads = func() [][]*Node { return e.m.taskGradients(o) }
		if e.est == affinity.Exact && e.look == affinity.SGD && e.m.lookaheadByKernel(x.Shape().Dimensions[0]) {
			res.kernel = e.m.kernelMeasurement(o, y, lr)
			res.after, res.bias = res.kernel.products, res.kernel.bias
			batched.Kernel = func() ([]*Node, *Node, *Node) { return res.kernel.base, res.kernel.after, res.kernel.gram }
		}
		if e.est == affinity.FirstOrder && e.look == affinity.SGD {
			batched.SGDGram = func() ([]*Node, *Node, *Node) {
				res.kernel = e.m.firstOrderMeasurement(o, y)
				return res.kernel.base, res.kernel.gram, lr
			}
		}
	}
	switch e.est {
	case affinity.Sampled:
		res.Measurement = affinity.MeasureSources(params[:ns], losses, step, batched.After, sel)
	case affinity.FirstOrder:
		res.Measurement = affinity.MeasureFirstOrder(params[:ns], losses, step, batched)
	default:
		res.Measurement = affinity.MeasureWith(params[:ns], losses, step, batched)
	}
	return res
}

// affinityOutputs are the outputs of a measurement that leave its graph:
// Z and the gradient cosine, or with hostLosses the heads' outputs before
// and after the lookaheads (the latter less the biases), the biases and
// the cosine (affinityResult reads them).
func (e *engine) affinityOutputs(meas measured) []*Node {
	if e.hostLosses {
		return []*Node{meas.base, meas.after, meas.bias, meas.Cosine}
	}
	return []*Node{meas.Z, meas.Cosine}
}

// affinityResult returns Z and the gradient cosine from the outputs of
// affinityOutputs on batch b: with hostLosses, Z from the heads' outputs
// and b's targets (lookaheadZ).
func (e *engine) affinityResult(b batch, out []*tensors.Tensor) (z, cos [][]float64, err error) {
	n := len(e.m.tasks)
	if !e.hostLosses {
		s := out[0].Shape().Dimensions[0]
		return matrix(out[0], s, n), matrix(out[1], s, s), nil
	}
	y, err := tensors.CopyFlatData[float32](b.y)
	if err != nil {
		return nil, nil, err
	}
	base, after, bias := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1]),
		tensors.MustCopyFlatData[float32](out[2])
	return lookaheadZ(base, after, bias, y, len(y)/n, n), matrix(out[3], n, n), nil
}

// trainMeasureStep runs one optimizer step that also measures the affinity
// on its batch (before the update, as measure would), of the given source
// tasks with the sampled estimator (sources is ignored otherwise). accept
// receives Z and the gradient cosine (rows: the sources) before the new
// parameters are kept; an error from it keeps the previous parameters and
// is returned. It is not called when the losses or the new parameters are
// not finite (then ok is false).
func (e *engine) trainMeasureStep(b batch, lr float32, step int, sources []int,
	accept func(z, cos [][]float64) error) (losses []float32, ok bool, err error) {
	return e.runUpdate(e.fusedExec, b, lr, step, e.selection(sources), func(extra []*tensors.Tensor) error {
		z, cos, err := e.affinityResult(b, extra)
		if err != nil {
			return err
		}
		return accept(z, cos)
	})
}

// measure runs the affinity executable on b and returns Z, the gradient
// cosine (rows: the given sources with the sampled estimator, which
// ignores sources otherwise) and the losses.
func (e *engine) measure(b batch, lr float32, step int, sources []int) (z, cos [][]float64, losses []float32, err error) {
	sel := e.selection(sources)
	defer finalizeArgs(sel)
	out, err := e.affExec.Call(e.args(b, true, append([]any{lr, float32(step + 1)}, sel...)...)...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("affinity at step %d: %w", step, err)
	}
	defer finalizeAll(out)
	if z, cos, err = e.affinityResult(b, out[:len(out)-1]); err != nil {
		return nil, nil, nil, err
	}
	return z, cos, tensors.MustCopyFlatData[float32](out[len(out)-1]), nil
}

// matrix returns the rows×cols matrix t.
func matrix(t *tensors.Tensor, rows, cols int) [][]float64 {
	flat := tensors.MustCopyFlatData[float32](t)
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = float64(flat[i*cols+j])
		}
	}
	return m
}

// finalizeArgs releases the tensors among args.
func finalizeArgs(args []any) {
	for _, a := range args {
		if t, ok := a.(*tensors.Tensor); ok {
			t.FinalizeAll()
		}
	}
}

// batchesLookaheads reports whether lookaheadLogits applies: an MLP trunk
// of one dense layer, heads without a hidden layer, binary tasks only
// (the default glyph model).
func (m *model) batchesLookaheads() bool {
	return m.cfg.Trunk.Kind == TrunkMLP && len(m.cfg.Trunk.Widths) == 1 && m.nShared == 2 && m.allBinary()
}

// gradientsFromOutputs reports whether the tasks' gradients at the trunk
// follow from one forward pass (outputGradients): a model that
// batchesLookaheads with the ReLU. Its measurement then has the heads'
// outputs before and after the lookaheads too (engine.hostLosses), and
// may take the kernel form (lookaheadByKernel).
func (m *model) gradientsFromOutputs() bool {
	return m.batchesLookaheads() && m.act == activation.TypeRelu
}

// lookaheadLogits returns the heads' outputs after the n lookaheads less
// the heads' biases, [batch, n, n] ([b, i, j]: task j's output on example
// b with the trunk's weight and bias at stepped[i], less bias[j]), and the
// biases [n], as one forward pass instead of n (batchesLookaheads): the n
// stepped weight matrices side by side make one product with the inputs,
// [batch, n·width]; the heads, which the lookahead does not move, take
// the n·batch feature rows as one batch.
func (m *model) lookaheadLogits(stepped [][]*Node, heads []*Node, x *Node) (products, bias *Node) {
	n, batch := len(stepped), x.Shape().Dimensions[0]
	ws, bs := make([]*Node, n), make([]*Node, n)
	for i, s := range stepped {
		ws[i], bs[i] = s[0], s[1]
	}
	h := Reshape(StopGradient(x), batch, -1)
	wT := m.specs[0].Transposed
	h = layer{x: h, w: Concatenate(ws, outAxis(wT)), b: Concatenate(bs, 0), wT: wT}.forward()
	p := m.bindForward(append(append([]*Node(nil), stepped[0]...), heads...))
	return m.headProducts(p, m.activate(h), batch, n)
}

// headProducts returns the heads' products with the features h [batch,
// n, width] (n rows of features per example), [batch, n, n], and the
// heads' biases [n]: h's rows through fusedHeads less its bias addition,
// which the caller makes (afterLosses) or leaves to the host
// (lookaheadZ), where it costs nothing.
func (m *model) headProducts(p *params, h *Node, batch, n int) (products, bias *Node) {
	l := m.headsLayer(p, Reshape(h, batch*n, -1))
	return Reshape(l.product(l.x, l.w), batch, n, -1), l.b
}

// afterLosses returns the n×n mean losses of binary tasks from the heads'
// products after the lookaheads [batch, n, n] and biases [n]
// (lookaheadLogits) and the targets y [batch, n]: row i, every task's
// mean sigmoid cross-entropy after task i's lookahead
// (meanLogisticLosses computes the same on the host).
func afterLosses(products, bias, y *Node) *Node {
	zs := addBias(products, bias)
	return ReduceMean(Sub(softplus(zs), Mul(ExpandAxes(y, 1), zs)), 0)
}

// taskGradients returns every task's gradient with respect to the trunk's
// weight and bias (as affinity.TaskGradients would, up to rounding) for a
// model that batchesLookaheads with the ReLU, from the forward pass o
// instead of n backward passes. With e[b, j] = (σ(z[b, j]) − y[b, j])/B
// the derivative of task j's mean loss by its output z (sigmoid
// cross-entropy), the ReLU's mask [pre ≥ 0] (as GoMLX differentiates
// Max(pre, 0)) and w_j task j's head weights, task j's gradient with
// respect to the trunk's pre-activations is D_j[b, k] = mask[b, k]·e[b, j]·
// w_j[k]: the weight gradient is D_jᵀ·x, the bias gradient Σ_b D_j.
func (m *model) taskGradients(o *outputGradients) [][]*Node {
	width := m.cfg.Trunk.Widths[0]
	eT, maskT := Transpose(o.e, 0, 1), Transpose(o.mask, 0, 1) // [n, B], [width, B]
	grads := make([][]*Node, len(m.tasks))
	for j := range m.tasks {
		d := Mul(Mul(maskT, o.headWeight(j, width, 1)), Slice(eT, AxisElem(j))) // [width, B]
		gw := DotGeneral(d, []int{1}, nil, o.x, []int{0}, nil)
		if !o.transposed {
			gw = Transpose(gw, 0, 1)
		}
		grads[j] = []*Node{gw, ReduceSum(d, 1)}
	}
	return grads
}

// outputGradients is the forward pass of a model that batchesLookaheads
// with the ReLU on a batch, with the factors of the tasks' gradients at
// the trunk's pre-activations, D_j[b, k] = mask[b, k]·e[b, j]·w_j[k]
// (taskGradients and kernelMeasurement build theirs from it).
type outputGradients struct {
	p *params
	// x [B, in] are the inputs, pre [B, width] the trunk's
	// pre-activations, z [B, n] the heads' outputs.
	x, pre, z *Node
	// e [B, n] is (σ(z) − y)/B, the derivative of each task's mean loss
	// by its output (sigmoid cross-entropy); mask [B, width] is [pre ≥ 0],
	// the ReLU's derivative as GoMLX differentiates Max(pre, 0).
	e, mask *Node
	// transposed is the trunk weight's layout (paramSpec.Transposed).
	transposed bool
}

// outputGradients returns the forward pass on x, y at the parameters
// shared and heads (see the type).
func (m *model) outputGradients(shared, heads []*Node, x, y *Node) *outputGradients {
	batch := x.Shape().Dimensions[0]
	o := &outputGradients{p: m.bindForward(append(append([]*Node(nil), shared...), heads...)),
		x: Reshape(StopGradient(x), batch, -1), transposed: m.specs[0].Transposed}
	o.pre = layer{x: o.x, w: shared[0], b: shared[1], wT: o.transposed}.forward()
	o.z = m.fusedHeads(o.p, m.activate(o.pre))
	o.e = DivScalar(Sub(Sigmoid(o.z), y), float64(batch))
	o.mask = ConvertDType(GreaterOrEqual(o.pre, ZerosLike(o.pre)), dtypes.Float32)
	return o
}

// headWeight returns head j's output weights reshaped to dims.
func (o *outputGradients) headWeight(j int, dims ...int) *Node {
	return Reshape(o.p.get(fmt.Sprintf("head%d/out/w", j), 0, 0), dims...)
}

// lookaheadForm chooses how a model that batchesLookaheads measures
// Eq. 1 with the plain SGD lookahead: lookaheadAuto picks the form with
// fewer multiply-adds (lookaheadByKernel); the other two force one form
// (tests compare them).
type lookaheadForm int

const (
	lookaheadAuto     lookaheadForm = iota
	lookaheadKernel                 // kernelMeasurement
	lookaheadExplicit               // taskGradients and lookaheadLogits
)

// lookaheadByKernel reports whether the affinity step on a batch of the
// given size uses kernelMeasurement, which needs batch²·(in + n·width) +
// n²·batch·width multiply-adds, instead of the explicit gradients and
// stepped weights, 2·n·batch·in·width + n²·in·width (in: the trunk's
// inputs). The kernel form wins when the batch is smaller than the input:
// on the glyph recipe (batch 64, 16 units, 9 tasks) 4× fewer at 32×32
// (1,024 inputs, `-data glyphs`) and 2.9× fewer at 16×16 (256 inputs, the
// default `tag run`).
func (m *model) lookaheadByKernel(batch int) bool {
	if !m.gradientsFromOutputs() {
		return false
	}
	if byKernel, forced := m.forcedForm(); forced {
		return byKernel
	}
	in, width, n := m.specs[0].Shape[0], m.cfg.Trunk.Widths[0], len(m.tasks)
	kernel := batch*batch*(in+n*width) + n*n*batch*width
	explicit := 2*n*batch*in*width + n*n*in*width
	return kernel < explicit
}

// kernelMeasurement returns, for a model that batchesLookaheads with the
// ReLU and the plain SGD lookahead at rate lr, from the forward pass o on
// the batch x, y: every task's mean loss (base), the n×n losses after the n lookaheads (after, row i: task
// i's lookahead) and the n×n Gram matrix of the task gradients with
// respect to the trunk's weight and bias (gram), without forming the
// gradients. With D_i [B, width] task i's gradient with respect to the
// trunk's pre-activations (taskGradients), task i's weight gradient is
// xᵀ·D_i and its bias gradient 1ᵀ·D_i, so its lookahead moves the
// pre-activations x·W + b to
//
//	x·(W − lr·xᵀ·D_i) + (b − lr·1ᵀ·D_i) = pre − lr·K·D_i,  K = x·xᵀ + 1·1ᵀ [B, B],
//
// and the gradients' dot products are g_i·g_j = Σ D_i ⊙ (K·D_j). One
// product x·xᵀ replaces the n weight gradients and the n stepped weight
// matrices' product with x (see lookaheadByKernel for the counts); the
// values are those of the explicit form up to float32 rounding.
func (m *model) kernelMeasurement(o *outputGradients, y, lr *Node) *kernelForm {
	batch, n := o.x.Shape().Dimensions[0], len(m.tasks)
	d := m.preGradients(o)
	kd := kernelProduct(o, d)
	stepped := m.activate(Sub(ExpandAxes(o.pre, 1), Mul(ConvertDType(lr, dtypes.Float32), kd)))
	products, bias := m.headProducts(o.p, stepped, batch, n)
	return &kernelForm{
		base:     baseLosses(o, y),
		after:    afterLosses(products, bias, y),
		gram:     DotGeneral(d, []int{0, 2}, nil, kd, []int{0, 2}, nil),
		products: products, bias: bias,
		d: d, pass: o,
	}
}

// baseLosses returns every task's mean loss (sigmoid cross-entropy) from
// the forward pass o on targets y, one scalar node per task.
func baseLosses(o *outputGradients, y *Node) []*Node {
	losses := ReduceMean(Sub(Softplus(o.z), Mul(y, o.z)), 0)
	base := make([]*Node, losses.Shape().Dimensions[0])
	for j := range base {
		base[j] = Reshape(Slice(losses, AxisElem(j)))
	}
	return base
}

// preGradients returns the tasks' gradients with respect to the trunk's
// pre-activations on the forward pass o, D [B, n, width] (D[b, j, k] =
// mask[b, k]·e[b, j]·w_j[k], see taskGradients).
func (m *model) preGradients(o *outputGradients) *Node {
	width, n := m.cfg.Trunk.Widths[0], len(m.tasks)
	ws := make([]*Node, n)
	for j := range ws {
		ws[j] = o.headWeight(j, 1, 1, width)
	}
	return Mul(Mul(ExpandAxes(o.mask, 1), ExpandAxes(o.e, 2)), Concatenate(ws, 1))
}

// kernelProduct returns K·D [B, n, width] for D [B, n, width]
// (preGradients) and K = x·xᵀ + 1·1ᵀ [B, B], the inputs' kernel of the
// forward pass o: how task j's gradient step moves the pre-activations,
// per unit of learning rate (kernelMeasurement).
func kernelProduct(o *outputGradients, d *Node) *Node {
	dims := d.Shape().Dimensions
	k := AddScalar(DotGeneral(o.x, []int{1}, nil, o.x, []int{1}, nil), 1) // [B, B]
	return Reshape(product(k, Reshape(d, dims[0], dims[1]*dims[2])), dims...)
}

// firstOrderMeasurement returns, for a model that gradientsFromOutputs,
// from the forward pass o on targets y, every task's mean loss (base) and
// the n×n Gram matrix of the tasks' gradients with respect to the trunk's
// weight and bias (gram), as affinity.Batched.SGDGram wants them, and
// the pre-activation gradients a training step on the same batch needs
// (kernelForm.trunkGradient). The Gram matrix takes the kernel form's
// Σ D_i ⊙ (K·D_j) (kernelMeasurement) or the explicit gradients' dot
// products, whichever needs fewer multiply-adds (gramByKernel). The
// gradients are laid out task by task, D_jᵀ [width, B] for task j, so
// that both products contract the operands' last axes without
// transposing the n·width·B values first.
func (m *model) firstOrderMeasurement(o *outputGradients, y *Node) *kernelForm {
	width, n, batch := m.cfg.Trunk.Widths[0], len(m.tasks), o.x.Shape().Dimensions[0]
	ws := make([]*Node, n)
	for j := range ws {
		ws[j] = o.headWeight(j, 1, width, 1)
	}
	maskT, eT := ExpandAxes(Transpose(o.mask, 0, 1), 0), ExpandAxes(Transpose(o.e, 0, 1), 1) // [1, width, B], [n, 1, B]
	dT := Mul(Mul(maskT, eT), Concatenate(ws, 0))                                            // [n, width, B]
	var gram *Node
	if m.gramByKernel(batch) {
		k := AddScalar(DotGeneral(o.x, []int{1}, nil, o.x, []int{1}, nil), 1) // [B, B], symmetric
		kd := DotGeneral(dT, []int{2}, nil, k, []int{0}, nil)                 // [n, width, B]
		gram = DotGeneral(Reshape(dT, n, -1), []int{1}, nil, Reshape(kd, n, -1), []int{1}, nil)
	} else {
		// [x, 1] [B, in + 1]: task j's weight and bias gradients are
		// the rows of D_jᵀ·[x, 1] [width, in + 1].
		xb := Concatenate([]*Node{o.x, Ones(o.x.Graph(), shapes.Make(o.x.DType(), batch, 1))}, 1)
		g := Reshape(DotGeneral(dT, []int{2}, nil, xb, []int{0}, nil), n, -1) // [n, width·(in + 1)]
		gram = DotGeneral(g, []int{1}, nil, g, []int{1}, nil)
	}
	return &kernelForm{base: baseLosses(o, y), gram: gram, dT: dT, pass: o}
}

// gramByKernel reports whether firstOrderMeasurement forms the Gram
// matrix on a batch of the given size in the kernel form, batch²·in +
// n·batch²·width + n²·batch·width multiply-adds, rather than from the
// explicit gradients, n·batch·(in + 1)·width + n²·(in + 1)·width: when
// the batch is smaller than the trunk's input (the n² terms). A forced
// form (model.lookahead) holds here too.
func (m *model) gramByKernel(batch int) bool {
	if byKernel, forced := m.forcedForm(); forced {
		return byKernel
	}
	in, width, n := m.specs[0].Shape[0], m.cfg.Trunk.Widths[0], len(m.tasks)
	kernel := batch*batch*(in+n*width) + n*n*batch*width
	explicit := n*batch*(in+1)*width + n*n*(in+1)*width
	return kernel < explicit
}

// kernelForm is what kernelMeasurement builds: the measurement's base
// losses, losses after the lookaheads and gradient Gram matrix, and what
// a training step on the same batch needs for its update.
type kernelForm struct {
	base        []*Node
	after, gram *Node
	// products [B, n, n] and bias [n] are after's arguments: the heads'
	// outputs after the lookaheads less their biases, and the biases
	// (lookaheadLogits).
	products, bias *Node
	// d [B, n, width] are the tasks' gradients with respect to the
	// trunk's pre-activations on the forward pass pass; dT [n, width, B]
	// the same laid out task by task (firstOrderMeasurement), where d
	// is nil.
	d, dT *Node
	pass  *outputGradients
}

// trunkGradient returns the gradient of Σ_i coef_i·L_i with respect to the
// trunk's weight (in its layout) and bias: with D = Σ_i coef_i·D_i, xᵀ·D
// and Σ_b D, one product instead of the n of the tasks' gradients.
func (k *kernelForm) trunkGradient(coef []float32) []*Node {
	var sum *Node // [B, width]
	if k.d != nil {
		n := k.d.Shape().Dimensions[1]
		sum = ReduceSum(Mul(k.d, Reshape(Const(k.d.Graph(), coef[:n]), 1, n, 1)), 1)
	} else {
		n := k.dT.Shape().Dimensions[0]
		sum = Transpose(ReduceSum(Mul(k.dT, Reshape(Const(k.dT.Graph(), coef[:n]), n, 1, 1)), 0), 0, 1)
	}
	return []*Node{weightGradient(sum, k.pass.x, k.pass.transposed), ReduceSum(sum, 0)}
}

// softplus is log(1 + eˣ) as max(x, 0) + log1p(e^−|x|), six elementwise
// operations where GoMLX's Softplus (through LogAddExp, with its
// finiteness guards) takes twelve; the same values for finite and
// infinite x. It is for the losses after the lookaheads, which are
// evaluated n² times per example and never differentiated: its derivative
// at 0 would be 1 (the derivatives of max and |x| at 0), not ½.
func softplus(x *Node) *Node {
	return Add(Max(x, ZerosLike(x)), Log1p(Exp(Neg(Abs(x)))))
}

// The losses after the lookaheads are n²·batch sigmoid cross-entropies per
// measurement (row i, column j: task j's loss on every example after task
// i's lookahead), never differentiated. On the pure-Go backend every
// elementwise exp and log1p is a float64 math call of about 10 ns, and at
// 40 tasks those losses were half of the measurement; so an engine on that
// backend evaluates them here, from the heads' outputs, with softplus64:
// a table of cubics, about 7 ns per loss including the rest of the
// expression (engine.hostLosses; lookaheadZ).

// softplusTable has softplusPerUnit intervals per unit of |x| and ends at
// softplusEnd: beyond it log1p(e^−a) < 1.3e-14 equals e^−a to float64
// precision.
const (
	softplusPerUnit = 8
	softplusEnd     = 32
)

// softplusTable holds, for a in [k/8, (k+1)/8), the coefficients of the
// cubic in u = 8a − k that interpolates log1p(e^−a) at the four Chebyshev
// points of the interval. Interpolation error on an interval is about
// h⁴/(4!·2⁷)·max|g⁗| with h = 1/8, and g = log1p(e^−a) and its
// derivatives fall off as e^−a: the relative error is below 1e-7 for every
// a (TestSoftplus64MatchesMath), float32's own rounding.
var softplusTable = func() [][4]float64 {
	t := make([][4]float64, softplusEnd*softplusPerUnit)
	for k := range t {
		var u, g [4]float64
		for i := range u {
			u[i] = 0.5 - 0.5*math.Cos((2*float64(i)+1)*math.Pi/8)
			g[i] = math.Log1p(math.Exp(-(float64(k) + u[i]) / softplusPerUnit))
		}
		t[k] = cubicThrough(u, g)
	}
	return t
}()

// cubicThrough returns the coefficients c (c[0] + c[1]·u + c[2]·u² +
// c[3]·u³) of the cubic through the four points (u[i], g[i]), by Newton's
// divided differences.
func cubicThrough(u, g [4]float64) [4]float64 {
	d := g
	for level := 1; level < 4; level++ {
		for i := 3; i >= level; i-- {
			d[i] = (d[i] - d[i-1]) / (u[i] - u[i-level])
		}
	}
	// Newton form d0 + d1(u−u0) + d2(u−u0)(u−u1) + d3(u−u0)(u−u1)(u−u2),
	// expanded by Horner from the highest term.
	var c [4]float64
	c[0] = d[3]
	for i := 2; i >= 0; i-- {
		// c ← c·(u − u[i]) + d[i]
		for k := 3; k > 0; k-- {
			c[k] = c[k-1] - u[i]*c[k]
		}
		c[0] = d[i] - u[i]*c[0]
	}
	return c
}

// softplus64 is log(1 + eˣ) = max(x, 0) + log1p(e^−|x|) with the second
// term from softplusTable (relative error below 1e-7; +∞ and NaN as
// math's, −∞ gives 0).
func softplus64(x float64) float64 {
	a, r := math.Abs(x), math.Max(x, 0)
	if !(a < softplusEnd) { // also NaN and ±∞
		return r + math.Exp(-a)
	}
	s := a * softplusPerUnit
	k := int(s)
	u := s - float64(k)
	c := &softplusTable[k]
	return r + c[0] + u*(c[1]+u*(c[2]+u*c[3]))
}

// meanLogisticLosses returns the rows×n mean sigmoid cross-entropies of
// the logits z[b,i,j] + bias[j] (z [batch, rows, n], row-major; bias [n])
// against the binary targets y [batch, n]: L[i][j] = (1/batch)·Σ_b
// softplus(x) − y[b,j]·x with x = z[b,i,j] + bias[j], summed in float64.
func meanLogisticLosses(z, bias, y []float32, batch, rows, n int) [][]float64 {
	sums := make([]float64, rows*n)
	for b := range batch {
		yb := y[b*n : (b+1)*n]
		zb := z[b*rows*n : (b+1)*rows*n]
		for i := range rows {
			zr, sr := zb[i*n:(i+1)*n], sums[i*n:(i+1)*n]
			for j, v := range zr {
				x := float64(v) + float64(bias[j])
				sr[j] += softplus64(x) - float64(yb[j])*x
			}
		}
	}
	out := make([][]float64, rows)
	for i := range out {
		out[i] = sums[i*n : (i+1)*n]
		for j := range out[i] {
			out[i][j] /= float64(batch)
		}
	}
	return out
}

// lookaheadZ returns Z of Eq. 1 (n×n) from the heads' outputs of n binary
// tasks on a batch: base [batch, n] at the shared parameters; after
// [batch, n, n] after each task's lookahead less the heads' biases bias
// [n] ([b, i, j]: task j's output on example b after task i's lookahead,
// less bias[j]); targets y [batch, n].
func lookaheadZ(base, after, bias, y []float32, batch, n int) [][]float64 {
	before := meanLogisticLosses(base, make([]float32, n), y, batch, 1, n)[0]
	z := meanLogisticLosses(after, bias, y, batch, n, n)
	for _, row := range z {
		for j := range row {
			row[j] = affinity.Z(before[j], row[j])
		}
	}
	return z
}

// forcedForm reports whether model.lookahead forces the form of the
// lookahead products, and if so whether it is the kernel form.
func (m *model) forcedForm() (byKernel, forced bool) {
	switch m.lookahead {
	case lookaheadKernel:
		return true, true
	case lookaheadExplicit:
		return false, true
	}
	return false, false
}
