package affinity

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// permutations returns every order of 0..n−1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for k := 0; k <= len(p); k++ {
			q := slices.Insert(slices.Clone(p), k, n-1)
			out = append(out, q)
		}
	}
	return out
}

// The sampled estimator is unbiased: over every possible draw of the
// random orders (all of them, enumerated), the expectation of each pair's
// sampled mean equals the exact mean of a fixed sequence of matrices, for
// runs that cover whole orders; and every source row has the same count.
func TestSampledUnbiasedOverAllOrders(t *testing.T) {
	for _, c := range []struct{ n, s, steps int }{{5, 2, 5}, {4, 3, 4}, {3, 3, 2}} {
		orders := c.steps * c.s / c.n // orders the run covers
		r := rand.New(rand.NewPCG(7, uint64(c.n)))
		zs := make([][][]float64, c.steps) // the exact matrix of each step
		exact := square(c.n)
		for k := range zs {
			zs[k] = square(c.n)
			for i := range c.n {
				for j := range c.n {
					zs[k][i][j] = r.NormFloat64()
					exact[i][j] += zs[k][i][j] / float64(c.steps)
				}
			}
		}
		perms := permutations(c.n)
		expect := square(c.n)
		draws := 0
		pick := make([]int, orders) // the permutation of each order
		for {
			a := NewAccumulator(make([]string, c.n))
			for i := range a.Tasks {
				a.Tasks[i] = string(rune('a' + i))
			}
			for step := range c.steps {
				src := sourcesFrom(func(o int) []int { return perms[pick[o]] }, c.n, c.s, step)
				z := make([][]float64, c.s)
				cos := make([][]float64, c.s)
				for k, i := range src {
					z[k] = zs[step][i]
					cos[k] = make([]float64, c.s)
				}
				if err := a.AddSources(0, src, z, cos); err != nil {
					t.Fatal(err)
				}
			}
			for i, cnt := range a.SourceCount {
				if cnt != orders {
					t.Fatalf("n %d s %d: source %d measured %d times, want %d", c.n, c.s, i, cnt, orders)
				}
			}
			m := a.Affinity()
			for i := range c.n {
				for j := range c.n {
					expect[i][j] += m.Values[i][j]
				}
			}
			draws++
			k := 0 // next combination of orders
			for k < orders && pick[k] == len(perms)-1 {
				pick[k] = 0
				k++
			}
			if k == orders {
				break
			}
			pick[k]++
		}
		for i := range c.n {
			for j := range c.n {
				if got := expect[i][j] / float64(draws); math.Abs(got-exact[i][j]) > 1e-12 {
					t.Errorf("n %d s %d: E[sampled %d→%d] = %.15g, exact mean %.15g", c.n, c.s, i, j, got, exact[i][j])
				}
			}
		}
	}
}

// SourceTasks takes every task once per order, in s-sized slices of the
// stream, the same for the same seed.
func TestSourceTasksCoverEveryTask(t *testing.T) {
	const n, s, seed = 7, 3, 11
	seen := make([]int, n)
	for step := range 14 { // 42 positions: 6 whole orders
		src := SourceTasks(seed, n, s, step)
		if !slices.Equal(src, SourceTasks(seed, n, s, step)) {
			t.Fatalf("step %d: sources differ between calls", step)
		}
		for _, i := range src {
			seen[i]++
		}
		for i := range n { // within one of each other at every step
			if d := seen[i] - seen[0]; d < -1 || d > 1 {
				t.Fatalf("after step %d counts %v", step, seen)
			}
		}
	}
	for i, c := range seen {
		if c != 6 {
			t.Errorf("task %d a source %d times in 6 orders", i, c)
		}
	}
	if slices.Equal(SourceTasks(seed, n, s, 0), SourceTasks(seed+1, n, s, 0)) &&
		slices.Equal(SourceTasks(seed, n, s, 1), SourceTasks(seed+1, n, s, 1)) {
		t.Error("seeds 11 and 12 give the same sources")
	}
}

