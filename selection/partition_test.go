package selection

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// zsumOf is rule zsum on a.
func zsumOf(a [][]float64) *AffinitySum {
	r, _ := AffinityRule(RuleZSum, a, Options{})
	return r.(*AffinitySum)
}

// brutePartitions returns, for every K in 1..n, the best summed score of
// r over partitions into exactly K groups, by walking every partition
// (restricted growth strings).
func brutePartitions(r *AffinitySum) []float64 {
	n := r.N()
	best := make([]float64, n+1)
	for k := range best {
		best[k] = math.Inf(-1)
	}
	labels := make([]int, n)
	var rec func(j, k int)
	rec = func(j, k int) {
		if j == n {
			v := 0.0
			for a := 0; a < n; a++ {
				for b := 0; b < n; b++ {
					if a != b && labels[a] == labels[b] {
						v += r.A[a][b] - r.Charge
					}
				}
			}
			best[k] = max(best[k], v)
			return
		}
		for g := 0; g <= k; g++ {
			labels[j] = g
			rec(j+1, max(k, g+1))
		}
	}
	rec(0, 0)
	return best
}

// TestPartitionSearchMatchesExact forces the partition search on small
// task sets and compares it with the exact solver, budget by budget, with
// the budget spent and as a maximum, and checks that the bound is at
// least the brute-force optimum for every number of groups.
func TestPartitionSearchMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	for trial := 0; trial < 40; trial++ {
		n := 2 + trial%9
		r := zsumOf(randMatrix(rng, n, -1, 1))
		opt := brutePartitions(r)
		bound := partitionBounds(r, newPairWeights(r), n)
		for k := 1; k <= n; k++ {
			if bound[k] < opt[k]-1e-9 {
				t.Errorf("n=%d K=%d: bound %.12g below the optimum %.12g", n, k, bound[k], opt[k])
			}
		}
		var bs []Budget
		for k := 1; k <= n+1; k++ {
			bs = append(bs, MaxNetworks(k))
		}
		for _, spend := range []bool{true, false} {
			o := Options{SpendBudget: spend, Seed: uint64(trial)}
			got, err := solvePartitions(r, bs, o)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range bs {
				want, err := Exact(r, Budget{Name: b.Name, Limit: b.Limit, Cost: b.Cost, SizeCost: b.SizeCost, Spend: spend})
				if err != nil {
					t.Fatal(err)
				}
				g := got[i]
				if math.Abs(g.Score-want.Score) > 1e-9 {
					t.Errorf("n=%d k=%d spend=%v: partition search %.12g %v, exact %.12g %v", n, b.Limit, spend, g.Score, g.Groups, want.Score, want.Groups)
				}
				if g.Bound < want.Score-1e-9 || g.Gap < 0 || math.Abs(g.Bound-g.Score-g.Gap) > 1e-9 {
					t.Errorf("n=%d k=%d spend=%v: bound %g gap %g under the optimum %g", n, b.Limit, spend, g.Bound, g.Gap, want.Score)
				}
				if spend && len(g.Groups) != min(b.Limit, n) || len(g.Groups) > b.Limit {
					t.Errorf("n=%d k=%d spend=%v: %d groups", n, b.Limit, spend, len(g.Groups))
				}
				checkPartitionResult(t, r, g)
			}
		}
	}
}

// checkPartitionResult checks that res is a partition whose task scores
// and score follow from its groups.
func checkPartitionResult(t *testing.T, r *AffinitySum, res *Result) {
	t.Helper()
	n := r.N()
	seen := make([]bool, n)
	total := 0.0
	for gi, g := range res.Groups {
		if !slices.IsSorted(g) || len(g) == 0 {
			t.Fatalf("group %v not sorted or empty", g)
		}
		if gi > 0 && res.Groups[gi-1][0] > g[0] {
			t.Fatalf("groups %v not ordered by their lowest task", res.Groups)
		}
		for _, j := range g {
			if seen[j] || res.Assignment[j] != gi {
				t.Fatalf("task %d: twice, or assigned to %d not %d", j, res.Assignment[j], gi)
			}
			seen[j] = true
			s := 0.0
			for _, i := range g {
				if i != j {
					s += r.A[i][j] - r.Charge
				}
			}
			if math.Abs(s-res.TaskScores[j]) > 1e-9 {
				t.Fatalf("task %d scores %g, want %g", j, res.TaskScores[j], s)
			}
			total += s
		}
	}
	if slices.Contains(seen, false) || math.Abs(total/float64(n)-res.Score) > 1e-9 {
		t.Fatalf("not a partition of %d tasks, or score %g for %g", n, res.Score, total/float64(n))
	}
}

// TestEnvelope checks the upper envelope of each task's lines against the
// maximum over every line at many multipliers.
func TestEnvelope(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 20; trial++ {
		n := 2 + rng.IntN(30)
		a := randMatrix(rng, n, -2, 2)
		cb := newCountBound(n, func(j int, buf []float64) {
			for i := range buf {
				buf[i] = a[i][j]
			}
		})
		for j := 0; j < n; j++ {
			var col []float64
			for i := 0; i < n; i++ {
				if i != j {
					col = append(col, a[i][j])
				}
			}
			slices.Sort(col)
			slices.Reverse(col)
			for range 50 {
				mu := (rng.Float64() - 0.5) * 40
				want, s := math.Inf(-1), 0.0
				for m := 1; m <= n; m++ {
					if m > 1 {
						s += col[m-2]
					}
					want = max(want, s-mu/float64(m))
				}
				if got, _ := envValue(cb.env[j], mu); math.Abs(got-want) > 1e-9 {
					t.Fatalf("n=%d task %d μ=%g: envelope %g, lines %g", n, j, mu, got, want)
				}
			}
		}
		// The walk's minimum is no worse than any multiplier tried.
		bs := cb.bounds(n)
		for k := 1; k <= n; k++ {
			for range 20 {
				if mu := (rng.Float64() - 0.5) * 40; cb.at(k, mu) < bs[k]-1e-9 {
					t.Fatalf("n=%d K=%d: bound %g above its value %g at μ=%g", n, k, bs[k], cb.at(k, mu), mu)
				}
			}
		}
	}
}

