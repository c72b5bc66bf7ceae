package affinity

import (
	"fmt"
	"math/rand/v2"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// Estimator selects how a measurement estimates the affinity of Eq. 1.
type Estimator int

const (
	// Exact computes Eq. 1 for all n×n pairs at every measurement: n
	// gradients, n lookaheads and every task's loss after each (the
	// definition, and the zero value).
	Exact Estimator = iota
	// Sampled computes Eq. 1 exactly for a few source tasks per
	// measurement (Options.Sources of them, taken in turn from a random
	// order of the tasks, see SourceTasks) and every target, so that a
	// measurement costs about Sources training steps whatever the number
	// of tasks. Every source row is measured equally often; each pair's
	// mean over its own measurements is an unbiased estimate of the mean
	// that Exact would record at the same steps.
	Sampled
	// FirstOrder replaces each lookahead by its first-order Taylor
	// expansion, L_j(θ + Δ_i) ≈ L_j(θ) + Δ_i·g_j with Δ_i task i's
	// lookahead step and g_j task j's gradient: Z_{i→j} ≈ −Δ_i·g_j/L_j,
	// which for the plain SGD lookahead is η·g_i·g_j/L_j, from the
	// gradients' Gram matrix. It needs every task's gradient but no
	// lookahead forward passes.
	FirstOrder
)

// String returns "exact", "sampled" or "firstorder".
func (e Estimator) String() string {
	switch e {
	case Exact:
		return "exact"
	case Sampled:
		return "sampled"
	case FirstOrder:
		return "firstorder"
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// ParseEstimator is the inverse of Estimator.String.
func ParseEstimator(s string) (Estimator, error) {
	for _, e := range []Estimator{Exact, Sampled, FirstOrder} {
		if s == e.String() {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown estimator %q (want exact, sampled or firstorder)", s)
}

// MarshalText implements encoding.TextMarshaler (used by JSON).
func (e Estimator) MarshalText() ([]byte, error) {
	if e < Exact || e > FirstOrder {
		return nil, fmt.Errorf("invalid estimator %d", int(e))
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (used by JSON).
func (e *Estimator) UnmarshalText(b []byte) error {
	v, err := ParseEstimator(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// DefaultSources is the number of source tasks per measurement of the
// Sampled estimator when Options.Sources is 0.
const DefaultSources = 8

// AutoExactMax is the largest number of tasks for which ForTasks keeps the
// exact estimator; above it, ForTasks takes the first-order form.
const AutoExactMax = 32

// AutoTasksPerStep sets ForTasks' measurement interval beyond AutoExactMax
// tasks: at most one measurement every ⌈n / AutoTasksPerStep⌉ steps.
const AutoTasksPerStep = 30

// ForTasks returns o with the estimator chosen for n tasks: Exact up to
// AutoExactMax tasks, where a measurement costs a few training steps, and
// FirstOrder beyond, where Exact's cost grows with n. Chosen by
// measurement (`tag bench scale -agreement`): on 100 planted tasks the
// first-order form ranked the pairs as exact Eq. 1 under the same seed did
// (Spearman 1.000 to three places) and as consistently with another seed's
// exact run as exact runs of two seeds agree (0.339 both), at half the
// cost, while Sampled with 8 sources agreed less (0.592 with its own
// seed's exact run, 0.295 across seeds) and at 300 tasks no longer found
// the planted families (adjusted Rand index 0.05).
//
// Beyond AutoExactMax tasks it also measures at most every ⌈n /
// AutoTasksPerStep⌉ steps: one measurement gives all n² pairs at once, so
// the number of measurements a stable estimate needs does not grow with n,
// while a first-order measurement's cost (the Gram matrix of the n tasks'
// gradients over the trunk) grows with n² and a training step's with n;
// an interval growing with n keeps the measurement's share of the run
// bounded.
func (o Options) ForTasks(n int) Options {
	if n > AutoExactMax {
		o.Estimator, o.Sources = FirstOrder, 0
		o.Every = max(o.Every, (n+AutoTasksPerStep-1)/AutoTasksPerStep)
	} else {
		o.Estimator, o.Sources = Exact, 0
	}
	return o
}

// SourcesFor returns the number of source tasks a measurement of n tasks
// takes: n, except for the Sampled estimator, which takes Options.Sources
// (DefaultSources when 0), at most n.
func (o Options) SourcesFor(n int) int {
	if o.Estimator != Sampled {
		return n
	}
	s := o.Sources
	if s == 0 {
		s = DefaultSources
	}
	return min(s, n)
}

// SourceTasks returns the source tasks of measurement t (0-based) of the
// Sampled estimator with s sources out of n tasks: positions t·s to
// t·s + s − 1 of a stream of random orders of the n tasks, order c drawn
// from seed and c. Every task appears once in each order, so the number of
// measurements of two source rows differs by at most one; and since each
// stream position falls in one measurement, every measurement takes each
// task with probability s/n. A task may appear twice in one measurement
// (at the end of one order and the start of the next); it is then
// recorded twice.
func SourceTasks(seed uint64, n, s, t int) []int {
	var cached []int
	cachedC := -1
	return sourcesFrom(func(c int) []int {
		if c != cachedC {
			cached, cachedC = rand.New(rand.NewPCG(seed, 0x736f75726365^uint64(c))).Perm(n), c
		}
		return cached
	}, n, s, t)
}

// sourcesFrom is SourceTasks with the orders given by order(c).
func sourcesFrom(order func(c int) []int, n, s, t int) []int {
	out := make([]int, s)
	for k := range out {
		p := t*s + k
		out[k] = order(p / n)[p%n]
	}
	return out
}

// MeasureSources is Measure for the source tasks that the rows of sel
// [s, n] pick (row k one-hot at source k's task): Z is [s, n] (row k,
// Z_{source k→j} for every task j), Cosine [s, s] the gradient cosines of
// the sources, Losses [n] and Base every task's loss, Grads the sources'
// gradients. after, when set, computes the losses after the s lookaheads
// at once, as LookaheadLossesFn does for n. Its cost grows with s
// backward passes and s lookahead forwards, not with n.
func MeasureSources(shared []*Node, losses LossesFn, step StepFn, after LookaheadLossesFn, sel *Node) Measurement {
	base := losses(shared)
	before := Stack(base, 0)
	s := sel.Shape().Dimensions[0]
	grads := make([][]*Node, s)
	stepped := make([][]*Node, s)
	for k := range s {
		picked := ReduceAllSum(Mul(Reshape(Slice(sel, AxisElem(k)), -1), before))
		grads[k] = Gradient(picked, shared...)
		stepped[k] = step(grads[k])
	}
	if after == nil {
		after = func(stepped [][]*Node) *Node {
			rows := make([]*Node, len(stepped))
			for i, st := range stepped {
				rows[i] = Stack(losses(st), 0)
			}
			return Stack(rows, 0)
		}
	}
	return Measurement{Z: eq1(after(stepped), before), Cosine: CosineFromGram(GradientGram(grads)),
		Losses: before, Base: base, Grads: grads}
}

// MeasureFirstOrder is Measure with the FirstOrder estimator: Z_{i→j} =
// −Δ_i·g_j/L_j, Δ_i = step(g_i) − shared the lookahead step of task i
// and g_j task j's gradient, all shared parameters taken as one vector.
// batched.Grads, when set, gives the gradients; After and Kernel are not
// used, since no loss is evaluated after a lookahead.
//
// With batched.SGDGram it takes Z and the cosines from that Gram matrix;
// Measurement.Grads then still comes from batched.Grads (or
// TaskGradients) for a caller that needs them.
func MeasureFirstOrder(shared []*Node, losses LossesFn, step StepFn, batched Batched) Measurement {
	if batched.SGDGram != nil {
		base, gram, lr := batched.SGDGram()
		before := Stack(base, 0)
		moved := Mul(ConvertDType(lr, gram.DType()), gram) // lr·g_i·g_j = −Δ_i·g_j
		return Measurement{Z: Div(moved, ExpandAxes(before, 0)), Cosine: CosineFromGram(gram),
			Losses: before, Base: base, Grads: batched.gradients(base, shared)}
	}
	base := losses(shared)
	grads := batched.gradients(base, shared)
	deltas := make([][]*Node, len(grads))
	for i, g := range grads {
		st := step(g)
		deltas[i] = make([]*Node, len(shared))
		for k, p := range shared {
			deltas[i][k] = Sub(st[k], p)
		}
	}
	var moved *Node // moved[i, j] = Δ_i·g_j
	for k := range shared {
		if dots := Einsum("ip,jp->ij", stacked(deltas, k), stacked(grads, k)); moved == nil {
			moved = dots
		} else {
			moved = Add(moved, dots)
		}
	}
	before := Stack(base, 0)
	return Measurement{Z: Neg(Div(moved, ExpandAxes(before, 0))), Cosine: CosineFromGram(GradientGram(grads)),
		Losses: before, Base: base, Grads: grads}
}