// tinyMeasure runs a measurement of the tiny model at rate lr and returns
// Z [n×n or s×n] and the cosine, flattened.
func tinyMeasure(t *testing.T, lr float64, measure func(shared []*Node, losses LossesFn, step StepFn) Measurement) (z, cos []float64) {
	t.Helper()
	outs, err := ExecOnceN(gobackend.GetBackend(), func(g *Graph) []*Node {
		x := Reshape(Const(g, tinyX), tinyB, tinyD)
		w := Reshape(Const(g, tinyW), tinyD, tinyH)
		var ys, vs []*Node
		for j := range tinyV {
			ys = append(ys, Const(g, tinyY[j]))
			vs = append(vs, Const(g, tinyV[j]))
		}
		m := measure([]*Node{w}, tinyGraphLosses(x, ys, vs), SGDStep([]*Node{w}, Const(g, lr)))
		return []*Node{m.Z, m.Cosine}
	})
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1])
}

// The first-order form equals η·g_i·g_j/L_j with the gradients from
// finite differences, and approaches exact Eq. 1 as η → 0, its error
// falling as η² (the next term of the Taylor expansion).
func TestFirstOrderMatchesFiniteDifferences(t *testing.T) {
	n := len(tinyV)
	before, fd := goLosses(tinyW), fdGradients(tinyW)
	var errs []float64
	for _, lr := range []float64{1e-2, 1e-3} {
		fo, cos := tinyMeasure(t, lr, func(s []*Node, l LossesFn, st StepFn) Measurement {
			return MeasureFirstOrder(s, l, st, Batched{})
		})
		ex, _ := tinyMeasure(t, lr, Measure)
		worst := 0.0
		for i := range n {
			for j := range n {
				var dot float64
				for p := range fd[i] {
					dot += fd[i][p] * fd[j][p]
				}
				if want := lr * dot / before[j]; math.Abs(fo[i*n+j]-want) > 1e-8*(1+math.Abs(want)) {
					t.Errorf("lr %g: first-order Z[%d→%d] = %g, want η·g_i·g_j/L_j = %g", lr, i, j, fo[i*n+j], want)
				}
				if want := Cosine(fd[i], fd[j]); math.Abs(cos[i*n+j]-want) > 1e-6 {
					t.Errorf("cosine[%d,%d] = %g, want %g", i, j, cos[i*n+j], want)
				}
				worst = max(worst, math.Abs(fo[i*n+j]-ex[i*n+j]))
			}
		}
		errs = append(errs, worst)
	}
	// η ten times smaller: the error about a hundred times smaller.
	if ratio := errs[0] / errs[1]; ratio < 50 || ratio > 200 {
		t.Errorf("first-order error %g at η 1e-2, %g at 1e-3: ratio %g, want about 100", errs[0], errs[1], ratio)
	}
}

// MeasureSources gives the rows of Measure's Z for the selected sources,
// and the cosines among them.
func TestMeasureSourcesMatchesExactRows(t *testing.T) {
	n := len(tinyV)
	const lr = 0.3
	ex, exCos := tinyMeasure(t, lr, Measure)
	sources := []int{2, 0}
	z, cos := tinyMeasure(t, lr, func(s []*Node, l LossesFn, st StepFn) Measurement {
		sel := make([][]float64, len(sources))
		for k, i := range sources {
			sel[k] = make([]float64, n)
			sel[k][i] = 1
		}
		return MeasureSources(s, l, st, nil, Const(s[0].Graph(), sel))
	})
	for k, i := range sources {
		for j := range n {
			if got, want := z[k*n+j], ex[i*n+j]; math.Abs(got-want) > 1e-12 {
				t.Errorf("Z[source %d = task %d → %d] = %g, want %g", k, i, j, got, want)
			}
		}
		for l, j := range sources {
			if got, want := cos[k*len(sources)+l], exCos[i*n+j]; math.Abs(got-want) > 1e-12 {
				t.Errorf("cosine[%d,%d] = %g, want %g", i, j, got, want)
			}
		}
	}
}

