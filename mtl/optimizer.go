package mtl

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// Adam's fixed hyper-parameters (Kingma & Ba 2015, the usual defaults).
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	adamEpsilon = 1e-8
)

// optimizer builds the in-graph parameter update of Config.Optimizer. Its
// per-parameter state (slots) travels with the parameters as explicit
// inputs and outputs, so that checkpoints hold it exactly.
type optimizer struct {
	kind     string
	momentum float64
}

// slots is the number of state tensors per parameter, each of the
// parameter's shape: 0 for plain SGD, 1 (velocity) for SGD with momentum,
// 2 (first and second moments) for Adam.
func (o optimizer) slots() int {
	switch {
	case o.kind == OptimizerAdam:
		return 2
	case o.momentum > 0:
		return 1
	}
	return 0
}

// update returns the parameter p after one step with gradient grad and
// its new state. lr is the learning rate and t the 1-based step number,
// both float32 scalars.
func (o optimizer) update(p, grad *Node, state []*Node, lr, t *Node) (*Node, []*Node) {
	switch {
	case o.kind == OptimizerAdam:
		m := Add(MulScalar(state[0], adamBeta1), MulScalar(grad, 1-adamBeta1))
		v := Add(MulScalar(state[1], adamBeta2), MulScalar(Square(grad), 1-adamBeta2))
		b1 := OneMinus(Pow(ConstAs(t, adamBeta1), t))
		b2 := OneMinus(Pow(ConstAs(t, adamBeta2), t))
		mHat := Div(m, b1)
		vHat := Div(v, b2)
		step := Div(mHat, AddScalar(Sqrt(vHat), adamEpsilon))
		return Sub(p, Mul(lr, step)), []*Node{m, v}
	case o.momentum > 0:
		v := Add(MulScalar(state[0], o.momentum), grad)
		return Sub(p, Mul(lr, v)), []*Node{v}
	}
	return Sub(p, Mul(lr, grad)), nil
}
