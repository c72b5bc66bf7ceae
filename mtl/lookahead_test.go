package mtl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tagroup/tag/affinity"
)

// softplus64 agrees with log(1 + eˣ) computed by the math package to a
// relative 1e-7 on a fine grid over both sides of the table's end and at
// the special values.
func TestSoftplus64MatchesMath(t *testing.T) {
	want := func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }
	worst, at := 0.0, 0.0
	for i := -2_000_000; i <= 2_000_000; i++ {
		x := float64(i) * 2.5e-5 // −50 … 50
		if e := math.Abs(softplus64(x)-want(x)) / want(x); e > worst {
			worst, at = e, x
		}
	}
	if worst > 1e-7 {
		t.Errorf("relative error %g at x = %g, want at most 1e-7", worst, at)
	}
	for _, x := range []float64{0, math.Copysign(0, -1), math.Nextafter(softplusEnd, 0), softplusEnd, -softplusEnd, 700, -700, -1e300} {
		if got := softplus64(x); math.Abs(got-want(x)) > 1e-7*want(x) {
			t.Errorf("softplus64(%g) = %g, want %g", x, got, want(x))
		}
	}
	if got := softplus64(math.Inf(1)); !math.IsInf(got, 1) {
		t.Errorf("softplus64(+Inf) = %g", got)
	}
	if got := softplus64(math.Inf(-1)); got != 0 {
		t.Errorf("softplus64(-Inf) = %g", got)
	}
	if got := softplus64(math.NaN()); !math.IsNaN(got) {
		t.Errorf("softplus64(NaN) = %g", got)
	}
}

// meanLogisticLosses and lookaheadZ equal the sums written out with the
// math package's functions, on random logits and targets, to the table's
// relative 1e-7 per loss.
func TestLookaheadZMatchesDirectSums(t *testing.T) {
	const batch, n = 7, 4
	base, after, bias, y := randomLogits(batch, n)
	loss := func(x float64, y float32) float64 { return math.Log1p(math.Exp(x)) - float64(y)*x }
	z := lookaheadZ(base, after, bias, y, batch, n)
	for i := range n {
		for j := range n {
			var before, aft float64
			for b := range batch {
				before += loss(float64(base[b*n+j]), y[b*n+j]) / batch
				aft += loss(float64(after[(b*n+i)*n+j])+float64(bias[j]), y[b*n+j]) / batch
			}
			if want := 1 - aft/before; math.Abs(z[i][j]-want) > 3e-7*(1+math.Abs(want)) {
				t.Errorf("Z[%d][%d] = %.12g, want %.12g", i, j, z[i][j], want)
			}
		}
	}
}

// BenchmarkLookaheadZ times the host's share of a measurement at 40 tasks
// on a batch of 64 (102,400 losses after the lookaheads).
func BenchmarkLookaheadZ(b *testing.B) {
	const batch, n = 64, 40
	base, after, bias, y := randomLogits(batch, n)
	for b.Loop() {
		lookaheadZ(base, after, bias, y, batch, n)
	}
}

// randomLogits returns lookaheadZ's arguments for a batch of n tasks:
// logits of standard deviation 3 and binary targets.
func randomLogits(batch, n int) (base, after, bias, y []float32) {
	r := rand.New(rand.NewPCG(1, 2))
	base, after, bias, y = make([]float32, batch*n), make([]float32, batch*n*n), make([]float32, n), make([]float32, batch*n)
	for k := range base {
		base[k], y[k] = float32(3*r.NormFloat64()), float32(r.IntN(2))
	}
	for k := range after {
		after[k] = float32(3 * r.NormFloat64())
	}
	for k := range bias {
		bias[k] = float32(r.NormFloat64())
	}
	return base, after, bias, y
}

