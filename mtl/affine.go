package mtl

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// affine returns x·w + b for x [rows, in], w [in, out] and b [out], with
// the same forward computation as addBias(product(x, w), b) but its own
// gradient: dL/dx = v·wᵀ and dL/dw = (vᵀ·x)ᵀ for v = dL/d(x·w+b), the
// products GoMLX's DotGeneral gradient computes, without the transposes
// it appends to them. On the pure-Go backend each such transpose is an
// element-by-element copy, also when its permutation is the identity (as
// it always is for dL/dx): for the convolutions, whose x are the k·k
// patches, they took a third of a training step.
//
// GoMLX has custom gradients only for identity nodes, so affine builds
// one from three: the output's identity records v when the gradient
// passes it; the identities on x and w, which the product reads behind
// a StopGradient, are joined to the output only by a term that is always
// zero (their first elements times 0, added to the bias), so that the
// gradient reaches them, and return the products from v instead of what
// arrives through that term (which is then never computed). Within one
// Gradient call the output is reached before x and w, since they were
// built earlier; every call records its own v.
func affine(x, w, b *Node) *Node {
	var v *Node // dL/d(output) of the Gradient call under way
	var xc, wc *Node
	xc = IdentityWithCustomGradient(x, func(_, _ *Node) *Node { return productGradX(v, wc) })
	wc = IdentityWithCustomGradient(w, func(_, _ *Node) *Node { return productGradW(v, xc) })
	y := StopGradient(product(xc, wc))
	carrier := MulScalar(Add(firstElement(xc), firstElement(wc)), 0)
	out := addBias(y, Add(b, carrier))
	return IdentityWithCustomGradient(out, func(_, g *Node) *Node {
		v = g
		return g
	})
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

// productGradW is dL/dw of x·w for v = dL/d(x·w) [rows, out]: (vᵀ·x)ᵀ,
// [in, out]. The pure-Go backend multiplies only left operands whose
// contracted axis is the last, so it would transpose v [rows, out] first,
// element by element; up to transposeByProduct outputs, vᵀ is instead
// computed as the product of the identity matrix with v, exactly and much
// faster (rows·out² multiply-adds). The result is the same product
// either way.
func productGradW(v, x *Node) *Node {
	rows, out := v.Shape().Dimensions[0], v.Shape().Dimensions[1]
	var dwT *Node // [out, in]
	if out <= transposeByProduct && rows > out {
		eye := make([][]float32, out)
		for k := range eye {
			eye[k] = make([]float32, out)
			eye[k][k] = 1
		}
		vT := DotGeneral(Const(v.Graph(), eye), []int{1}, nil, v, []int{1}, nil)
		dwT = DotGeneral(vT, []int{1}, nil, x, []int{0}, nil)
	} else {
		dwT = DotGeneral(v, []int{0}, nil, x, []int{0}, nil)
	}
	return Transpose(dwT, 0, 1)
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