// AddSources averages each pair over its own measurements, and a full
// measurement added after it (Add) counts for every row.
func TestAccumulatorAddSources(t *testing.T) {
	a := NewAccumulator([]string{"x", "y", "z"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.AddSources(0, []int{1}, [][]float64{{1, 2, 3}}, [][]float64{{1}}))
	must(a.AddSources(0, []int{1, 2}, [][]float64{{3, 4, 5}, {6, 6, 6}}, [][]float64{{1, 0.5}, {0.5, 1}}))
	must(a.Add(1, [][]float64{{9, 9, 9}, {5, 0, 1}, {0, 0, 0}}, [][]float64{{1, 0, 0}, {0, 1, 0.2}, {0, 0.2, 1}}))
	z, cos := a.Affinity().Values, a.CosineMean().Values
	want := [][]float64{{9, 9, 9}, {3, 2, 3}, {3, 3, 3}}
	wantCos := [][]float64{{1, 0, 0}, {0, 1, 0.35}, {0, 0.35, 1}}
	for i := range 3 {
		for j := range 3 {
			if math.Abs(z[i][j]-want[i][j]) > 1e-12 || math.Abs(cos[i][j]-wantCos[i][j]) > 1e-12 {
				t.Errorf("[%d][%d]: Z %g cosine %g, want %g and %g", i, j, z[i][j], cos[i][j], want[i][j], wantCos[i][j])
			}
		}
	}
	if !slices.Equal(a.SourceCount, []int{1, 3, 2}) || a.Count != 3 {
		t.Errorf("counts %v (%d measurements), want [1 3 2] (3)", a.SourceCount, a.Count)
	}
	p := a.PairSums()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := p.Affinity().Values[2][0]; got != 3 {
		t.Errorf("pair sums: Z[z→x] = %g, want 3", got)
	}
	if got := p.CosineMean().Values[1][2]; math.Abs(got-0.35) > 1e-12 {
		t.Errorf("pair sums: cosine[y,z] = %g, want 0.35", got)
	}
	traj := a.Trajectory()
	if traj[3].Value != 2 || traj[3].Source != "y" || traj[3].Target != "x" { // epoch 0, y→x: (1+3)/2
		t.Errorf("trajectory point %+v, want epoch 0 y→x 2", traj[3])
	}
	if err := a.AddSources(1, []int{3}, [][]float64{{1, 2, 3}}, [][]float64{{1}}); err == nil {
		t.Error("source 3 of 3 tasks accepted")
	}
}

// Estimators parse from their names, and Validate refuses an unknown one
// and sources without the sampled estimator.
func TestEstimatorNamesAndValidation(t *testing.T) {
	for _, e := range []Estimator{Exact, Sampled, FirstOrder} {
		got, err := ParseEstimator(e.String())
		if err != nil || got != e {
			t.Errorf("ParseEstimator(%q) = %v, %v", e.String(), got, err)
		}
	}
	if _, err := ParseEstimator("guess"); err == nil {
		t.Error("estimator guess accepted")
	}
	for _, o := range []Options{{Every: 1, Estimator: 3}, {Every: 1, Sources: 2}, {Every: 1, Estimator: Sampled, Sources: -1}} {
		if o.Validate() == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if o := (Options{Every: 1, Estimator: Sampled, Sources: 2}); o.Validate() != nil || o.SourcesFor(10) != 2 || o.SourcesFor(1) != 1 {
		t.Errorf("sampled with 2 sources: %v, %d sources of 10", o.Validate(), o.SourcesFor(10))
	}
	if got := (Options{Estimator: Sampled}).SourcesFor(100); got != DefaultSources {
		t.Errorf("default sources %d, want %d", got, DefaultSources)
	}
}

func TestForTasksChoosesEstimatorAndInterval(t *testing.T) {
	base := Options{Every: 2, Estimator: Sampled, Sources: 4}
	for _, c := range []struct {
		n     int
		est   Estimator
		every int
	}{
		{9, Exact, 2},
		{AutoExactMax, Exact, 2},
		{AutoExactMax + 1, FirstOrder, 2},
		{100, FirstOrder, 4},
		{300, FirstOrder, 10},
		{1000, FirstOrder, 34},
	} {
		o := base.ForTasks(c.n)
		if o.Estimator != c.est || o.Every != c.every || o.Sources != 0 {
			t.Errorf("n = %d: estimator %v every %d sources %d, want %v every %d sources 0", c.n, o.Estimator, o.Every, o.Sources, c.est, c.every)
		}
	}
	if o := (Options{Every: 50}).ForTasks(300); o.Every != 50 {
		t.Errorf("a recipe interval above the automatic one: every %d, want 50 kept", o.Every)
	}
}
