package mtl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/planted"
)

// naivePCGrad is PCGrad written plainly: for each task t, project its
// gradient onto the normal plane of g[u] for u in order[t] whenever the
// projected gradient conflicts with g[u]; return the sum.
func naivePCGrad(g [][]float64, order [][]int) []float64 {
	sum := make([]float64, len(g[0]))
	for t := range g {
		pc := append([]float64(nil), g[t]...)
		for _, u := range order[t] {
			var dot, sq float64
			for d := range pc {
				dot += pc[d] * g[u][d]
				sq += g[u][d] * g[u][d]
			}
			if dot < 0 && sq > 0 {
				for d := range pc {
					pc[d] -= dot / sq * g[u][d]
				}
			}
		}
		for d := range pc {
			sum[d] += pc[d]
		}
	}
	return sum
}

// graphPCGrad runs pcgrad on gradients g [task][coordinate], split into
// two parameters of shapes [2] and [len−2], with the given order.
func graphPCGrad(t *testing.T, g [][]float64, order [][]int) []float64 {
	t.Helper()
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	n, d := len(g), len(g[0])
	flatOrder := make([]int32, 0, n*(n-1))
	for _, row := range order {
		for _, u := range row {
			flatOrder = append(flatOrder, int32(u))
		}
	}
	outs, err := ExecOnceN(backend, func(gr *Graph) []*Node {
		grads := make([][]*Node, n)
		for i, row := range g {
			v := make([]float32, d)
			for k, x := range row {
				v[k] = float32(x)
			}
			c := Const(gr, v)
			grads[i] = []*Node{Slice(c, AxisRange(0, 2)), Reshape(Slice(c, AxisRange(2, d)), 1, d-2)}
		}
		order := Const(gr, tensors.FromFlatDataAndDimensions(flatOrder, n, n-1))
		return pcgrad(grads, order)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, o := range outs {
		for _, v := range tensors.MustCopyFlatData[float32](o) {
			got = append(got, float64(v))
		}
	}
	return got
}

// The in-graph PCGrad equals the plain implementation, and both give the
// hand-computed answer where there is one.
func TestPCGradProjection(t *testing.T) {
	for _, c := range []struct {
		name  string
		g     [][]float64
		order [][]int
		want  []float64 // by hand; nil to compare with naivePCGrad only
	}{
		// g1·g2 = −1: g1 → g1 − (−1/2)·g2 = (0.5, 0.5, 0), g2 → g2 − (−1/1)·g1 = (0, 1, 0).
		{"conflicting pair", [][]float64{{1, 0, 0}, {-1, 1, 0}}, [][]int{{1}, {0}}, []float64{0.5, 1.5, 0}},
		{"agreeing pair", [][]float64{{1, 2, 0}, {1, 0, 3}}, [][]int{{1}, {0}}, []float64{2, 2, 3}},
		{"orthogonal pair", [][]float64{{1, 0, 0}, {0, 1, 0}}, [][]int{{1}, {0}}, []float64{1, 1, 0}},
		{"zero gradient", [][]float64{{0, 0, 0}, {-1, 2, 1}}, [][]int{{1}, {0}}, []float64{-1, 2, 1}},
		// Task 0 conflicts with both others; the order of projections
		// changes its result, so both orders are checked.
		{"triple, order 1", [][]float64{{1, 0, 0, 1}, {-1, 1, 0, 0}, {0, -1, 1, -0.5}},
			[][]int{{1, 2}, {2, 0}, {0, 1}}, nil},
		{"triple, order 2", [][]float64{{1, 0, 0, 1}, {-1, 1, 0, 0}, {0, -1, 1, -0.5}},
			[][]int{{2, 1}, {0, 2}, {1, 0}}, nil},
		{"four tasks", [][]float64{{0.3, -1, 2, 0.1, 0}, {-0.2, 0.5, -1, 3, 1}, {1, 1, 1, -1, -1}, {-2, 0.1, 0.4, 0, 0.7}},
			[][]int{{3, 1, 2}, {0, 2, 3}, {1, 3, 0}, {2, 0, 1}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := naivePCGrad(c.g, c.order)
			if c.want != nil {
				for d := range want {
					if math.Abs(want[d]-c.want[d]) > 1e-12 {
						t.Fatalf("naive PCGrad %v, by hand %v", want, c.want)
					}
				}
			}
			got := graphPCGrad(t, c.g, c.order)
			for d := range want {
				if math.Abs(got[d]-want[d]) > 1e-5 {
					t.Errorf("coordinate %d: %g, want %g (all: %v, want %v)", d, got[d], want[d], got, want)
				}
			}
		})
	}
	// The order matters for the triple (so the test can tell orders apart).
	g := [][]float64{{1, 0, 0, 1}, {-1, 1, 0, 0}, {0, -1, 1, -0.5}}
	if a, b := naivePCGrad(g, [][]int{{1, 2}, {2, 0}, {0, 1}}), naivePCGrad(g, [][]int{{2, 1}, {0, 2}, {1, 0}}); reflect.DeepEqual(a, b) {
		t.Errorf("both orders give %v", a)
	}
}

// Every row of pcgradOrder is a permutation of the other tasks, fixed by
// seed and step.
func TestPCGradOrder(t *testing.T) {
	const n = 5
	seen := map[string]bool{}
	for step := range 20 {
		a := tensors.MustCopyFlatData[int32](pcgradOrder(n, 7, step))
		b := tensors.MustCopyFlatData[int32](pcgradOrder(n, 7, step))
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("step %d: two draws differ", step)
		}
		seen[fmt.Sprint(a)] = true
		for i := range n {
			row := map[int32]bool{}
			for _, u := range a[i*(n-1) : (i+1)*(n-1)] {
				if u == int32(i) || u < 0 || u >= n || row[u] {
					t.Fatalf("step %d: row %d = %v is not a permutation of the other tasks", step, i, a[i*(n-1):(i+1)*(n-1)])
				}
				row[u] = true
			}
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d distinct orders in 20 steps", len(seen))
	}
}

// The GradNorm update on a two-task toy problem, computed by hand.
func TestGradNormStepByHand(t *testing.T) {
	// G = w·‖g‖ = (2, 1), Ḡ = 1.5; L/L(0) = (0.5, 1), mean 0.75, so
	// r = (2/3, 4/3) and with α = 1 the targets are (1, 2). G − target =
	// (1, −1): ∂L_grad/∂w = (+‖g_1‖, −‖g_2‖) = (2, −1). A step of 0.1
	// gives (0.8, 1.1), rescaled to sum 2: (1.6/1.9, 2.2/1.9).
	got := gradNormStep([]float64{1, 1}, []float64{2, 1}, []float64{0.5, 1}, []float64{1, 1}, 1, 0.1)
	want := []float64{1.6 / 1.9, 2.2 / 1.9}
	for t2 := range want {
		if math.Abs(got[t2]-want[t2]) > 1e-12 {
			t.Errorf("weights %v, want %v", got, want)
		}
	}
	// α = 0: every target is Ḡ = 1.5; G − target = (0.5, −0.5), the same
	// signs, the same step.
	if got0 := gradNormStep([]float64{1, 1}, []float64{2, 1}, []float64{0.5, 1}, []float64{1, 1}, 0, 0.1); !reflect.DeepEqual(got0, got) {
		t.Errorf("α = 0: %v, want %v", got0, got)
	}
	// A weight pushed below zero stops at the floor before rescaling.
	low := gradNormStep([]float64{0.01, 1.99}, []float64{1, 1}, []float64{1, 1}, []float64{1, 1}, 1.5, 1)
	if !(low[0] > 0) || math.Abs(low[0]+low[1]-2) > 1e-12 {
		t.Errorf("weights %v, want positive and summing to 2", low)
	}
}

// The GradNorm update against an independent float64 computation on
// random toy values: ∂L_grad/∂w by central differences of
// Σ_t |w_t·‖g_t‖ − Ḡ·r_t^α| with the targets fixed.
func TestGradNormStepMatchesFiniteDifferences(t *testing.T) {
	w := []float64{0.7, 1.4, 0.9, 1.0}
	norms := []float64{0.31, 0.05, 0.8, 0.22}
	losses := []float64{0.4, 0.9, 0.2, 1.3}
	initial := []float64{0.69, 0.7, 1.1, 1.5}
	const alpha, rate = 1.5, 0.05
	n := float64(len(w))
	var meanG, meanRatio float64
	for k := range w {
		meanG += w[k] * norms[k] / n
		meanRatio += losses[k] / initial[k] / n
	}
	targets := make([]float64, len(w))
	for k := range w {
		targets[k] = meanG * math.Pow(losses[k]/initial[k]/meanRatio, alpha)
	}
	lgrad := func(v []float64) float64 {
		var s float64
		for k := range v {
			s += math.Abs(v[k]*norms[k] - targets[k])
		}
		return s
	}
	want := make([]float64, len(w))
	var sum float64
	for k := range w {
		const h = 1e-7
		v := append([]float64(nil), w...)
		v[k] += h
		up := lgrad(v)
		v[k] -= 2 * h
		down := lgrad(v)
		want[k] = w[k] - rate*(up-down)/(2*h)
		sum += want[k]
	}
	got := gradNormStep(w, norms, losses, initial, alpha, rate)
	for k := range want {
		if want[k] *= n / sum; math.Abs(got[k]-want[k]) > 1e-7 {
			t.Errorf("weights %v, want %v", got, want)
			break
		}
	}
}

// balancedRun is tinyRunWith for a balance rule.
func balancedRun(t *testing.T, balance string) (*run, *synthetic, []int) {
	t.Helper()
	return tinyRunWith(t, func(c *Config) { c.UpdateRule = balance }, affinity.SGD)
}

// A UW step moves every parameter, the log-variances included, by −η
// times the finite-difference gradient of Σ_t exp(−s_t)·L_t + s_t.
func TestUWStepMatchesFiniteDifferences(t *testing.T) {
	for _, fused := range []bool{false, true} {
		t.Run(fmt.Sprintf("fused=%v", fused), func(t *testing.T) {
			r, ds, idx := balancedRun(t, UpdateUW)
			m := r.eng.m
			if m.specs[m.logVariance].Name != logVarianceName {
				t.Fatalf("log-variance index %d holds %s", m.logVariance, m.specs[m.logVariance].Name)
			}
			r.st.Params[m.logVariance] = []float32{0.3, -0.5, 0.1, 0.7}
			r.eng.setParameters(r.st.Params, nil)
			checkStep(t, r, ds, idx, fused, func(vals [][]float64, all []int) [][]float64 {
				return finiteDifferences(vals, all, func(vals [][]float64) float64 {
					var obj float64
					for j, l := range naiveLosses(m, vals, ds, idx) {
						s := vals[m.logVariance][j]
						obj += math.Exp(-s)*l + s
					}
					return obj
				})
			})
		})
	}
}

// GradNorm: the first step trains on Σ_t L_t and updates the weights from
// the norms of ∇_W L_t on the last shared layer (finite differences) and
// the losses; the second trains on Σ_t w_t L_t with the new weights.
func TestGradNormEngineStep(t *testing.T) {
	for _, fused := range []bool{false, true} {
		t.Run(fmt.Sprintf("fused=%v", fused), func(t *testing.T) {
			r, ds, idx := balancedRun(t, UpdateGradNorm)
			m := r.eng.m
			kw := m.gradNormLayer()
			if m.specs[kw].Name != "trunk/dense0/w" {
				t.Fatalf("GradNorm layer %s, want trunk/dense0/w", m.specs[kw].Name)
			}
			vals := to64(r.st.Params)
			losses := naiveLosses(m, vals, ds, idx)
			norms := make([]float64, len(losses))
			for j := range losses {
				coef := make([]float64, len(losses))
				coef[j] = 1
				var sq float64
				for _, v := range naiveGradients(m, vals, ds, idx, []int{kw}, coef)[kw] {
					sq += v * v
				}
				norms[j] = math.Sqrt(sq)
			}
			ones := []float64{1, 1, 1, 1}
			checkStep(t, r, ds, idx, fused, func(vals [][]float64, all []int) [][]float64 {
				return naiveGradients(m, vals, ds, idx, all, ones)
			})
			want := gradNormStep(ones, norms, losses, losses, DefaultGradNormAlpha, DefaultGradNormRate)
			for j := range want {
				if !near(r.eng.gn.Weights[j], want[j], 1e-4) || !near(r.eng.gn.Initial[j], losses[j], 1e-5) {
					t.Fatalf("weights %v, initial losses %v; want %v, %v", r.eng.gn.Weights, r.eng.gn.Initial, want, losses)
				}
			}
			if reflect.DeepEqual(r.eng.gn.Weights, ones) {
				t.Fatal("the weights did not move")
			}
			coef := append([]float64(nil), r.eng.gn.Weights...)
			for j := range coef {
				coef[j] = float64(float32(coef[j]))
			}
			checkStep(t, r, ds, idx, fused, func(vals [][]float64, all []int) [][]float64 {
				return naiveGradients(m, vals, ds, idx, all, coef)
			})
		})
	}
}

// A PCGrad step moves the shared parameters by −η times the projected sum
// of the per-task finite-difference gradients (naivePCGrad, in the step's
// order) and every head by its own task's gradient.
func TestPCGradEngineStep(t *testing.T) {
	for _, fused := range []bool{false, true} {
		t.Run(fmt.Sprintf("fused=%v", fused), func(t *testing.T) {
			// Seed 8: four of the six pairs of task gradients conflict.
			r, ds, idx := tinyRunWith(t, func(c *Config) { c.UpdateRule, c.Seed = UpdatePCGrad, 8 }, affinity.SGD)
			r.lossWeights = []float32{1, 0.5, 2, 1}
			r.eng.lossWeights = r.lossWeights
			coef := []float64{1, 0.5, 2, 1}
			m := r.eng.m
			n := len(coef)
			flatOrder := tensors.MustCopyFlatData[int32](pcgradOrder(n, r.cfg.Seed, 0))
			order := make([][]int, n)
			for i := range order {
				for _, u := range flatOrder[i*(n-1) : (i+1)*(n-1)] {
					order[i] = append(order[i], int(u))
				}
			}
			checkStep(t, r, ds, idx, fused, func(vals [][]float64, all []int) [][]float64 {
				want := naiveGradients(m, vals, ds, idx, all, coef) // heads
				perTask := make([][]float64, n)
				for i := range n {
					one := make([]float64, n)
					one[i] = coef[i]
					g := naiveGradients(m, vals, ds, idx, all[:m.nShared], one)
					for k := range m.nShared {
						perTask[i] = append(perTask[i], g[k]...)
					}
				}
				conflicts := 0
				for i := range n {
					for j := range i {
						if affinity.Cosine(perTask[i], perTask[j]) < 0 {
							conflicts++
						}
					}
				}
				if conflicts == 0 {
					t.Error("no two task gradients conflict: the projection is not exercised")
				}
				t.Logf("%d conflicting pairs of %d", conflicts, n*(n-1)/2)
				sum := naivePCGrad(perTask, order)
				for k := range m.nShared {
					want[k] = sum[:len(want[k])]
					sum = sum[len(want[k]):]
				}
				return want
			})
		})
	}
}

func TestBalanceConfigValidation(t *testing.T) {
	ds := newSynthetic(64, 16, 16)
	alpha, negative := 0.5, -1.0
	for _, c := range []struct {
		edit func(*Config)
		want string // "" for valid
	}{
		{func(c *Config) { c.UpdateRule = UpdateUW }, ""},
		{func(c *Config) { c.UpdateRule, c.GradNormAlpha, c.GradNormRate = UpdateGradNorm, &alpha, 0.1 }, ""},
		{func(c *Config) { c.UpdateRule, c.LossWeights = UpdatePCGrad, map[string]float64{"a": 2} }, ""},
		{func(c *Config) { c.UpdateRule = "mgda" }, `balance = "mgda", want`},
		{func(c *Config) { c.GradNormAlpha = &alpha }, `balance = "", want "gradnorm" with gradnorm_alpha`},
		{func(c *Config) { c.UpdateRule, c.GradNormRate = UpdateUW, 0.1 }, `balance = "uw", want "gradnorm" with gradnorm_alpha`},
		{func(c *Config) { c.UpdateRule, c.GradNormAlpha = UpdateGradNorm, &negative }, "gradnorm_alpha = -1"},
		{func(c *Config) { c.UpdateRule, c.GradNormRate = UpdateGradNorm, math.Inf(1) }, "gradnorm_rate = +Inf"},
		{func(c *Config) { c.UpdateRule, c.LossWeights = UpdateUW, map[string]float64{"a": 2} }, `loss_weights = "given", want none with balance`},
	} {
		cfg := smallConfig(ds)
		c.edit(&cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", cfg, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("balance %q: got %v, want an error containing %q", cfg.UpdateRule, err, c.want)
		}
	}
	// A GradNorm trunk without weights is refused before training.
	cfg := smallConfig(ds)
	cfg.UpdateRule, cfg.Trunk.Widths = UpdateGradNorm, nil
	if _, err := Train(context.Background(), ds, []string{"a", "r"}, cfg, Options{}); err == nil ||
		!strings.Contains(err.Error(), "want a trunk with a shared layer") {
		t.Errorf("gradnorm without a shared layer: %v", err)
	}
}

// The recipe's JSON holds the balance fields only when they are set, so
// the JSON (and the identity) of every earlier recipe is unchanged; α = 0
// survives a round trip.
func TestBalanceConfigJSON(t *testing.T) {
	cfg := smallConfig(newSynthetic(8, 8, 8))
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "balance") || strings.Contains(string(b), "gradnorm") {
		t.Errorf("default recipe JSON mentions balancing: %s", b)
	}
	zero := 0.0
	cfg.UpdateRule, cfg.GradNormAlpha = UpdateGradNorm, &zero
	if b, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) || back.GradNormAlpha == nil || *back.GradNormAlpha != 0 {
		t.Errorf("round trip of %s gave %+v", b, back)
	}
	if a, _ := back.gradNormParams(); a != 0 {
		t.Errorf("α = %g after the round trip, want 0", a)
	}
}

