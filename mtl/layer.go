package mtl

// This file holds the layers of the model: an affine map with its own
// gradient (layer), dense layers and their primitives (product, addBias,
// the transposed weights of narrow products) and the reductions they use.

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/ml/layers/activation"
)

// layer is one affine map of the model with its own gradient:
// act(lhs(x)·w + b), for x the layer's input, lhs(x) [rows, in] the
// left operand (x itself for a dense layer, its patches for a
// convolution), w [in, out], b [out] and act ReLU or the identity.
type layer struct {
	x, w, b *Node
	// wT marks w given transposed, [out, in] (paramSpec.Transposed).
	wT   bool
	relu bool
	// lhs builds the left operand from x; nil means x itself.
	lhs func(x *Node) *Node
	// gradX returns dL/dx from vPre = dL/d(lhs(x)·w + b) [rows, out]
	// and w; nil means the gradient of the product, vPre·wᵀ.
	gradX func(vPre, w *Node) *Node
}

// build returns act(lhs(x)·w + b), computed as addBias(product(lhs(x),
// w), b) followed by the activation, with the gradient
//
//	vPre = v ⊙ [pre ≥ 0] (ReLU, as GoMLX differentiates Max(pre, 0)) or v,
//	dL/dx = gradX(vPre, w), dL/dw = (vPreᵀ·lhs(x))ᵀ, dL/db = Σ_rows vPre,
//
// (dL/dwᵀ = vPreᵀ·lhs(x) when w is held transposed, without transposing)
//
// for v = dL/d(output). These are the products GoMLX's own gradient
// computes, without what it adds around them on the pure-Go backend: a
// transpose after every product's gradient (an element-by-element copy,
// also when its permutation is the identity, as it always is for dL/dx),
// vPreᵀ made by the backend's transpose (here whichever transpose costs
// least, see weightGradient), five elementwise operations for the ReLU's
// derivative (here one selection) and, for a convolution, whatever
// gradX replaces. For the convolutions they were most of a step.
//
// GoMLX has custom gradients only for identity nodes, so build makes them
// from four: the output's identity records v when the gradient passes
// it; x, w and b pass through identities into a computation behind a
// StopGradient, and are joined to the output only by a term that is
// always zero (their first elements times 0), so that the gradient
// reaches their identities, which return the gradients above instead of
// what arrives through that term (which is then never computed). Within
// one Gradient call the output is reached before x, w and b, since they
// were built earlier; every call records its own v.
func (l layer) build() *Node {
	var v, pre *Node // v: dL/d(output), recorded by the Gradient call under way
	var vPre *Node
	var xc, wc, bc, left *Node
	xc = IdentityWithCustomGradient(l.x, func(_, _ *Node) *Node {
		if l.gradX != nil {
			return l.gradX(vPre, wc)
		}
		if l.wT {
			return DotGeneral(vPre, []int{1}, nil, wc, []int{0}, nil)
		}
		return productGradX(vPre, wc)
	})
	wc = IdentityWithCustomGradient(l.w, func(_, _ *Node) *Node { return weightGradient(vPre, left, l.wT) })
	bc = IdentityWithCustomGradient(l.b, func(_, _ *Node) *Node { return sumRows(vPre) })
	left = xc
	if l.lhs != nil {
		left = l.lhs(xc)
	}
	pre = addBias(l.product(left, wc), bc)
	out := l.activate(pre)
	carrier := MulScalar(Add(Add(firstElement(xc), firstElement(wc)), firstElement(bc)), 0)
	out = Add(StopGradient(out), carrier)
	return IdentityWithCustomGradient(out, func(_, g *Node) *Node {
		v, vPre = g, g
		if l.relu {
			vPre = Where(GreaterOrEqual(pre, ZerosLike(pre)), v, ZerosLike(v))
		}
		return g
	})
}

// forward returns act(lhs(x)·w + b) as build does, without its gradient
// (for outputs that are never differentiated).
func (l layer) forward() *Node {
	left := l.x
	if l.lhs != nil {
		left = l.lhs(l.x)
	}
	return l.activate(addBias(l.product(left, l.w), l.b))
}

// product returns left·w, for w as the layer holds it (l.wT).
func (l layer) product(left, w *Node) *Node {
	if l.wT {
		return DotGeneral(left, []int{1}, nil, w, []int{1}, nil)
	}
	return product(left, w)
}

// activate applies the layer's activation to pre.
func (l layer) activate(pre *Node) *Node {
	if l.relu {
		return activation.Apply(activation.TypeRelu, pre)
	}
	return pre
}

// productGradX is dL/dx of x·w for v = dL/d(x·w): v·wᵀ, [rows, in]. It
// multiplies v by w or by wᵀ as GoMLX's gradient of product would.
func productGradX(v, w *Node) *Node {
	in, out := w.Shape().Dimensions[0], w.Shape().Dimensions[1]
	if simdKernels && out <= narrowProduct && in >= narrowProduct {
		return DotGeneral(v, []int{1}, nil, Transpose(w, 0, 1), []int{0}, nil)
	}
	return DotGeneral(v, []int{1}, nil, w, []int{1}, nil)
}

