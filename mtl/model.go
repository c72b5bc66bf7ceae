package mtl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/tagroup/tag/data"
)

// sharedOwner marks a parameter of the trunk in paramSpec.Owner.
const sharedOwner = -1

// paramSpec describes one trainable tensor of the model.
type paramSpec struct {
	Name  string
	Shape []int
	// Owner is sharedOwner for trunk parameters, balanceOwner for UW's
	// log-variances, else the task index of the head it belongs to.
	Owner int
	// FanIn and FanOut set the Glorot-uniform initialisation; weights
	// with FanIn 0 (biases) start at zero.
	FanIn, FanOut int
	// Transposed marks a matrix Shape [in, out] that the engine holds as
	// its transpose [out, in] (deviceShape), so that the products of a
	// narrow layer need no transposes (see narrowProduct). Its values
	// outside the engine (initial values, checkpoints) keep the order of
	// Shape.
	Transposed bool
}

// deviceShape is the shape of the parameter's tensor in the engine.
func (s paramSpec) deviceShape() []int {
	if s.Transposed {
		return []int{s.Shape[1], s.Shape[0]}
	}
	return s.Shape
}

// toDevice returns the values v (in the order of Shape) in the order of
// deviceShape; toHost is its inverse.
func (s paramSpec) toDevice(v []float32) []float32 { return s.transpose(v, s.Shape) }

func (s paramSpec) toHost(v []float32) []float32 { return s.transpose(v, s.deviceShape()) }

// transpose returns a copy of v, transposed from dims when s is
// Transposed.
func (s paramSpec) transpose(v []float32, dims []int) []float32 {
	out := make([]float32, len(v))
	if !s.Transposed {
		copy(out, v)
		return out
	}
	rows, cols := dims[0], dims[1]
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = v[r*cols+c]
		}
	}
	return out
}

func (s paramSpec) size() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// params hands parameter nodes to the model-building code. While recording
// (spec != nil) it creates zero constants and appends their description;
// otherwise it returns the node bound to each name.
type params struct {
	g     *Graph
	owner int
	spec  *[]paramSpec
	costs *[]layerCost
	nodes map[string]*Node
	// forwardOnly marks a model built for outputs that are never
	// differentiated (evaluation, the lookahead losses): its layers skip
	// the machinery of their own gradient (layer.build).
	forwardOnly bool
}

// layerCost is the forward cost of one matrix product of the model
// (a dense layer or a convolution), for FLOP counts.
type layerCost struct {
	owner int // sharedOwner or the head's task
	macs  int // multiply-adds per example
}

// addCost records, while recording, a product of macs multiply-adds per
// example.
func (p *params) addCost(macs int) {
	if p.costs != nil {
		*p.costs = append(*p.costs, layerCost{owner: p.owner, macs: macs})
	}
}

func (p *params) get(name string, fanIn, fanOut int, dims ...int) *Node {
	return p.getSpec(paramSpec{Name: name, Shape: dims, Owner: p.owner, FanIn: fanIn, FanOut: fanOut})
}

// getSpec is get for a parameter described by s (Name, Shape, FanIn,
// FanOut, Transposed); its node has s.deviceShape().
func (p *params) getSpec(s paramSpec) *Node {
	name := s.Name
	if p.spec != nil {
		*p.spec = append(*p.spec, s)
		return Zeros(p.g, shapes.Make(dtypes.Float32, s.deviceShape()...))
	}
	n, ok := p.nodes[name]
	if !ok {
		panic(fmt.Sprintf("mtl: parameter %q not bound", name))
	}
	return n
}

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
	// parameter) when Config.Balance is BalanceUW, else −1.
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
		return nil, fmt.Errorf("config: trunk.activation %q unknown", cfg.Trunk.Activation)
	}
	m = &model{cfg: cfg, tasks: tasks, inputShape: inputShape, act: act, logVariance: -1}
	if (cfg.Trunk.Kind == TrunkCNN || cfg.Trunk.Kind == TrunkResNet) && len(inputShape) != 3 {
		return nil, fmt.Errorf("config: a %s trunk needs image inputs [height, width, channels], got input shape %v",
			cfg.Trunk.Kind, inputShape)
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
	if cfg.Balance == BalanceUW {
		m.logVariance = len(specs)
		specs = append(specs, paramSpec{Name: logVarianceName, Shape: []int{len(tasks)}, Owner: balanceOwner})
	}
	m.specs = specs
	for _, s := range specs {
		if s.Owner == sharedOwner {
			m.nShared++
		}
	}
	if cfg.Balance == BalanceGradNorm && m.gradNormLayer() < 0 {
		return nil, fmt.Errorf("config: balance %q needs a shared layer with weights, and the trunk has none", cfg.Balance)
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

// initialValues returns the initial parameter values drawn from seed.
func (m *model) initialValues(seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 0x7461672d696e6974))
	vals := make([][]float32, len(m.specs))
	for k, s := range m.specs {
		v := make([]float32, s.size())
		if s.FanIn > 0 {
			limit := math.Sqrt(6 / float64(s.FanIn+s.FanOut))
			for i := range v {
				v[i] = float32((2*r.Float64() - 1) * limit)
			}
		}
		vals[k] = v
	}
	return vals
}