// plantedProblem returns a small planted data set of three families of two
// tasks with a narrow trunk, so that the tasks compete for it.
func plantedProblem(t testing.TB) (data.Dataset, []string, Config) {
	t.Helper()
	ds, err := planted.New(planted.Options{Families: 3, TasksPerFamily: 2, N: 1000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var tasks []string
	for _, task := range ds.Tasks() {
		tasks = append(tasks, task.Name)
	}
	cfg := DefaultConfig(ds)
	cfg.Trunk.Widths = []int{4}
	cfg.BatchSize, cfg.Epochs, cfg.Patience = 32, 4, 0
	return ds, tasks, cfg
}

// Every balance rule trains (the validation loss falls) with SGD with
// momentum and with Adam, and ends elsewhere than plain MTL.
func TestBalanceRulesTrainAndDiffer(t *testing.T) {
	ds, tasks, base := plantedProblem(t)
	for _, opt := range []string{OptimizerSGD, OptimizerAdam} {
		cfg := base
		cfg.Optimizer = opt
		if opt == OptimizerSGD {
			cfg.LearningRate, cfg.Momentum = 0.05, 0.9
		} else {
			cfg.LearningRate = 0.01
		}
		plain, err := Train(context.Background(), ds, tasks, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, balance := range []string{UpdateUW, UpdateGradNorm, UpdatePCGrad} {
			c := cfg
			c.UpdateRule = balance
			res, err := Train(context.Background(), ds, tasks, c, Options{})
			if err != nil {
				t.Fatalf("%s/%s: %v", opt, balance, err)
			}
			h := res.History
			t.Logf("%s/%s: validation loss %.4f → %.4f (plain %.4f), task weights %v",
				opt, balance, h[0].ValidationLoss, h[len(h)-1].ValidationLoss, plain.History[len(h)-1].ValidationLoss, res.TaskWeights)
			if !(h[len(h)-1].ValidationLoss < h[0].ValidationLoss) || !(h[len(h)-1].TrainLoss < h[0].TrainLoss) {
				t.Errorf("%s/%s: loss did not fall: %+v", opt, balance, h)
			}
			if reflect.DeepEqual(res.Test, plain.Test) {
				t.Errorf("%s/%s: test metrics equal plain MTL's", opt, balance)
			}
			if (balance == UpdatePCGrad) != (res.TaskWeights == nil) {
				t.Errorf("%s/%s: task weights %v", opt, balance, res.TaskWeights)
			}
			var sum float64
			for _, w := range res.TaskWeights {
				sum += w
			}
			if balance == UpdateGradNorm && math.Abs(sum-float64(len(tasks))) > 1e-9 {
				t.Errorf("%s/gradnorm: weights %v sum to %g", opt, res.TaskWeights, sum)
			}
		}
	}
}

// A balanced run interrupted and resumed ends exactly like an
// uninterrupted one (GradNorm's weights and first losses and UW's
// log-variances travel in the checkpoint; PCGrad's orders are redrawn from
// the step).
func TestBalanceResumeEqualsUninterrupted(t *testing.T) {
	ds := newSynthetic(256, 64, 64)
	for _, balance := range []string{UpdateUW, UpdateGradNorm, UpdatePCGrad} {
		for _, optName := range []string{OptimizerSGD, OptimizerAdam} {
			t.Run(balance+"/"+optName, func(t *testing.T) {
				cfg, opt := affinityConfig(ds)
				cfg.UpdateRule, cfg.Optimizer = balance, optName
				checkResume(t, ds, cfg, opt)
			})
		}
	}
}

// The log-variance tensor has one entry per task and starts at zero.
func TestUWParameterShape(t *testing.T) {
	r, _, _ := balancedRun(t, UpdateUW)
	m := r.eng.m
	if got := m.specs[m.logVariance]; !reflect.DeepEqual(got.Shape, []int{len(engineTasks)}) || got.Owner != balanceOwner ||
		m.logVariance != len(m.specs)-1 {
		t.Errorf("log-variance spec %+v at %d of %d", got, m.logVariance, len(m.specs))
	}
	for _, v := range r.st.Params[m.logVariance] {
		if v != 0 {
			t.Fatalf("initial log-variances %v", r.st.Params[m.logVariance])
		}
	}
}
