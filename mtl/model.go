package mtl

// This file holds the model: the trunk, the heads (fused into one product
// when they have no hidden layer) and the per-task losses.

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/tagroup/tag/data"
)

// model is the network of a run: the trunk and one head per task.
type model struct {
	cfg        Config
	tasks      []data.Task
	inputShape []int
	act        activation.Type
	specs      []paramSpec
	costs      []layerCost // in the order of the forward pass
	// nShared is the number of trunk parameters, which come first in specs.
	nShared int
	// logVariance is the index in specs of UW's log-variances (the last
	// parameter) when Config.UpdateRule is UpdateUW, else −1.
	logVariance int
	// lookahead is the form of the affinity measurement's lookaheads
	// (lookaheadByKernel); tests set it, runs leave it lookaheadAuto.
	lookahead lookaheadForm
}

// newModel records the model's parameters by building it once in a
// throwaway graph, which also checks that the shapes fit together.
func newModel(backend compute.Backend, cfg Config, tasks []data.Task, inputShape []int) (m *model, err error) {
	act, err := activation.TypeString(cfg.Trunk.Activation)
	if err != nil {
		return nil, fieldError("trunk.activation", cfg.Trunk.Activation, "an activation of GoMLX (relu, tanh, ...)")
	}
	m = &model{cfg: cfg, tasks: tasks, inputShape: inputShape, act: act, logVariance: -1}
	if err := cfg.checkInput(inputShape); err != nil {
		return nil, err
	}
	g := NewGraph(backend, "mtl-spec")
	defer g.Finalize()
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("building the model: %v", r)
		}
	}()
	var specs []paramSpec
	p := &params{g: g, owner: sharedOwner, spec: &specs, costs: &m.costs}
	x := Zeros(g, shapes.Make(dtypes.Float32, append([]int{1}, inputShape...)...))
	m.outputs(p, x)
	if cfg.UpdateRule == UpdateUW {
		m.logVariance = len(specs)
		specs = append(specs, paramSpec{Name: logVarianceName, Shape: []int{len(tasks)}, Owner: balanceOwner})
	}
	m.specs = specs
	for _, s := range specs {
		if s.Owner == sharedOwner {
			m.nShared++
		}
	}
	if cfg.UpdateRule == UpdateGradNorm && m.gradNormLayer() < 0 {
		return nil, fieldError("balance", cfg.UpdateRule, "a trunk with a shared layer with weights, and the trunk has none")
	}
	return m, nil
}

// forwardMACs returns the multiply-adds of the products and convolutions
// of a forward pass over one batch (Config.BatchSize examples).
func (m *model) forwardMACs() int {
	macs := 0
	for _, c := range m.costs {
		macs += c.macs
	}
	return macs * m.cfg.BatchSize
}
func (m *model) activate(x *Node) *Node { return activation.Apply(m.act, x) }

// trunk returns the shared features [batch, width] of the inputs x.
func (m *model) trunk(p *params, x *Node) *Node {
	h := x
	switch m.cfg.Trunk.Kind {
	case TrunkCNN:
		for k, ch := range m.cfg.Trunk.Channels {
			h = m.conv(p, fmt.Sprintf("trunk/conv%d", k), h, ch, 2, true)
		}
	case TrunkResNet:
		ch := m.cfg.Trunk.Channels[0]
		h = m.conv(p, "trunk/stem", h, ch, 2, true)
		r := m.conv(p, "trunk/res/conv0", h, ch, 1, true)
		h = m.activate(Add(h, m.conv(p, "trunk/res/conv1", r, ch, 1, false)))
		h = ReduceMean(h, 1, 2)
	}
	if h.Rank() > 2 {
		h = Reshape(h, h.Shape().Dimensions[0], -1)
	}
	for k, w := range m.cfg.Trunk.Widths {
		h = m.dense(p, fmt.Sprintf("trunk/dense%d", k), h, w, true)
	}
	return h
}

// outputWidth is the number of outputs of a task's head.
func outputWidth(t data.Task) int {
	if t.Kind == data.MultiClass {
		return t.Classes
	}
	return 1
}

// head returns task j's outputs [batch, outputWidth] from the features h.
func (m *model) head(p *params, j int, h *Node) *Node {
	p.owner = j
	defer func() { p.owner = sharedOwner }()
	name := fmt.Sprintf("head%d", j)
	if m.cfg.Head.Hidden > 0 {
		h = m.dense(p, name+"/hidden", h, m.cfg.Head.Hidden, true)
	}
	return m.dense(p, name+"/out", h, outputWidth(m.tasks[j]), false)
}