// bind returns a params that hands out the given nodes, in specs order.
func (m *model) bind(nodes []*Node) *params {
	p := &params{nodes: make(map[string]*Node, len(nodes))}
	for k, s := range m.specs {
		p.nodes[s.Name] = nodes[k]
	}
	return p
}

// bindForward is bind for outputs that are never differentiated.
func (m *model) bindForward(nodes []*Node) *params {
	p := m.bind(nodes)
	p.forwardOnly = true
	return p
}

// dense returns the dense layer name of x, followed by the model's
// activation when act.
func (m *model) dense(p *params, name string, x *Node, out int, act bool) *Node {
	in := x.Shape().Dimensions[x.Rank()-1]
	w, b := denseParams(p, name, in, out, narrow(in, out))
	return m.apply(p, layer{x: x, w: w, b: b, wT: narrow(in, out)}, act)
}

// apply builds l, followed by the model's activation when act: fused
// into l when it is the ReLU (whose gradient layer.build computes). For a
// model built forward only, l is built without its gradient.
func (m *model) apply(p *params, l layer, act bool) *Node {
	fuse := act && m.act == activation.TypeRelu
	l.relu = fuse
	var y *Node
	if p.forwardOnly {
		y = l.forward()
	} else {
		y = l.build()
	}
	if fuse {
		return y
	}
	if act {
		y = m.activate(y)
	}
	return y
}

// narrowProduct is the widest output for which product multiplies by the
// transposed weights: for small products, the pure-Go backend's SIMD
// kernels skip an x·w whose w has no more columns than a vector has lanes
// (16 float32 with AVX-512, 8 with AVX2), but not the same product with w
// transposed, whose lanes run along the contraction. Measured on the
// default glyph model: 8% less CPU per training step, 13% per affinity step.
// A narrow dense layer holds its weights transposed (paramSpec.Transposed),
// which saves the transposes too (17% less CPU per training step of the
// glyph model); a convolution's kernel is transposed by product.
const narrowProduct = 16

// product returns x·w for x [rows, in] and w [in, out]. With the SIMD
// kernels compiled in, a narrow product (out ≤ narrowProduct ≤ in) is
// computed against w transposed, so that it runs on them.
func product(x, w *Node) *Node {
	in, out := w.Shape().Dimensions[0], w.Shape().Dimensions[1]
	if narrow(in, out) {
		return DotGeneral(x, []int{x.Rank() - 1}, nil, Transpose(w, 0, 1), []int{1}, nil)
	}
	return MatMul(x, w)
}

// denseParams returns the weights and bias [out] of the dense layer name,
// and records its cost. The weights are [in, out], or their transpose
// [out, in] when transposed (paramSpec.Transposed).
func denseParams(p *params, name string, in, out int, transposed bool) (w, b *Node) {
	w = p.getSpec(paramSpec{Name: name + "/w", Shape: []int{in, out}, Owner: p.owner, FanIn: in, FanOut: out,
		Transposed: transposed})
	b = p.get(name+"/b", 0, 0, out)
	p.addCost(in * out)
	return w, b
}

// narrow reports whether a product of in inputs and out outputs is narrow
// (see narrowProduct): then its weights are held transposed.
func narrow(in, out int) bool {
	return simdKernels && out <= narrowProduct && in >= narrowProduct
}

