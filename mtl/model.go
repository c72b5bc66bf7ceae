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
	switch m.lookahead {
	case lookaheadKernel:
		return true
	case lookaheadExplicit:
		return false
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
	batch, width, n := o.x.Shape().Dimensions[0], m.cfg.Trunk.Widths[0], len(m.tasks)
	losses := ReduceMean(Sub(Softplus(o.z), Mul(y, o.z)), 0)
	base := make([]*Node, n)
	for j := range base {
		base[j] = Reshape(Slice(losses, AxisElem(j)))
	}
	ws := make([]*Node, n)
	for j := range ws {
		ws[j] = o.headWeight(j, 1, 1, width)
	}
	d := Mul(Mul(ExpandAxes(o.mask, 1), ExpandAxes(o.e, 2)), Concatenate(ws, 1)) // [B, n, width]
	k := AddScalar(DotGeneral(o.x, []int{1}, nil, o.x, []int{1}, nil), 1)        // [B, B]
	kd := Reshape(product(k, Reshape(d, batch, n*width)), batch, n, width)
	stepped := m.activate(Sub(ExpandAxes(o.pre, 1), Mul(ConvertDType(lr, dtypes.Float32), kd)))
	products, bias := m.headProducts(o.p, stepped, batch, n)
	return &kernelForm{
		base:     base,
		after:    afterLosses(products, bias, y),
		gram:     DotGeneral(d, []int{0, 2}, nil, kd, []int{0, 2}, nil),
		products: products, bias: bias,
		d: d, pass: o,
	}
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
	// trunk's pre-activations on the forward pass pass.
	d    *Node
	pass *outputGradients
}

// trunkGradient returns the gradient of Σ_i coef_i·L_i with respect to the
// trunk's weight (in its layout) and bias: with D = Σ_i coef_i·D_i, xᵀ·D
// and Σ_b D, one product instead of the n of the tasks' gradients.
func (k *kernelForm) trunkGradient(coef []float32) []*Node {
	n := k.d.Shape().Dimensions[1]
	c := Const(k.d.Graph(), coef[:n])
	sum := ReduceSum(Mul(k.d, Reshape(c, 1, n, 1)), 1) // [B, width]
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
