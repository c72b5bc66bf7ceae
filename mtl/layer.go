package mtl

import (
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
// vPreᵀ made by the backend's transpose (here a product with the identity
// matrix, see productGradWT), five elementwise operations for the ReLU's
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
	wc = IdentityWithCustomGradient(l.w, func(_, _ *Node) *Node {
		if l.wT {
			return productGradWT(vPre, left)
		}
		return productGradW(vPre, left)
	})
	bc = IdentityWithCustomGradient(l.b, func(_, _ *Node) *Node { return ReduceSum(vPre, 0) })
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

// productGradWT is the transpose of dL/dw of x·w for v = dL/d(x·w)
// [rows, out]: vᵀ·x, [out, in]. The pure-Go backend multiplies only left
// operands whose contracted axis is the last, so it would transpose v
// [rows, out] first, element by element; up to transposeByProduct
// outputs, vᵀ is instead computed as the product of the identity matrix
// with v, exactly and much faster (rows·out² multiply-adds). The result is
// the same product either way.
func productGradWT(v, x *Node) *Node {
	rows, out := v.Shape().Dimensions[0], v.Shape().Dimensions[1]
	if out <= transposeByProduct && rows > out {
		eye := make([][]float32, out)
		for k := range eye {
			eye[k] = make([]float32, out)
			eye[k][k] = 1
		}
		vT := DotGeneral(Const(v.Graph(), eye), []int{1}, nil, v, []int{1}, nil)
		return DotGeneral(vT, []int{1}, nil, x, []int{0}, nil)
	}
	return DotGeneral(v, []int{0}, nil, x, []int{0}, nil)
}

// productGradW is dL/dw of x·w for v = dL/d(x·w) [rows, out]: xᵀ·v,
// [in, out]. The backend transposes x [rows, in] for it, which costs less
// than transposing v and the result (productGradWT) unless v is narrow
// enough for its transpose by a product, or x is much wider than v.
func productGradW(v, x *Node) *Node {
	rows, in, out := v.Shape().Dimensions[0], x.Shape().Dimensions[1], v.Shape().Dimensions[1]
	if (out <= transposeByProduct && rows > out) || rows*in > rows*out+in*out {
		return Transpose(productGradWT(v, x), 0, 1)
	}
	return DotGeneral(x, []int{0}, nil, v, []int{0}, nil)
}

// transposeByProduct is the widest v that productGradW transposes by a
// product with the identity matrix: a product costs out multiply-adds
// per element, the backend's transpose several nanoseconds per element.
const transposeByProduct = 64

// firstElement returns the first element of x as a scalar.
func firstElement(x *Node) *Node {
	axes := make([]SliceAxisSpec, x.Rank())
	for k := range axes {
		axes[k] = AxisElem(0)
	}
	return Reshape(Slice(x, axes...))
}