// conv returns the convolution name of x, followed by the model's
// activation when act.
func (m *model) conv(p *params, name string, x *Node, out, stride int, act bool) *Node {
	k := m.cfg.Trunk.Kernel
	in := x.Shape().Dimensions[x.Rank()-1]
	w := p.get(name+"/w", k*k*in, k*k*out, k, k, in, out)
	b := p.get(name+"/b", 0, 0, out)
	l, outDims := convLayer(x, w, b, stride)
	p.addCost(outDims[1] * outDims[2] * k * k * in * out)
	return Reshape(m.apply(p, l, act), outDims...)
}

// convolve is a 2-D convolution of x [batch, h, w, in] with the kernel
// [k, k, in, out] at the given stride, plus the bias b [out], padded as
// GoMLX's PadSame does ((k−1)/2 zeros before, k/2 after each spatial
// axis): see convLayer.
func convolve(x, kernel, b *Node, stride int) *Node {
	l, outDims := convLayer(x, kernel, b, stride)
	return Reshape(l.build(), outDims...)
}

// convLayer returns the convolution of x [batch, h, w, in] with the
// kernel [k, k, in, out] at the given stride, plus the bias b [out], as a
// layer whose output is [batch·h'·w', out], and the output's dimensions
// [batch, h', w', out]. The layer multiplies the patches of x (patches)
// with the kernel: on the pure-Go backend this, and its gradient, are
// much faster than the generic convolution. When the stride divides h
// and w, the gradient with respect to x is a transposed convolution of
// the output's gradient (convInputGradient) instead of the gradient of
// the patches (k·k padded copies of x summed).
func convLayer(x, kernel, b *Node, stride int) (layer, []int) {
	k, in, out := kernel.Shape().Dimensions[0], kernel.Shape().Dimensions[2], kernel.Shape().Dimensions[3]
	dims := x.Shape().Dimensions
	outDims := []int{dims[0], (dims[1]-1)/stride + 1, (dims[2]-1)/stride + 1, out}
	before, after := (k-1)/2, k/2
	l := layer{w: Reshape(kernel, k*k*in, out), b: b}
	if dims[1]%stride == 0 && dims[2]%stride == 0 {
		l.x = x
		l.lhs = func(x *Node) *Node { return patches(x, k, stride, before, after) }
		l.gradX = func(vPre, w *Node) *Node { return convInputGradient(vPre, w, dims, k, stride, before) }
	} else {
		l.x = patches(x, k, stride, before, after)
	}
	return l, outDims
}

// patches returns the k·k shifted, strided views of x [batch, h, w, c],
// padded with before and after zeros on each spatial axis, side by side:
// [batch·h'·w', k·k·c], the view of kernel position (i, j) at columns
// (i·k + j)·c ... (i·k + j + 1)·c − 1.
func patches(x *Node, k, stride, before, after int) *Node {
	xp := padAxis(padAxis(x, 1, before, after), 2, before, after)
	dims := x.Shape().Dimensions
	var outSide [2]int
	for a := range 2 {
		outSide[a] = (dims[a+1]+before+after-k)/stride + 1
	}
	views := make([]*Node, 0, k*k)
	for di := range k {
		for dj := range k {
			views = append(views, Slice(xp, AxisRange(),
				AxisRange(di, di+(outSide[0]-1)*stride+1).Stride(stride),
				AxisRange(dj, dj+(outSide[1]-1)*stride+1).Stride(stride), AxisRange()))
		}
	}
	return Reshape(Concatenate(views, 3), -1, k*k*dims[3])
}

