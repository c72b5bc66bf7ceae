package selection

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteSpend is the best mean score of a partition of n tasks into the
// largest number m ≤ k of blocks allowed by r (every block scored by r,
// its members' scores summed), by enumerating every partition; -Inf if none.
func bruteSpend(r Rule, n, k int) (float64, int) {
	best := map[int]float64{}
	s := make([]float64, n)
	var rec func(i int, blocks []Set)
	rec = func(i int, blocks []Set) {
		if i == n {
			total := 0.0
			for _, b := range blocks {
				if !r.Scores(b, s) {
					return
				}
				for x := b; x != 0; x &= x - 1 {
					total += s[x.Lowest()]
				}
			}
			if v, ok := best[len(blocks)]; !ok || total > v {
				best[len(blocks)] = total
			}
			return
		}
		for j := range blocks {
			blocks[j] |= SetOf(i)
			rec(i+1, blocks)
			blocks[j] &^= SetOf(i)
		}
		if len(blocks) < k {
			rec(i+1, append(blocks, SetOf(i)))
		}
	}
	rec(0, nil)
	for m := k; m >= 1; m-- {
		if v, ok := best[m]; ok {
			return v / float64(n), m
		}
	}
	return math.Inf(-1), 0
}

// checkSpend solves a random zsum matrix of n tasks with solve, which must
// spend a budget of k networks under a group-size cap, and compares it with
// bruteSpend; it reports whether the case was feasible.
func checkSpend(t *testing.T, rng *rand.Rand, n, k, capSize int, solve func(Rule) (*Result, error)) bool {
	t.Helper()
	r, err := AffinityRule(RuleZSum, randMatrix(rng, n, -1, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, m := bruteSpend(CapGroupSize(r, capSize), n, k)
	res, err := solve(r)
	if math.IsInf(want, -1) {
		if err == nil {
			t.Errorf("n=%d k=%d cap %d: solved an infeasible case", n, k, capSize)
		}
		return false
	}
	if err != nil {
		t.Fatalf("n=%d k=%d cap %d: %v", n, k, capSize, err)
	}
	if len(groupSets(res)) != m || math.Abs(res.Score-want) > 1e-9 {
		t.Errorf("n=%d k=%d cap %d: %d groups score %g, brute force %d groups %g", n, k, capSize, len(groupSets(res)), res.Score, m, want)
	}
	return true
}

// TestSpendMatchesBruteForce checks Options.SpendBudget on the zsum rule
// against brute force over every partition into the most blocks the budget
// and a group-size cap allow, for n = 1..7 and every k.
func TestSpendMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for n := 1; n <= 7; n++ {
		for k := 1; k <= n; k++ {
			for _, capSize := range []int{0, 2, 3} {
				if checkSpend(t, rng, n, k, capSize, func(r Rule) (*Result, error) {
					return Solve(r, MaxNetworks(k), Options{SpendBudget: true, MaxGroupSize: capSize})
				}) {
					checked++
				}
			}
		}
	}
	if checked < 60 {
		t.Errorf("only %d cases checked", checked)
	}
	// The paper's overlapping rule ignores the option; asked for directly
	// on its budget, spending is refused.
	r, _ := AffinityRule(RulePaper, randMatrix(rng, 4, -1, 1), Options{})
	plain, err1 := Solve(r, MaxNetworks(2), Options{})
	spent, err2 := Solve(r, MaxNetworks(2), Options{SpendBudget: true})
	if err1 != nil || err2 != nil || plain.Score != spent.Score {
		t.Errorf("paper rule with SpendBudget: %v %v, scores %v %v", err1, err2, plain, spent)
	}
	b := MaxNetworks(2)
	b.Spend = true
	if _, err := Exact(r, b); err == nil {
		t.Error("Exact spent the budget of an overlapping rule")
	}
	if _, err := Anytime(r, b, Options{}); err == nil {
		t.Error("Anytime spent the budget of an overlapping rule")
	}
}

// TestSpendParallel checks that spending the budget gives the same grouping
// with one worker and with several (n ≥ parallelMinTasks).
func TestSpendParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	r, err := AffinityRule(RuleZSum, randMatrix(rng, parallelMinTasks+1, -1, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := MaxNetworks(6)
	b.Spend = true
	one, err1 := exact(r, b, 1)
	many, err2 := exact(r, b, 3)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if len(groupSets(one)) != 6 || one.Score != many.Score || fmt.Sprint(groupSets(one)) != fmt.Sprint(groupSets(many)) {
		t.Errorf("serial %v (%g), parallel %v (%g)", groupSets(one), one.Score, groupSets(many), many.Score)
	}
}

// TestAnytimeSpendMatchesBruteForce checks the anytime search with
// Budget.Spend against brute force, as TestSpendMatchesBruteForce does for
// the exact solver: on these small cases its restarts reach the optimum.
func TestAnytimeSpendMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 2; n <= 7; n++ {
		for k := 1; k <= n; k++ {
			for _, capSize := range []int{0, 3} {
				checkSpend(t, rng, n, k, capSize, func(r Rule) (*Result, error) {
					b := MaxNetworks(k)
					b.Spend = true
					return Anytime(r, b, Options{Seed: 3, MaxGroupSize: capSize})
				})
			}
		}
	}
}

// TestSpendBeyondExact checks that Solve spends the budget on a task count
// above the exact solver's range (the anytime search takes over): exactly
// k disjoint groups covering every task.
func TestSpendBeyondExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, k = 26, 5
	r, err := AffinityRule(RuleZSum, randMatrix(rng, n, -1, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Solve(r, MaxNetworks(k), Options{SpendBudget: true, Seed: 1, Iterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	var union Set
	for _, g := range groupSets(res) {
		if union&g != 0 {
			t.Fatalf("groups overlap: %v", groupSets(res))
		}
		union |= g
	}
	if len(groupSets(res)) != k || union != Full(n) {
		t.Errorf("%d groups covering %v, want %d covering all %d tasks", len(groupSets(res)), union, k, n)
	}
}

// TestSpendTarget checks the most units a partition can cost against hand
// counts.
func TestSpendTarget(t *testing.T) {
	for _, tc := range []struct {
		n, cap int
		b      Budget
		want   int
	}{
		{5, 0, MaxNetworks(3), 3},
		{2, 0, MaxNetworks(3), 2},
		{6, 2, MaxNetworks(2), -1}, // three pairs at least
		{6, 2, MaxNetworks(4), 4},
		{5, 0, StandleyCost(2), 4},   // 4 half-units: two groups (a pair and three singles would cost 5)
		{3, 0, StandleyCost(1.5), 3}, // three singles, half a network each
	} {
		got, ok := spendTarget(tc.n, tc.cap, tc.b)
		if !ok || got != tc.want {
			t.Errorf("n=%d cap %d %s: %d %v, want %d", tc.n, tc.cap, tc.b.Name, got, ok, tc.want)
		}
	}
	if _, ok := spendTarget(3, 0, GroupCost(2, func(Set) int { return 1 })); ok {
		t.Error("a budget without SizeCost has no spend target here")
	}
}
