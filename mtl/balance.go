package mtl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tagroup/tag/affinity"
)

// Update rules accepted by Config.UpdateRule: the loss-balancing and
// gradient-surgery baselines that Fifty et al. (2021) compare task
// groupings with, each training all tasks in one network.
const (
	// UpdateSum trains on the weighted sum Σ_t w_t L_t of the task losses
	// (w_t from Config.LossWeights, default 1).
	UpdateSum = ""
	// UpdateUW is uncertainty weighting (Kendall, Gal & Cipolla, CVPR
	// 2018). Every task has a learned log-variance s_t = log σ_t²,
	// initialised to 0 and trained by the run's optimizer with the network,
	// and the objective is Σ_t exp(−s_t)·L_t + s_t for every task kind.
	// (Kendall et al. write ½·exp(−s_t)·L_t + ½·s_t for regression; the
	// factor ½ scales that task's whole term and leaves its optimum
	// s_t = log L_t unchanged, so one form serves all kinds.)
	UpdateUW = "uw"
	// UpdateGradNorm is GradNorm (Chen, Badrinarayanan, Lee & Rabinovich,
	// ICML 2018). The network trains on Σ_t w_t L_t; after every step the
	// task weights w_t (initially 1) take one gradient-descent step, at
	// rate Config.GradNormRate, on L_grad = Σ_t |G_t − Ḡ·r_t^α|, where
	// G_t = w_t·‖∇_W L_t‖ on the weights W of the last shared layer,
	// Ḡ = mean_t G_t, r_t = (L_t/L_t(0)) / mean_u (L_u/L_u(0)) with L_t(0)
	// the losses of the first step, and the targets Ḡ·r_t^α held constant;
	// then each weight is kept at least gradNormFloor and the weights are
	// rescaled to sum to the number of tasks.
	UpdateGradNorm = "gradnorm"
	// UpdatePCGrad is projecting conflicting gradients (Yu, Kumar, Gupta,
	// Levine, Hausman & Finn, NeurIPS 2020). Each task's gradient g_t of
	// w_t·L_t on the shared parameters (taken as one vector) is projected,
	// for the other tasks u in a random order, onto the normal plane of
	// g_u whenever the projected g_t still has g_t·g_u < 0; the shared
	// parameters receive the sum of the projected gradients and every head
	// its own task's gradient. The order is drawn from Config.Seed and the
	// step number, so a resumed run draws the same orders.
	UpdatePCGrad = "pcgrad"
)

// GradNorm's defaults.
const (
	// DefaultGradNormAlpha is α when Config.GradNormAlpha is nil (the
	// value Chen et al. use on NYUv2).
	DefaultGradNormAlpha = 1.5
	// DefaultGradNormRate is the task weights' learning rate when
	// Config.GradNormRate is 0.
	DefaultGradNormRate = 0.025
	// gradNormFloor keeps every task weight positive before the
	// renormalisation (the paper does not say how weights are kept
	// positive; a negative weight would train a task to get worse).
	gradNormFloor = 1e-6
)

// validateUpdateRule checks the balance fields of the recipe.
func (c Config) validateUpdateRule() error {
	switch c.UpdateRule {
	case UpdateSum, UpdatePCGrad:
	case UpdateUW, UpdateGradNorm:
		if len(c.LossWeights) > 0 {
			return fieldError("loss_weights", "given", fmt.Sprintf("none with balance %q, which learns the task weights", c.UpdateRule))
		}
	default:
		return fieldError("balance", c.UpdateRule, fmt.Sprintf("\"\" for none, %s, %s or %s",
			UpdateUW, UpdateGradNorm, UpdatePCGrad))
	}
	if c.UpdateRule != UpdateGradNorm && (c.GradNormAlpha != nil || c.GradNormRate != 0) {
		return fieldError("balance", c.UpdateRule, fmt.Sprintf("%q with gradnorm_alpha or gradnorm_rate", UpdateGradNorm))
	}
	if a := c.GradNormAlpha; a != nil && (!(*a >= 0) || math.IsInf(*a, 0)) {
		return fieldError("gradnorm_alpha", *a, "a finite number >= 0")
	}
	if r := c.GradNormRate; !(r >= 0) || math.IsInf(r, 0) {
		return fieldError("gradnorm_rate", r, fmt.Sprintf("a finite number >= 0 (0 for the default %g)", DefaultGradNormRate))
	}
	return nil
}

