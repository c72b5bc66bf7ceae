package mtl

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tagroup/tag/affinity"
)

// engine owns the compiled executables of a run and the current
// parameters and optimizer state, as tensors on the backend. Executables
// are compiled at their first use: trainExec (a training step), evalExec
// (masked loss and error sums), affExec (the affinity matrix alone, for
// measurements on a validation batch) and fusedExec (a training step that
// also measures the affinity on its own batch, from the same forward and
// backward passes).
//
// Executable inputs are laid out as: the P parameters (trunk first, UW's
// log-variances last), then the optimizer state (slot s of parameter k at
// P + k*S + s), then the batch and scalars, then a training step's balance
// inputs (engine.balanceArgs).
type engine struct {
	backend     compute.Backend
	m           *model
	opt         optimizer
	lossWeights []float32 // per-task loss weights
	look        affinity.Lookahead
	// est is the affinity estimator of the measuring executables.
	est affinity.Estimator
	// hostLosses: the measurement's executables return the heads' outputs
	// before and after the lookaheads, and the losses of Eq. 1 are
	// evaluated from them on the host (lookahead.go) instead of in the
	// graph. Set on the pure-Go backend when gradientsFromOutputs (its
	// elementwise exp and log1p cost a float64 math call each); tests
	// may change it before the first measurement.
	hostLosses bool
	// gn is GradNorm's state (Config.UpdateRule "gradnorm" only).
	gn *gradNormState

	trainExec, evalExec, affExec, fusedExec *Exec

	params, state []*tensors.Tensor
}

// newEngine returns the engine of model m with the given per-task loss
// weights, whose measurements take aff's lookahead and estimator.
func newEngine(backend compute.Backend, m *model, lossWeights []float32, aff affinity.Options) (*engine, error) {
	e := &engine{backend: backend, m: m, lossWeights: lossWeights, look: aff.Lookahead, est: aff.Estimator,
		opt: optimizer{kind: m.cfg.Optimizer, momentum: m.cfg.Momentum}}
	e.hostLosses = m.gradientsFromOutputs() && backend.String() == gobackend.BackendName && e.est == affinity.Exact
	var err error
	if e.trainExec, err = NewExec(backend, e.trainGraph); err != nil {
		return nil, err
	}
	if e.evalExec, err = NewExec(backend, e.evalGraph); err != nil {
		return nil, err
	}
	if e.affExec, err = NewExec(backend, e.affinityGraph); err != nil {
		return nil, err
	}
	if e.fusedExec, err = NewExec(backend, e.trainAffinityGraph); err != nil {
		return nil, err
	}
	return e, nil
}

// close releases the executables and the tensors.
func (e *engine) close() {
	for _, ex := range []*Exec{e.trainExec, e.evalExec, e.affExec, e.fusedExec} {
		ex.Finalize()
	}
	finalizeAll(e.params)
	finalizeAll(e.state)
}

func finalizeAll(ts []*tensors.Tensor) {
	for _, t := range ts {
		if t != nil {
			t.FinalizeAll()
		}
	}
}

func (e *engine) nParams() int { return len(e.m.specs) }

// splitInputs separates the parameter, state and remaining inputs.
func (e *engine) splitInputs(in []*Node, withState bool) (params, state, rest []*Node) {
	p := e.nParams()
	params = in[:p]
	if !withState {
		return params, nil, in[p:]
	}
	s := p * e.opt.slots()
	return params, in[p : p+s], in[p+s:]
}

func (e *engine) paramState(state []*Node, k int) []*Node {
	s := e.opt.slots()
	return state[k*s : (k+1)*s]
}

// trainGraph: inputs params, state, x, y, lr, t and the balance inputs;
// outputs the new params and state, the per-task losses before the step
// [n], whether all new parameters are finite and the balance outputs.
func (e *engine) trainGraph(g *Graph, in []*Node) []*Node {
	params, state, rest := e.splitInputs(in, true)
	return e.trainOutputs(params, state, rest[0], rest[1], rest[2], rest[3], rest[4:])
}

// trainOutputs are trainGraph's outputs for its inputs, balance the
// balance inputs.
func (e *engine) trainOutputs(params, state []*Node, x, y, lr, t *Node, balance []*Node) []*Node {
	if e.m.cfg.UpdateRule != UpdateSum {
		losses := e.m.meanLosses(e.m.bind(params), x, y)
		grads, extra := e.balancedGradients(params, losses, nil, balance)
		return append(e.update(params, grads, state, lr, t, Stack(losses, 0)), extra...)
	}
	losses := e.m.lossVector(e.m.bind(params), x, y)
	grads := Gradient(e.weightedTotal(losses), params...)
	return e.update(params, grads, state, lr, t, losses)
}

// weightedTotal is the training objective Σ_j w_j L_j of the losses [n].
func (e *engine) weightedTotal(losses *Node) *Node {
	return ReduceAllSum(Mul(losses, Const(losses.Graph(), e.lossWeights)))
}

// update applies the optimizer to every parameter and returns the outputs
// of a training step: the new params, the new state, the losses [n] and
// whether all new parameters are finite.
func (e *engine) update(params, grads, state []*Node, lr, t *Node, losses *Node) []*Node {
	out := make([]*Node, 0, len(params)+len(state)+2)
	newState := make([]*Node, 0, len(state))
	sums := make([]*Node, len(params))
	for k, p := range params {
		np, ns := e.opt.update(p, grads[k], e.paramState(state, k), lr, t)
		out = append(out, np)
		newState = append(newState, ns...)
		sums[k] = sumAll(np)
	}
	out = append(out, newState...)
	// A sum is finite exactly when its terms are (a NaN or an infinity
	// makes it NaN or infinite), barring an overflow of float32, which
	// needs parameters near 1e38 and is divergence too: so one check of
	// the n sums replaces n checks of every element.
	return append(out, losses, LogicalAll(IsFinite(Stack(sums, 0))))
}