// weightGradient returns xᵀ·v [in, out] for x [rows, in] and v [rows,
// out], or its transpose vᵀ·x [out, in] when transposed (dL/dw of x·w for
// v = dL/d(x·w), in the layout of w: paramSpec.Transposed): a sum over the
// rows, which the pure-Go backend multiplies only as a left operand whose
// contracted axis is the last, so one of the operands must be transposed
// first. Which one decides its cost, measured with `go test ./mtl -bench
// WeightGradient` on the shapes of the built-in models:
//
//   - v by a product with the identity matrix (rows·out² multiply-adds,
//     exact) when v is narrow (out ≤ transposeByProduct) and that product
//     is large enough for the backend's packed kernels (rows·out² ≥
//     packedProduct; below that its small kernels took 6× as long on
//     these shapes: 2.1 ms for rows 12,544, out 16 against 0.33 ms for
//     rows 16,384);
//   - else by the backend's Transpose (a few nanoseconds per element),
//     whichever of v and x has fewer elements, counting the transpose of
//     the result when it comes out in the other layout.
//
// The sums are the same products in every case.
func weightGradient(v, x *Node, transposed bool) *Node {
	rows, in, out := x.Shape().Dimensions[0], x.Shape().Dimensions[1], v.Shape().Dimensions[1]
	var gT *Node // vᵀ·x [out, in]
	viaV, viaX := rows*out, rows*in
	if transposed {
		viaX += in * out
	} else {
		viaV += in * out
	}
	switch {
	case out <= transposeByProduct && rows*out*out >= packedProduct:
		eye := make([][]float32, out)
		for k := range eye {
			eye[k] = make([]float32, out)
			eye[k][k] = 1
		}
		vT := DotGeneral(Const(v.Graph(), eye), []int{1}, nil, v, []int{1}, nil)
		gT = DotGeneral(vT, []int{1}, nil, x, []int{0}, nil)
	case viaV <= viaX:
		gT = DotGeneral(Transpose(v, 0, 1), []int{1}, nil, x, []int{0}, nil)
	default:
		g := DotGeneral(Transpose(x, 0, 1), []int{1}, nil, v, []int{0}, nil) // [in, out]
		if transposed {
			return Transpose(g, 0, 1)
		}
		return g
	}
	if transposed {
		return gT
	}
	return Transpose(gT, 0, 1)
}

// transposeByProduct is the widest v that weightGradient transposes by a
// product with the identity matrix, and packedProduct the least number of
// multiply-adds of that product: the pure-Go backend (github.com/gomlx/
// compute v0.1.2) multiplies with its packed kernels from 4·2²⁰
// multiply-adds on, with its small kernels below.
const (
	transposeByProduct = 64
	packedProduct      = 4 << 20
)

// sumRows returns the sum of the rows of x [rows, cols], [cols]. From
// sumByProduct elements on, it is the product of a row of ones with x,
// which the pure-Go backend computes with its matrix kernels: its
// ReduceSum took 3.5 ns per element, the product 3 to 25 times less on
// the models' bias gradients and parameters (BenchmarkSumRows). Smaller
// sums (all of the default glyph model's) keep ReduceSum.
func sumRows(x *Node) *Node {
	rows, cols := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if rows*cols < sumByProduct {
		return ReduceSum(x, 0)
	}
	ones := Ones(x.Graph(), shapes.Make(x.DType(), 1, rows))
	return Reshape(DotGeneral(ones, []int{1}, nil, x, []int{0}, nil), cols)
}

// sumAll returns the sum of all elements of x as a scalar: sumRows of x
// as a matrix of its last axis (ReduceAllSum for scalars and vectors). A
// matrix is not reshaped: the backend copies a parameter it reshapes
// (1 MB for the MLP's 512×512 weights, 0.2 ms a step).
func sumAll(x *Node) *Node {
	if x.Rank() < 2 {
		return ReduceAllSum(x)
	}
	if x.Rank() > 2 {
		x = Reshape(x, -1, x.Shape().Dimensions[x.Rank()-1])
	}
	return ReduceAllSum(sumRows(x))
}

// sumByProduct is the least number of elements that sumRows sums by a
// product.
const sumByProduct = 1 << 14

// firstElement returns the first element of x as a scalar.
func firstElement(x *Node) *Node {
	axes := make([]SliceAxisSpec, x.Rank())
	for k := range axes {
		axes[k] = AxisElem(0)
	}
	return Reshape(Slice(x, axes...))
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
// transposed, whose lanes run along the contraction. A narrow dense layer
// holds its weights transposed (paramSpec.Transposed), which saves the
// transposes too; a convolution's kernel is transposed by product.
// Measurements: docs/narrow-products.md.
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

// addBias adds the bias b [channels] along the last axis of x.
func addBias(x, b *Node) *Node {
	dims := make([]int, x.Rank())
	for k := range dims {
		dims[k] = 1
	}
	dims[len(dims)-1] = b.Shape().Dimensions[0]
	return Add(x, Reshape(b, dims...))
}