// convInputGradient returns the gradient with respect to x [batch, h, w,
// c] (dims) of its convolution at stride s (which divides h and w) with
// before zeros padded ahead of each spatial axis, for the gradient
// v [batch·h'·w', out] of the output and the kernel w [k·k·c, out]. Along
// one axis, the output's element i reads x[s·i + d − before] with kernel
// row d; so x[s·r + a] (phase a = 0 ... s−1) receives v[r + o]·w[d]ᵀ from
// every row d with a + before − d = s·o. Each of the s² phases of x is
// thus a small convolution of v (its patches at offsets o, times the rows
// d of the kernel, transposed), and the phases interleaved are the
// gradient: at stride 1, the convolution of v with the flipped kernel.
//
// The s phases of one row phase a are one product: the patches of v at
// every offset pair (row offset of a tap of a, column offset of any tap)
// side by side, times the kernel's rows stacked with zeros where a
// column phase has no tap at that offset; its s·c output columns, phase
// by phase, are already interleaved along w. Against one product per
// phase this multiplies some zeros (4/3 as many multiply-adds at k 3,
// stride 2) but gives products s times wider: on the MNIST CNN's second
// convolution (c 16) they left the backend's narrow kernels.
func convInputGradient(v, w *Node, dims []int, k, s, before int) *Node {
	batch, c, out := dims[0], dims[3], w.Shape().Dimensions[1]
	side := [2]int{dims[1] / s, dims[2] / s}
	taps := make([]map[int]int, s) // taps[a]: offset o → kernel row d reaching phase a
	lo, hi := 0, 0
	for a := range s {
		taps[a] = map[int]int{}
		for d := range k {
			if q := a + before - d; q%s == 0 {
				taps[a][q/s] = d
				lo, hi = min(lo, q/s), max(hi, q/s)
			}
		}
	}
	var offsets []int // the column offsets of any tap, in order
	for o := lo; o <= hi; o++ {
		for b := range s {
			if _, ok := taps[b][o]; ok {
				offsets = append(offsets, o)
				break
			}
		}
	}
	v4 := Reshape(v, batch, side[0], side[1], out)
	vp := padAxis(padAxis(v4, 1, -lo, hi), 2, -lo, hi)
	kernel := Reshape(w, k, k, c, out)
	zero := Zeros(v.Graph(), shapes.Make(v.DType(), out, c))
	rows := make([]*Node, s) // rows[a]: phases (a, ·) interleaved, [batch, h', w, c]
	for a := range s {
		var views, ws []*Node
		for oi := lo; oi <= hi; oi++ {
			di, ok := taps[a][oi]
			if !ok {
				continue
			}
			for _, oj := range offsets {
				views = append(views, Slice(vp, AxisRange(), AxisRange(oi-lo, oi-lo+side[0]),
					AxisRange(oj-lo, oj-lo+side[1]), AxisRange()))
				blocks := make([]*Node, s) // [out, c] per column phase
				for b := range s {
					blocks[b] = zero
					if dj, ok := taps[b][oj]; ok {
						blocks[b] = Transpose(Reshape(Slice(kernel, AxisElem(di), AxisElem(dj)), c, out), 0, 1)
					}
				}
				ws = append(ws, concatenated(blocks, 1))
			}
		}
		if len(views) == 0 {
			rows[a] = Zeros(v.Graph(), shapes.Make(v.DType(), batch, side[0], 1, dims[2], c))
			continue
		}
		lhs := Reshape(Concatenate(views, 3), -1, len(views)*out)
		rows[a] = Reshape(product(lhs, Concatenate(ws, 0)), batch, side[0], 1, dims[2], c)
	}
	return Reshape(concatenated(rows, 2), dims...)
}

// concatenated is Concatenate(xs, axis), or xs[0] when it is alone.
func concatenated(xs []*Node, axis int) *Node {
	if len(xs) == 1 {
		return xs[0]
	}
	return Concatenate(xs, axis)
}

// padAxis adds start zeros before and end zeros after x along axis (by
// concatenation, which, unlike Pad, has a gradient in GoMLX).
func padAxis(x *Node, axis, start, end int) *Node {
	parts := make([]*Node, 0, 3)
	for _, n := range []int{start, -1, end} {
		switch {
		case n < 0:
			parts = append(parts, x)
		case n > 0:
			dims := append([]int(nil), x.Shape().Dimensions...)
			dims[axis] = n
			parts = append(parts, Zeros(x.Graph(), shapes.Make(x.DType(), dims...)))
		}
	}
	return Concatenate(parts, axis)
}

// addBias adds the bias b [channels] along the last axis of x.
func addBias(x, b *Node) *Node {
	dims := make([]int, x.Rank())
	for k := range dims {
		dims[k] = 1
	}
	dims[len(dims)-1] = b.Shape().Dimensions[0]
	return Add(x, Reshape(b, dims...))
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
