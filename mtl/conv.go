package mtl

// This file holds the convolution: a product of the input's patches with
// the kernel (convLayer, patches), with its own input gradient
// (convInputGradient).

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

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