// gradNormParams returns α and the weights' rate, defaults applied.
func (c Config) gradNormParams() (alpha, rate float64) {
	alpha, rate = DefaultGradNormAlpha, DefaultGradNormRate
	if c.GradNormAlpha != nil {
		alpha = *c.GradNormAlpha
	}
	if c.GradNormRate != 0 {
		rate = c.GradNormRate
	}
	return alpha, rate
}

// logVarianceName is the parameter holding UW's log-variances [n].
const logVarianceName = "balance/log_variance"

// balanceOwner marks UW's log-variances in paramSpec.Owner.
const balanceOwner = -2

// gradNormState is GradNorm's state between steps, kept in checkpoints.
type gradNormState struct {
	// Weights are the task weights w_t.
	Weights []float64
	// Initial are the losses of the first step, L_t(0); nil before it.
	Initial []float64
}

func (s *gradNormState) clone() *gradNormState {
	if s == nil {
		return nil
	}
	return &gradNormState{Weights: append([]float64(nil), s.Weights...), Initial: append([]float64(nil), s.Initial...)}
}

// gradNormStep returns the task weights after one GradNorm update from
// the weights w, the norms ‖∇_W L_t‖ of the unweighted task losses'
// gradients on the last shared layer, the losses L_t and the first step's
// losses L_t(0) (see UpdateGradNorm).
func gradNormStep(w, norms, losses, initial []float64, alpha, rate float64) []float64 {
	n := len(w)
	ratio := make([]float64, n)
	var meanG, meanRatio float64
	for t := range n {
		meanG += w[t] * norms[t] / float64(n)
		ratio[t] = 1
		if initial[t] > 0 {
			ratio[t] = losses[t] / initial[t]
		}
		meanRatio += ratio[t] / float64(n)
	}
	out := make([]float64, n)
	var sum float64
	for t := range n {
		r := 1.0
		if meanRatio > 0 {
			r = ratio[t] / meanRatio
		}
		target := meanG * math.Pow(r, alpha)
		// ∂|w_t·‖g_t‖ − target|/∂w_t with the target held constant.
		var grad float64
		switch d := w[t]*norms[t] - target; {
		case d > 0:
			grad = norms[t]
		case d < 0:
			grad = -norms[t]
		}
		out[t] = math.Max(w[t]-rate*grad, gradNormFloor)
		sum += out[t]
	}
	for t := range out {
		out[t] *= float64(n) / sum
	}
	return out
}

// gradNormLayer returns the index of the weights W of the last shared
// layer (the last trunk parameter that is not a bias), or −1 when the
// trunk has none.
func (m *model) gradNormLayer() int {
	for k := m.nShared - 1; k >= 0; k-- {
		if m.specs[k].FanIn > 0 {
			return k
		}
	}
	return -1
}

// pcgradOrder returns, for every task t, the other tasks in the random
// order in which PCGrad projects t's gradient at the given step: an int32
// tensor [n, n−1] drawn from seed and step alone.
func pcgradOrder(n int, seed uint64, step int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed^0x7063677261640000, uint64(step)))
	order := make([]int32, 0, n*(n-1))
	for t := range n {
		others := make([]int32, 0, n-1)
		for u := range n {
			if u != t {
				others = append(others, int32(u))
			}
		}
		r.Shuffle(len(others), func(a, b int) { others[a], others[b] = others[b], others[a] })
		order = append(order, others...)
	}
	return tensors.FromFlatDataAndDimensions(order, n, n-1)
}