// evalGraph: inputs params, x, y, mask [batch]; outputs the masked sums
// of every task's loss and error [n].
func (e *engine) evalGraph(g *Graph, in []*Node) []*Node {
	params, _, rest := e.splitInputs(in, false)
	x, y, mask := rest[0], rest[1], rest[2]
	outs := e.m.outputs(e.m.bindForward(params), x)
	lossSums := make([]*Node, len(outs))
	errSums := make([]*Node, len(outs))
	for j, out := range outs {
		l, wrong := e.m.exampleLosses(j, out, y)
		lossSums[j] = ReduceAllSum(Mul(l, mask))
		errSums[j] = ReduceAllSum(Mul(wrong, mask))
	}
	return []*Node{Stack(lossSums, 0), Stack(errSums, 0)}
}

// setParameters replaces the parameters and optimizer state with copies of
// the given values (state may be nil for zeros).
func (e *engine) setParameters(params, state [][]float32) {
	finalizeAll(e.params)
	finalizeAll(e.state)
	e.params = make([]*tensors.Tensor, len(params))
	for k, v := range params {
		spec := e.m.specs[k]
		e.params[k] = tensors.FromFlatDataAndDimensions(spec.toDevice(v), spec.deviceShape()...)
	}
	s := e.opt.slots()
	e.state = make([]*tensors.Tensor, 0, len(params)*s)
	for k := range params {
		spec := e.m.specs[k]
		for i := range s {
			v := make([]float32, spec.size())
			if state != nil {
				v = spec.toDevice(state[k*s+i])
			}
			e.state = append(e.state, tensors.FromFlatDataAndDimensions(v, spec.deviceShape()...))
		}
	}
}

// copyParams returns the current parameters and copyState the optimizer
// state as Go slices, in the order of the specs' Shape (as setParameters
// takes them).
func (e *engine) copyParams() ([][]float32, error) { return e.copyOut(e.params, 1) }

func (e *engine) copyState() ([][]float32, error) { return e.copyOut(e.state, e.opt.slots()) }

// copyOut returns the values of ts, per spec tensors each (ts[k] belongs
// to spec k/per), in the order of the specs' Shape.
func (e *engine) copyOut(ts []*tensors.Tensor, per int) ([][]float32, error) {
	out := make([][]float32, len(ts))
	for k, t := range ts {
		v, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, err
		}
		out[k] = e.m.specs[k/per].toHost(v)
	}
	return out, nil
}

// batch is one fixed-shape batch: inputs x [B, input...] and targets
// y [B, n] (the run's tasks only).
type batch struct {
	x, y *tensors.Tensor
}

func (e *engine) args(b batch, withState bool, extra ...any) []any {
	args := make([]any, 0, len(e.params)+len(e.state)+2+len(extra))
	for _, p := range e.params {
		args = append(args, p)
	}
	if withState {
		for _, s := range e.state {
			args = append(args, s)
		}
	}
	args = append(args, b.x, b.y)
	return append(args, extra...)
}

// trainStep runs one optimizer step; it returns the per-task losses before
// the step. When they or the new parameters are not finite, the engine
// keeps its previous parameters and ok is false.
func (e *engine) trainStep(b batch, lr float32, step int) (losses []float32, ok bool, err error) {
	return e.runUpdate(e.trainExec, b, lr, step, nil, nil)
}

// runUpdate runs a training executable (trainGraph's outputs, then extra
// ones) with the inputs measureIn after t, and keeps its new parameters and
// state when the losses and the parameters are finite and check, given the
// extra outputs, accepts. It releases the tensors of measureIn.
func (e *engine) runUpdate(exec *Exec, b batch, lr float32, step int, measureIn []any,
	check func(extra []*tensors.Tensor) error) ([]float32, bool, error) {
	extraIn := append([]any{lr, float32(step + 1)}, measureIn...)
	balIn := e.balanceArgs(step)
	for _, t := range balIn {
		extraIn = append(extraIn, t)
	}
	out, err := exec.Call(e.args(b, true, extraIn...)...)
	finalizeAll(balIn)
	finalizeArgs(measureIn)
	if err != nil {
		return nil, false, fmt.Errorf("training step %d: %w", step, err)
	}
	p, s, nb := len(e.params), len(e.state), e.balanceOutputs()
	losses := tensors.MustCopyFlatData[float32](out[p+s])
	finite := tensors.ToScalar[bool](out[p+s+1])
	if !finite || !allFinite(losses) {
		finalizeAll(out)
		return losses, false, nil
	}
	gn, ok := e.nextGradNorm(losses, out[p+s+2:p+s+2+nb])
	if !ok {
		finalizeAll(out)
		return losses, false, nil
	}
	if check != nil {
		if err := check(out[p+s+2+nb:]); err != nil {
			finalizeAll(out)
			return losses, false, err
		}
	}
	e.gn = gn
	finalizeAll(e.params)
	finalizeAll(e.state)
	e.params, e.state = out[:p], out[p:p+s]
	finalizeAll(out[p+s:])
	return losses, true, nil
}

func allFinite(v []float32) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}

// evalSums returns the masked loss and error sums of b.
func (e *engine) evalSums(b batch, mask []float32) (loss, wrong []float32, err error) {
	out, err := e.evalExec.Call(e.args(b, false, mask)...)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluation: %w", err)
	}
	defer finalizeAll(out)
	return tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1]), nil
}