// TestPlantedBlocks checks, on planted families with weak noise (each
// task's strongest partners are its family), that the partition search
// finds the planted partition at the planted budget and proves it optimal
// (bound equal to the score), at 100 and 1,000 tasks.
func TestPlantedBlocks(t *testing.T) {
	for _, n := range []int{100, 1000} {
		if n > 100 && testing.Short() {
			continue
		}
		a, family := plantedMatrix(7, n, 10, 1, 0.05)
		r := zsumOf(a)
		res, err := Solve(r, MaxNetworks(n/10), Options{SpendBudget: true, Seed: 1, Iterations: 20})
		if err != nil {
			t.Fatal(err)
		}
		if !sameLabels(res.Assignment, family) {
			t.Errorf("n=%d: groups %v, want the planted families", n, res.Groups)
		}
		want := plantedScore(r, family) / float64(n)
		if math.Abs(res.Score-want) > 1e-9 || !res.Optimal || res.Gap != 0 {
			t.Errorf("n=%d: score %g (planted %g), bound %g, gap %g, optimal %v", n, res.Score, want, res.Bound, res.Gap, res.Optimal)
		}
	}
}

// TestPartitionSearchDeterministic checks that a seed fixes the result.
func TestPartitionSearchDeterministic(t *testing.T) {
	a, _ := plantedMatrix(3, 120, 10, 1, 0.6)
	r := zsumOf(a)
	bs := []Budget{MaxNetworks(3), MaxNetworks(12), MaxNetworks(20)}
	var first string
	for range 2 {
		rs, err := SolveAll(r, bs, Options{SpendBudget: true, Seed: 4, Iterations: 30})
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, res := range rs {
			s += fmt.Sprint(res.Groups, res.Score, res.Bound)
		}
		if first == "" {
			first = s
		} else if s != first {
			t.Errorf("same seed, different results")
		}
	}
}

// TestManyTasksRefusals checks the clear refusals above 64 tasks: the
// paper's rule, a group-size cap, a budget other than k networks.
func TestManyTasksRefusals(t *testing.T) {
	a, _ := plantedMatrix(3, 70, 10, 1, 0.3)
	cases := []struct {
		r   Rule
		b   Budget
		opt Options
	}{
		{&Affinity{A: a}, MaxNetworks(3), Options{}},
		{zsumOf(a), MaxNetworks(8), Options{MaxGroupSize: 10}},
		{zsumOf(a), StandleyCost(5), Options{}},
	}
	for _, c := range cases {
		if _, err := Solve(c.r, c.b, c.opt); err == nil {
			t.Errorf("%T %s %+v: no error", c.r, c.b.Name, c.opt)
		}
	}
	if _, err := Solve(zsumOf(a), MaxNetworks(7), Options{SpendBudget: true}); err != nil {
		t.Errorf("zsum at 70 tasks: %v", err)
	}
	if _, err := Alternatives(zsumOf(a), MaxNetworks(7), Options{}, 3); err == nil {
		t.Error("alternatives at 70 tasks: no error")
	}
	// TaskLimitOf, which commands ask before reading budgets, agrees
	// with CheckTasks.
	for _, c := range []struct {
		rule  string
		b     Budget
		cost  string
		opt   Options
		limit TaskLimit
	}{
		{RuleZSum, MaxNetworks(7), CostNetworks, Options{}, NoTaskLimit},
		{RulePaper, MaxNetworks(7), CostNetworks, Options{}, RuleTaskLimit},
		{RulePairLoss, MaxNetworks(7), CostNetworks, Options{}, RuleTaskLimit},
		{RulePaper, StandleyCost(7), CostStandley, Options{MaxGroupSize: 5}, RuleTaskLimit},
		{RuleZSum, MaxNetworks(7), CostNetworks, Options{MaxGroupSize: 5}, GroupSizeTaskLimit},
		{RuleZSum, StandleyCost(7), CostStandley, Options{MaxGroupSize: 5}, GroupSizeTaskLimit},
		{RuleZSum, StandleyCost(7), CostStandley, Options{}, BudgetTaskLimit},
	} {
		if got := TaskLimitOf(c.rule, c.opt.MaxGroupSize, c.cost); got != c.limit {
			t.Errorf("TaskLimitOf(%s, %d, %s) = %d, want %d", c.rule, c.opt.MaxGroupSize, c.cost, got, c.limit)
		}
		if err := CheckTasks(70, c.rule, c.b, c.opt); (err == nil) != (c.limit == NoTaskLimit) {
			t.Errorf("CheckTasks(70, %s, %s, %+v): %v", c.rule, c.b.Name, c.opt, err)
		}
		if err := CheckTasks(64, c.rule, c.b, c.opt); err != nil {
			t.Errorf("CheckTasks(64, ...): %v", err)
		}
	}
}