// pcgrad returns Σ_t g_t^PC, the sum of the projected per-task gradients
// grads[t][k] (task t, shared parameter k), as one node per parameter.
// order [n, n−1] lists, for each task, the other tasks in the order of
// its projections.
//
// Every projected gradient is a combination g_t^PC = Σ_u C[t, u]·g_u of
// the original ones, and g_t^PC·g_u = (C·Gram)[t, u] with the Gram matrix
// of the gradients; so the projections update C on n×n matrices, and only
// the Gram matrix and the final sum Σ_u (Σ_t C[t, u])·g_u touch the
// gradients themselves.
func pcgrad(grads [][]*Node, order *Node) []*Node {
	n := len(grads)
	gram := affinity.GradientGram(grads)
	g := gram.Graph()
	eye := OneHot(Iota(g, shapes.Make(dtypes.Int32, n), 0), n, gram.DType())
	sqNorms := ReduceSum(Mul(gram, eye), 1)
	oneHot := OneHot(order, n, gram.DType()) // [t, p, u]: u = order[t, p]
	// Round p projects every task's gradient at once onto the normal plane
	// of the p-th other task in its order (where they conflict): the tasks'
	// sequences of projections are independent of each other.
	c := eye
	for p := range n - 1 {
		u := Reshape(Slice(oneHot, AxisRange(), AxisElem(p)), n, n)
		dot := ReduceSum(Mul(u, MatMul(c, gram)), 1)
		sq := Einsum("tu,u->t", u, sqNorms)
		zero := ZerosLike(dot)
		conflict := LogicalAnd(LessThan(dot, zero), GreaterThan(sq, zero))
		coef := Where(conflict, Div(dot, Where(conflict, sq, OnesLike(sq))), zero)
		c = Sub(c, Mul(ExpandAxes(coef, 1), u))
	}
	return sumTaskGradients(grads, len(grads[0]), scaledBy(ReduceSum(c, 0)))
}

// scaledBy returns the function that multiplies task t's gradient g by
// w[t], for a node w [n].
func scaledBy(w *Node) func(t int, g *Node) *Node {
	return func(t int, g *Node) *Node { return Mul(g, Reshape(Slice(w, AxisElem(t)))) }
}

// taskWeights returns the task weights ω [n] of the training objective
// Σ_t ω_t L_t (+ Σ_t s_t for UW) under a balance rule: exp(−s_t) for UW,
// GradNorm's weights (the executable's input gn), the configured loss
// weights otherwise.
func (e *engine) taskWeights(params []*Node, gn *Node) *Node {
	switch e.m.cfg.UpdateRule {
	case UpdateUW:
		return Exp(Neg(params[e.m.logVariance]))
	case UpdateGradNorm:
		return gn
	}
	return Const(params[0].Graph(), e.lossWeights)
}

// balancedGradients returns the gradients of a training step under
// Config.UpdateRule (not UpdateSum) and the step's extra outputs (GradNorm:
// the norms ‖∇_W L_t‖ [n]). losses are the task losses at params;
// taskGrads, when not nil, are their gradients on the shared parameters
// (affinity.Measurement.Grads), which spare a backward pass; in are the
// executable's balance inputs (engine.balanceArgs).
func (e *engine) balancedGradients(params, losses []*Node, taskGrads [][]*Node, in []*Node) (grads, extra []*Node) {
	ns := e.m.nShared
	var gnIn *Node
	if e.m.cfg.UpdateRule == UpdateGradNorm {
		gnIn = in[0]
	}
	omega := e.taskWeights(params, gnIn)
	objective := ReduceAllSum(Mul(Stack(losses, 0), omega))
	if e.m.cfg.UpdateRule == UpdateUW {
		objective = Add(objective, ReduceAllSum(params[e.m.logVariance]))
	}
	weight := scaledBy(omega)
	switch {
	case e.m.cfg.UpdateRule == UpdatePCGrad && ns > 0 && len(losses) > 1:
		if taskGrads == nil {
			taskGrads = affinity.TaskGradients(losses, params[:ns])
		}
		scaled := make([][]*Node, len(taskGrads))
		for t, gt := range taskGrads {
			scaled[t] = make([]*Node, ns)
			for k, g := range gt {
				scaled[t][k] = weight(t, g)
			}
		}
		grads = append(pcgrad(scaled, in[0]), Gradient(objective, params[ns:]...)...)
	case taskGrads != nil:
		grads = append(sumTaskGradients(taskGrads, ns, weight), Gradient(objective, params[ns:]...)...)
	default:
		grads = Gradient(objective, params...)
	}
	if e.m.cfg.UpdateRule == UpdateGradNorm {
		kw := e.m.gradNormLayer()
		norms := make([]*Node, len(losses))
		for t, l := range losses {
			var g *Node
			if taskGrads != nil {
				g = taskGrads[t][kw]
			} else {
				g = Gradient(l, params[kw])[0]
			}
			flat := Reshape(g, -1)
			norms[t] = Sqrt(Einsum("d,d->", flat, flat))
		}
		extra = []*Node{Stack(norms, 0)}
	}
	return grads, extra
}