// The kernel form of the measurement (kernelMeasurement: no per-task
// gradients, the lookaheads through x·xᵀ) gives Eq. 1 and the gradient
// cosines of the independent computation too, and so does the explicit
// form it replaces on larger inputs; each with the losses after the
// lookaheads evaluated in the graph and on the host (engine.hostLosses).
func TestKernelLookaheadMatchesIndependentComputation(t *testing.T) {
	for _, form := range []lookaheadForm{lookaheadKernel, lookaheadExplicit} {
		for _, host := range []bool{false, true} {
			for _, fused := range []bool{false, true} {
				for _, lr := range []float64{0.5, 0.05} {
					t.Run(fmt.Sprintf("form=%d/host=%v/fused=%v/lr=%g", form, host, fused, lr), func(t *testing.T) {
						checkAffinity(t, binaryTasks, OptimizerSGD, affinity.SGD, lr, fused, form, host)
					})
				}
			}
		}
	}
}

// The first-order estimator with the plain SGD lookahead, which takes Z
// and the cosines from one Gram matrix of the tasks' gradients, gives
// −Δ_i·g_j/L_j of the independent computation with the Gram matrix in
// either form (kernel or explicit gradients), from the affinity
// executable and the fused training step.
func TestFirstOrderGramMatchesIndependentComputation(t *testing.T) {
	for _, form := range []lookaheadForm{lookaheadKernel, lookaheadExplicit} {
		for _, fused := range []bool{false, true} {
			t.Run(fmt.Sprintf("form=%d/fused=%v", form, fused), func(t *testing.T) {
				checkEstimator(t, binaryTasks, OptimizerSGD, affinity.SGD, 0.3, fused, form, false, affinity.FirstOrder, nil)
			})
		}
	}
}

// The engine evaluates the losses after the lookaheads on the host exactly
// when the measurement has the heads' outputs (binary tasks on a one-layer
// ReLU trunk) and the backend is the pure-Go one.
func TestHostLossesChoice(t *testing.T) {
	r, _, _ := tinyRun(t, OptimizerSGD, affinity.SGD, binaryTasks)
	if !r.eng.hostLosses {
		t.Error("binary tasks, one-layer ReLU trunk, go backend: losses not on the host")
	}
	r, _, _ = tinyRun(t, OptimizerSGD, affinity.SGD, engineTasks)
	if r.eng.hostLosses {
		t.Error("mixed task kinds: losses on the host")
	}
	r, _, _ = tinyRunWith(t, func(cfg *Config) { cfg.Trunk.Widths = []int{5, 5} }, affinity.SGD, binaryTasks...)
	if r.eng.hostLosses {
		t.Error("two-layer trunk: losses on the host")
	}
}

// The automatic choice takes the kernel form where it needs fewer
// multiply-adds: a batch smaller than the inputs (the glyph model's 64
// rows of 1,024 pixels), not the tiny test model (16 rows of 16).
func TestLookaheadByKernelChoice(t *testing.T) {
	r, _, _ := tinyRun(t, OptimizerSGD, affinity.SGD, binaryTasks)
	m := r.eng.m
	if m.lookaheadByKernel(16) {
		t.Error("tiny model, batch 16: kernel form chosen")
	}
	if !m.lookaheadByKernel(2) {
		t.Error("tiny model, batch 2: kernel form not chosen")
	}
	r, _, _ = tinyRun(t, OptimizerSGD, affinity.SGD, engineTasks)
	if r.eng.m.lookaheadByKernel(2) {
		t.Error("non-binary tasks: kernel form chosen")
	}
}

// softplus equals GoMLX's Softplus from large negative to large positive
// inputs and at ±∞.
func TestSoftplusMatchesGoMLX(t *testing.T) {
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	xs := []float32{float32(math.Inf(-1)), -1e30, -200, -30, -3, -0.5, 0, 1e-7, 0.5, 3, 30, 200, 1e30, float32(math.Inf(1))}
	outs, err := ExecOnceN(backend, func(g *Graph) []*Node {
		x := Const(g, xs)
		return []*Node{softplus(x), Softplus(x)}
	})
	if err != nil {
		t.Fatal(err)
	}
	got, want := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for k, x := range xs {
		if got[k] != want[k] && !near(float64(got[k]), float64(want[k]), 1e-6) {
			t.Errorf("softplus(%g) = %g, want %g", x, got[k], want[k])
		}
	}
}
