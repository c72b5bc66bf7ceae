package selection

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestCappedExactMatchesBruteForce checks Exact on a size-capped rule, and
// Solve with Options.MaxGroupSize, against brute force that enumerates only
// groups of at most the cap: every rule, every budget model, several caps.
func TestCappedExactMatchesBruteForce(t *testing.T) {
	sizes := []struct{ n, maxK, seeds int }{{3, 3, 4}, {4, 4, 3}, {5, 4, 2}, {6, 3, 2}, {7, 3, 1}}
	if testing.Short() {
		sizes = sizes[:3]
	}
	checked, infeasible := 0, 0
	for _, sz := range sizes {
		for seed := 0; seed < sz.seeds; seed++ {
			for k := 1; k <= sz.maxK; k++ {
				for cap := 1; cap < sz.n; cap++ {
					rng := rand.New(rand.NewPCG(uint64(seed), uint64(sz.n*100+k)))
					for _, c := range bruteCases(rng, sz.n, k) {
						name := fmt.Sprintf("n=%d/k=%d/cap=%d/seed=%d/%s", sz.n, k, cap, seed, c.name)
						c.maxSize, c.rule = cap, CapGroupSize(c.rule, cap)
						want := brute(c, sz.n)
						res, err := Exact(c.rule, c.b)
						sres, serr := Solve(c.rule, c.b, Options{MaxGroupSize: cap})
						if math.IsInf(want, -1) {
							infeasible++
							if !errors.Is(err, ErrInfeasible) || !errors.Is(serr, ErrInfeasible) {
								t.Errorf("%s: brute force finds no grouping; Exact gives %v, Solve %v", name, err, serr)
							}
							continue
						}
						if err != nil || serr != nil {
							t.Fatalf("%s: Exact %v, Solve %v", name, err, serr)
						}
						for _, r := range []*Result{res, sres} {
							got := r.Score
							if c.minimize {
								got = -got
							}
							if math.Abs(got-want) > 1e-9 || !r.Optimal {
								t.Errorf("%s: score %.12g (optimal %v), brute force %.12g (groups %v)", name, got, r.Optimal, want, groupSets(r))
							}
							checkResult(t, name, c, sz.n, r)
							checkCap(t, name, r, cap)
						}
						var dummy int
						checkBudgetBound(t, name, c, sz.n, want, &dummy)
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d capped problems checked against brute force, %d infeasible", checked, infeasible)
	if checked == 0 || infeasible == 0 {
		t.Errorf("want both feasible and infeasible capped problems, got %d and %d", checked, infeasible)
	}
}

// checkCap fails if a group of res has more than cap tasks.
func checkCap(t *testing.T, name string, res *Result, cap int) {
	t.Helper()
	for _, g := range groupSets(res) {
		if g.Len() > cap {
			t.Errorf("%s: group %v has %d tasks, over the cap of %d", name, g, g.Len(), cap)
		}
	}
}

// TestCapInfeasible checks that budgets which cannot pay for groups
// within the cap give ErrInfeasible with a message naming the cap, before
// any search, and that feasible ones are solved.
func TestCapInfeasible(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct {
		n, cap int
		b      Budget
		ok     bool
	}{
		{18, 6, MaxNetworks(3), true},
		{18, 5, MaxNetworks(3), false},
		{18, 7, MaxNetworks(3), true},
		{30, 10, MaxNetworks(3), true},
		{30, 9, MaxNetworks(3), false},
		{7, 2, StandleyCost(3.5), true}, // 2+2+2+1: cost 3.5
		{7, 2, StandleyCost(3), false},  // needs 3.5
		{40, 8, MaxNetworks(4), false},  // anytime path
		{40, 10, MaxNetworks(4), true},  // anytime path
		{9, 1, StandleyCost(4.5), true}, // nine singletons
		{9, 1, StandleyCost(4), false},  // nine singletons cost 4.5
		{9, 3, GroupCost(2, func(Set) int { return 1 }), false},
	} {
		name := fmt.Sprintf("n=%d/cap=%d/%s", tc.n, tc.cap, tc.b.Name)
		r := &PairLoss{L: randMatrix(rng, tc.n, 0.5, 2)}
		res, err := Solve(r, tc.b, Options{MaxGroupSize: tc.cap, Iterations: 20})
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			checkCap(t, name, res, tc.cap)
			continue
		}
		if !errors.Is(err, ErrInfeasible) || !strings.Contains(err.Error(), fmt.Sprintf("at most %d tasks", tc.cap)) {
			t.Errorf("%s: got %v, want ErrInfeasible naming the cap", name, err)
		}
	}
}

// TestAnytimeRespectsCap runs the anytime search on 20 to 30 tasks with a
// cap and checks that no chosen group exceeds it and that the cap lowers
// the reached score no further than the capped bound allows.
func TestAnytimeRespectsCap(t *testing.T) {
	for n := 20; n <= 30; n += 5 {
		rng := rand.New(rand.NewPCG(uint64(n), 9))
		aff, loss := randMatrix(rng, n, -1, 1), randMatrix(rng, n, 0.5, 2)
		for _, r := range []Rule{&Affinity{A: aff}, &PairLoss{L: loss}} {
			for _, k := range []int{3, 5} {
				cap := (n + k - 1) / k
				name := fmt.Sprintf("n=%d/minimize=%v/k=%d/cap=%d", n, r.Minimize(), k, cap)
				res, err := Anytime(r, MaxNetworks(k), Options{Seed: 1, Iterations: 30, MaxGroupSize: cap})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				checkCap(t, name, res, cap)
				if (res.Bound-res.Score)*sign(r) < -1e-9 {
					t.Errorf("%s: bound %g is not a bound on the reached %g", name, res.Bound, res.Score)
				}
				covered := Set(0)
				for _, g := range groupSets(res) {
					covered |= g
				}
				if covered != Full(n) || len(groupSets(res)) > k {
					t.Errorf("%s: groups %v do not cover %d tasks within %d networks", name, groupSets(res), n, k)
				}
			}
		}
	}
}

// TestAnytimeNearExactCapped compares the anytime search with the exact
// optimum under a cap on 10 to 12 tasks: it must come within 3%, and its
// bound must hold.
func TestAnytimeNearExactCapped(t *testing.T) {
	worst := 0.0
	for n := 10; n <= 12; n++ {
		rng := rand.New(rand.NewPCG(7, uint64(n)))
		aff, loss := randMatrix(rng, n, -1, 1), randMatrix(rng, n, 0.5, 2)
		for _, r := range []Rule{&Affinity{A: aff}, &PairLoss{L: loss}, &AffinitySum{A: Standardize(aff), Charge: ZSumCharge}} {
			for _, tc := range []struct{ k, cap int }{{3, 4}, {3, 5}, {4, 3}, {5, 3}} {
				name := fmt.Sprintf("n=%d/%T/k=%d/cap=%d", n, r, tc.k, tc.cap)
				b := MaxNetworks(tc.k)
				ex, err := Exact(CapGroupSize(r, tc.cap), b)
				if errors.Is(err, ErrInfeasible) {
					continue
				}
				if err != nil {
					t.Fatalf("%s: exact: %v", name, err)
				}
				an, err := Anytime(r, b, Options{Seed: 3, MaxGroupSize: tc.cap})
				if err != nil {
					t.Fatalf("%s: anytime: %v", name, err)
				}
				checkCap(t, name, an, tc.cap)
				short := (ex.Score - an.Score) * sign(r) / math.Max(math.Abs(ex.Score), 1e-9)
				worst = max(worst, short)
				if short > 0.03 {
					t.Errorf("%s: anytime %.6g vs exact %.6g (%.2f%% short)", name, an.Score, ex.Score, 100*short)
				}
				if short < -1e-9 {
					t.Errorf("%s: anytime %.9g beats the proven optimum %.9g", name, an.Score, ex.Score)
				}
				if (an.Bound-ex.Score)*sign(r) < -1e-9 {
					t.Errorf("%s: bound %.9g is below the optimum %.9g", name, an.Bound, ex.Score)
				}
			}
		}
	}
	t.Logf("worst shortfall against the capped optimum: %.3f%%", 100*worst)
}

// TestCapGroupSizeIdentity checks that no cap, or a cap of at least the
// task count, leaves the rule as it is, and that re-capping replaces the
// cap rather than stacking.
func TestCapGroupSizeIdentity(t *testing.T) {
	r := &Affinity{A: randMatrix(rand.New(rand.NewPCG(1, 1)), 5, -1, 1)}
	for _, m := range []int{0, -1, 5, 9} {
		if got := CapGroupSize(r, m); got != Rule(r) {
			t.Errorf("cap %d: got %T, want the rule itself", m, got)
		}
	}
	if got := groupCap(CapGroupSize(CapGroupSize(r, 2), 4)); got != 4 {
		t.Errorf("re-capped to 4: cap %d", got)
	}
	gl := &GroupLoss{Tasks: 3, Loss: map[Set][]float64{SetOf(0, 1, 2): {1, 1, 1}, SetOf(0, 1): {1, 1, 1}, SetOf(2): {1, 1, 1}}}
	lister, ok := CapGroupSize(gl, 2).(groupLister)
	if !ok {
		t.Fatal("a capped GroupLoss does not list its groups")
	}
	if got, want := lister.listedGroups(), []Set{SetOf(0, 1), SetOf(2)}; !slices.Equal(got, want) {
		t.Errorf("capped listed groups %v, want {0,1} and {2}", got)
	}
}