// outputs returns every task's outputs for the inputs x.
func (m *model) outputs(p *params, x *Node) []*Node {
	h := m.trunk(p, StopGradient(x)) // no gradient flows into the data
	out := make([]*Node, len(m.tasks))
	if m.cfg.Head.Hidden == 0 {
		z := m.fusedHeads(p, h)
		off := 0
		for j, t := range m.tasks {
			w := outputWidth(t)
			out[j] = Slice(z, AxisRange(), AxisRange(off, off+w))
			off += w
		}
		return out
	}
	for j := range m.tasks {
		out[j] = m.head(p, j, h)
	}
	return out
}

// fusedHeads returns the outputs of every head without a hidden layer
// side by side, [batch, Σ_j outputWidth(j)], computed as one product of
// the features h with the heads' weights concatenated (and one bias
// addition). Each head keeps its own parameters; a graph of one product
// instead of n small ones runs much faster on the pure-Go backend, whose
// cost on small models is per operation.
func (m *model) fusedHeads(p *params, h *Node) *Node {
	return m.apply(p, m.headsLayer(p, h), false)
}

// headsLayer is the layer of fusedHeads: the features h, the heads'
// weights side by side and their biases side by side.
func (m *model) headsLayer(p *params, h *Node) layer {
	in, total := h.Shape().Dimensions[h.Rank()-1], 0
	for _, t := range m.tasks {
		total += outputWidth(t)
	}
	wT := narrow(in, total) // the heads' product together is narrow
	ws, bs := make([]*Node, len(m.tasks)), make([]*Node, len(m.tasks))
	for j, t := range m.tasks {
		p.owner = j
		ws[j], bs[j] = denseParams(p, fmt.Sprintf("head%d/out", j), in, outputWidth(t), wT)
	}
	p.owner = sharedOwner
	w, b := ws[0], bs[0]
	if len(ws) > 1 {
		w, b = Concatenate(ws, outAxis(wT)), Concatenate(bs, 0)
	}
	return layer{x: h, w: w, b: b, wT: wT}
}

// outAxis is the axis of a weight matrix's outputs: 1 for [in, out], 0
// when it is held transposed.
func outAxis(transposed bool) int {
	if transposed {
		return 0
	}
	return 1
}

// allBinary reports whether every task is binary and the heads have no
// hidden layer: then lossVector computes all losses at once.
func (m *model) allBinary() bool {
	if m.cfg.Head.Hidden > 0 {
		return false
	}
	for _, t := range m.tasks {
		if t.Kind != data.Binary {
			return false
		}
	}
	return true
}

// exampleLosses returns task j's per-example loss and error [batch] for
// outputs out and the targets y [batch, tasks] (column j).
func (m *model) exampleLosses(j int, out, y *Node) (loss, wrong *Node) {
	target := Reshape(Slice(y, AxisRange(), AxisElem(j)), -1)
	switch t := m.tasks[j]; t.Kind {
	case data.Binary:
		z := Reshape(out, -1)
		loss = Sub(Softplus(z), Mul(target, z))
		predicted := ConvertDType(GreaterThan(z, ZerosLike(z)), dtypes.Float32)
		actual := ConvertDType(GreaterThan(target, AddScalar(ZerosLike(target), 0.5)), dtypes.Float32)
		wrong = ConvertDType(NotEqual(predicted, actual), dtypes.Float32)
	case data.MultiClass:
		labels := ConvertDType(target, dtypes.Int32)
		logp := LogSoftmax(out, -1)
		loss = Neg(ReduceSum(Mul(OneHot(labels, t.Classes, dtypes.Float32), logp), -1))
		wrong = ConvertDType(NotEqual(ArgMax(out, -1, dtypes.Int32), labels), dtypes.Float32)
	default:
		d := Sub(Reshape(out, -1), target)
		loss = Square(d)
		wrong = loss
	}
	return loss, wrong
}

// lossVector returns every task's mean loss over the batch, [n]. When
// all tasks are binary (allBinary), the sigmoid cross-entropy
// softplus(z) − y·z of all heads is one elementwise expression on the
// fused outputs [batch, n] and the targets, averaged over the batch axis.
func (m *model) lossVector(p *params, x, y *Node) *Node {
	if !m.allBinary() {
		return Stack(m.meanLosses(p, x, y), 0)
	}
	z := m.fusedHeads(p, m.trunk(p, StopGradient(x)))
	return ReduceMean(Sub(Softplus(z), Mul(y, z)), 0)
}

// meanLosses returns every task's mean loss over the batch, as scalars.
func (m *model) meanLosses(p *params, x, y *Node) []*Node {
	if m.allBinary() {
		v := m.lossVector(p, x, y)
		losses := make([]*Node, len(m.tasks))
		for j := range losses {
			losses[j] = Reshape(Slice(v, AxisElem(j)))
		}
		return losses
	}
	outs := m.outputs(p, x)
	losses := make([]*Node, len(outs))
	for j, out := range outs {
		l, _ := m.exampleLosses(j, out, y)
		losses[j] = ReduceAllMean(l)
	}
	return losses
}
