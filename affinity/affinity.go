package affinity

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// Lookahead selects the update taken on the shared parameters before the
// losses are re-evaluated.
type Lookahead int

const (
	// SGD is the plain step θs − η∇θs L_i of Eq. 1 at the current learning
	// rate (the definition, and the default).
	SGD Lookahead = iota
	// Optimizer takes the training optimizer's own update with task i's
	// gradient alone, including its momentum or Adam state, as the
	// published code does on one of its benchmarks.
	Optimizer
)

// String returns "sgd" or "optimizer".
func (l Lookahead) String() string {
	switch l {
	case SGD:
		return "sgd"
	case Optimizer:
		return "optimizer"
	}
	return fmt.Sprintf("Lookahead(%d)", int(l))
}

// ParseLookahead is the inverse of Lookahead.String.
func ParseLookahead(s string) (Lookahead, error) {
	switch s {
	case "sgd":
		return SGD, nil
	case "optimizer":
		return Optimizer, nil
	}
	return 0, fmt.Errorf("unknown lookahead %q (want sgd or optimizer)", s)
}

// MarshalText implements encoding.TextMarshaler (used by JSON).
func (l Lookahead) MarshalText() ([]byte, error) {
	if l != SGD && l != Optimizer {
		return nil, fmt.Errorf("invalid lookahead %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (used by JSON).
func (l *Lookahead) UnmarshalText(b []byte) error {
	v, err := ParseLookahead(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Options configures the affinity measurement of a training run.
type Options struct {
	// Every is the number of training steps between two measurements
	// (the paper finds every 10 steps as good as every step).
	Every int `json:"every"`
	// Lookahead selects the lookahead update (SGD by default).
	Lookahead Lookahead `json:"lookahead"`
	// DivideByLR divides Z by the learning rate of its step, as the
	// published code does. A constant rate leaves the grouping unchanged.
	DivideByLR bool `json:"divide_by_lr"`
	// Validation measures on a validation batch instead of the training
	// batch of the step.
	Validation bool `json:"validation"`
	// Estimator selects how each measurement estimates Eq. 1 (Exact, the
	// zero value, is left out of the JSON form).
	Estimator Estimator `json:"estimator,omitempty"`
	// Sources is the number of source tasks per measurement of the
	// Sampled estimator (0: DefaultSources).
	Sources int `json:"sources,omitempty"`
}

// DefaultOptions returns Eq. 1 measured every 10 steps on the training
// batch with a plain SGD lookahead.
func DefaultOptions() Options { return Options{Every: 10, Lookahead: SGD} }

// Validate reports an invalid option, naming it.
func (o Options) Validate() error {
	if o.Every < 1 {
		return fmt.Errorf("affinity: every = %d, want at least 1", o.Every)
	}
	if o.Lookahead != SGD && o.Lookahead != Optimizer {
		return fmt.Errorf("affinity: invalid lookahead %d", int(o.Lookahead))
	}
	if o.Estimator < Exact || o.Estimator > FirstOrder {
		return fmt.Errorf("affinity: invalid estimator %d", int(o.Estimator))
	}
	if o.Sources < 0 || (o.Sources > 0 && o.Estimator != Sampled) {
		return fmt.Errorf("affinity: sources = %d, want 0, or at least 1 with the sampled estimator", o.Sources)
	}
	return nil
}

// Z is Eq. 1 for one pair: the relative decrease of a task's loss from
// before to after the lookahead step.
func Z(before, after float64) float64 { return 1 - after/before }

// Cosine returns the cosine similarity of a and b, or 0 when either is the
// zero vector.
func Cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for k := range a {
		ab += a[k] * b[k]
		aa += a[k] * a[k]
		bb += b[k] * b[k]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// LossesFn evaluates every task's loss on the fixed batch, with the task
// heads fixed, for the given values of the shared parameters. It returns
// one scalar node per task.
type LossesFn func(shared []*Node) []*Node

// StepFn returns the shared parameters after the lookahead step taken
// with the gradient grads of one task's loss (one node per shared
// parameter, in the order of shared).
type StepFn func(grads []*Node) []*Node

// SGDStep returns the plain lookahead step of Eq. 1, θs − lr·g, where lr is
// a scalar node.
func SGDStep(shared []*Node, lr *Node) StepFn {
	return func(grads []*Node) []*Node {
		out := make([]*Node, len(shared))
		for k, p := range shared {
			out[k] = Sub(p, Mul(ConvertDType(lr, p.DType()), grads[k]))
		}
		return out
	}
}

// Measurement holds the graph nodes computed by Measure.
type Measurement struct {
	// Z is the [n, n] matrix of Eq. 1: Z[i, j] = Z_{i→j}.
	Z *Node
	// Cosine is the [n, n] cosine similarity of the per-task gradients
	// with respect to all shared parameters (taken as one vector).
	Cosine *Node
	// Losses are the n task losses before the lookahead, shape [n].
	Losses *Node
	// Base are the same n losses as scalar nodes, as returned by the
	// LossesFn at the shared parameters.
	Base []*Node
	// Grads[i][k] is the gradient of task i's loss with respect to
	// shared[k]. A training step on the same batch can build its update
	// from them (the gradient of Σ w_i L_i on the shared parameters is
	// Σ w_i Grads[i]) instead of taking another backward pass.
	Grads [][]*Node
}

// LookaheadLossesFn evaluates every task's loss after every task's
// lookahead at once: stepped[i] are the shared parameters after task i's
// lookahead step (as a StepFn returns them); the result is [n, n], row i
// the n losses at stepped[i]. A model can compute the n lookaheads as one
// batched forward pass instead of n.
type LookaheadLossesFn func(stepped [][]*Node) *Node

// Measure builds Eq. 1 for all n×n task pairs in the current graph:
// the task losses at the shared parameters shared, each task's gradient
// with respect to them, the lookahead step of each task (given by step),
// and every task's loss after each lookahead. The nodes in shared are
// only read: the caller writes nothing back, so the model is unchanged.
func Measure(shared []*Node, losses LossesFn, step StepFn) Measurement {
	return MeasureWith(shared, losses, step, Batched{})
}

// Batched holds optional batched forms of the per-task computations of
// Measure, which a model may compute more cheaply than one task at a time.
// Each must return what the per-task form would, up to rounding.
type Batched struct {
	// Grads returns every task's gradient with respect to the shared
	// parameters, as TaskGradients(base, shared) does.
	Grads func() [][]*Node
	// After returns the losses after the lookaheads, as n calls of the
	// LossesFn would.
	After LookaheadLossesFn
	// Kernel, when set, replaces the per-task gradients, the lookahead
	// steps and After for the measurement itself: it returns the n task
	// losses (as the LossesFn at the shared parameters), the [n, n]
	// losses after the lookaheads and the [n, n] Gram matrix of the task
	// gradients (as GradientGram of them), which a model may compute
	// without forming the gradients. Measurement.Grads still comes from
	// Grads (or TaskGradients) for a caller that needs them.
	Kernel func() (base []*Node, after, gram *Node)
	// SGDGram, when set, tells MeasureFirstOrder that the lookahead is
	// plain SGD at rate lr, so that task i's step is Δ_i = −lr·g_i and
	// its first-order Z_{i→j} = lr·g_i·g_j/L_j: it returns the n task
	// losses (as the LossesFn at the shared parameters), the [n, n] Gram
	// matrix of the task gradients (as GradientGram of them, which a
	// model may compute without forming the gradients) and lr. One Gram
	// matrix then gives both Z and the cosines, where the general form
	// takes a second one of the steps with the gradients.
	SGDGram func() (base []*Node, gram, lr *Node)
}

// gradients returns every task's gradient with respect to shared: from
// b.Grads when set, by TaskGradients(base, shared) otherwise.
func (b Batched) gradients(base, shared []*Node) [][]*Node {
	if b.Grads != nil {
		return b.Grads()
	}
	return TaskGradients(base, shared)
}

// MeasureWith is Measure with the per-task gradients and the losses after
// the lookaheads taken from batched where it has them.
func MeasureWith(shared []*Node, losses LossesFn, step StepFn, batched Batched) Measurement {
	if batched.Kernel != nil {
		base, after, gram := batched.Kernel()
		before := Stack(base, 0)
		return Measurement{Z: eq1(after, before), Cosine: CosineFromGram(gram), Losses: before, Base: base, Grads: batched.gradients(base, shared)}
	}
	base := losses(shared)
	grads := batched.gradients(base, shared)
	stepped := make([][]*Node, len(base))
	for i := range stepped {
		stepped[i] = step(grads[i])
	}
	afterFn := batched.After
	if afterFn == nil {
		afterFn = func(stepped [][]*Node) *Node {
			rows := make([]*Node, len(stepped))
			for i, s := range stepped {
				rows[i] = Stack(losses(s), 0)
			}
			return Stack(rows, 0)
		}
	}
	before := Stack(base, 0)
	return Measurement{Z: eq1(afterFn(stepped), before), Cosine: CosineFromGram(GradientGram(grads)), Losses: before, Base: base, Grads: grads}
}

// eq1 is Eq. 1 for rows of sources: Z[i, j] = 1 − after[i, j]/before[j].
func eq1(after, before *Node) *Node { return OneMinus(Div(after, ExpandAxes(before, 0))) }

// TaskGradients returns the gradient of every task's loss with respect to
// the shared parameters: grads[i][k] = ∇ losses[i] / ∇ shared[k]. Measure
// builds its lookahead steps from them; a training rule that needs the
// per-task gradients (PCGrad, GradNorm) takes them from here or from a
// Measurement.
func TaskGradients(losses, shared []*Node) [][]*Node {
	grads := make([][]*Node, len(losses))
	for i, l := range losses {
		grads[i] = Gradient(l, shared...)
	}
	return grads
}

// CosineFromGram returns the [n, n] cosine similarity of n vectors from
// their Gram matrix gram [n, n] of dot products (such as GradientGram of
// the per-task gradients): gram[i, j]/√(gram[i, i]·gram[j, j]). A zero
// vector has similarity 0 with every vector.
func CosineFromGram(gram *Node) *Node {
	norms := Sqrt(ReduceSum(Where(Diagonal(gram.Graph(), gram.Shape().Dimensions[0]), gram, ZerosLike(gram)), 1))
	denom := Mul(ExpandAxes(norms, 1), ExpandAxes(norms, 0))
	zero := ZerosLike(denom)
	positive := GreaterThan(denom, zero)
	safe := Where(positive, denom, OnesLike(denom))
	return Where(positive, Div(gram, safe), zero)
}

// stacked returns the gradients of parameter k of every task, flattened
// and stacked: [n, size of parameter k].
func stacked(grads [][]*Node, k int) *Node {
	flat := make([]*Node, len(grads))
	for i, g := range grads {
		flat[i] = Reshape(g[k], -1)
	}
	return Stack(flat, 0)
}

// GradientGram returns the [n, n] matrix of dot products g_i·g_j of the
// per-task gradients grads[i] (each a list of nodes, one per shared
// parameter, taken as one vector), such as Measurement.Grads.
func GradientGram(grads [][]*Node) *Node {
	var gram *Node
	for k := range grads[0] {
		g := stacked(grads, k)
		if dots := Einsum("ip,jp->ij", g, g); gram == nil {
			gram = dots
		} else {
			gram = Add(gram, dots)
		}
	}
	return gram
}