// sumTaskGradients returns Σ_t scale(t, grads[t][k]) for each of the ns
// shared parameters k.
func sumTaskGradients(grads [][]*Node, ns int, scale func(t int, g *Node) *Node) []*Node {
	out := make([]*Node, 0, ns)
	for k := range ns {
		var sum *Node
		for t, gt := range grads {
			term := scale(t, gt[k])
			if sum == nil {
				sum = term
			} else {
				sum = Add(sum, term)
			}
		}
		out = append(out, sum)
	}
	return out
}

// balanceArgs returns the balance inputs of a training executable at the
// given step: GradNorm's weights [n] (float32), PCGrad's projection order
// [n, n−1] (int32), nothing otherwise.
func (e *engine) balanceArgs(step int) []*tensors.Tensor {
	n := len(e.m.tasks)
	switch {
	case e.m.cfg.UpdateRule == UpdateGradNorm:
		w := make([]float32, n)
		for t, v := range e.gn.Weights {
			w[t] = float32(v)
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(w, n)}
	case e.m.cfg.UpdateRule == UpdatePCGrad && n > 1:
		return []*tensors.Tensor{pcgradOrder(n, e.m.cfg.Seed, step)}
	}
	return nil
}

// balanceOutputs is the number of extra outputs of a training step.
func (e *engine) balanceOutputs() int {
	if e.m.cfg.UpdateRule == UpdateGradNorm {
		return 1
	}
	return 0
}

// nextGradNorm returns GradNorm's state after a step with the given losses
// and extra outputs (the unchanged state for other rules); false when they
// are not finite.
func (e *engine) nextGradNorm(losses []float32, extra []*tensors.Tensor) (*gradNormState, bool) {
	if e.m.cfg.UpdateRule != UpdateGradNorm {
		return e.gn, true
	}
	norms32 := tensors.MustCopyFlatData[float32](extra[0])
	if !allFinite(norms32) {
		return nil, false
	}
	norms, l := make([]float64, len(norms32)), make([]float64, len(losses))
	for t := range norms {
		norms[t], l[t] = float64(norms32[t]), float64(losses[t])
	}
	next := &gradNormState{Initial: e.gn.Initial}
	if next.Initial == nil {
		next.Initial = l
	}
	alpha, rate := e.m.cfg.gradNormParams()
	next.Weights = gradNormStep(e.gn.Weights, norms, l, next.Initial, alpha, rate)
	return next, true
}

// learnedWeights returns the task weights a balance rule has learned:
// exp(−s_t) = 1/σ_t² for UW, w_t for GradNorm; nil otherwise.
func (e *engine) learnedWeights() ([]float64, error) {
	switch e.m.cfg.UpdateRule {
	case UpdateUW:
		s, err := tensors.CopyFlatData[float32](e.params[e.m.logVariance])
		if err != nil {
			return nil, err
		}
		w := make([]float64, len(s))
		for t, v := range s {
			w[t] = math.Exp(-float64(v))
		}
		return w, nil
	case UpdateGradNorm:
		return append([]float64(nil), e.gn.Weights...), nil
	}
	return nil, nil
}
