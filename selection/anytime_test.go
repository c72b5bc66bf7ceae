package selection

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestAnytimeNearExact compares the anytime search with the exact optimum
// on random problems of 8 to 12 tasks, for the paper's rule, the pair-loss
// rule and zsum on every budget model: it must come within 1%, and its
// bound must hold.
func TestAnytimeNearExact(t *testing.T) {
	worst := 0.0
	for n := 8; n <= 12; n++ {
		for seed := uint64(0); seed < 3; seed++ {
			rng := rand.New(rand.NewPCG(seed, uint64(n)))
			aff, loss := randMatrix(rng, n, -1, 1), randMatrix(rng, n, 0.5, 2)
			rules := map[string]Rule{"affinity": &Affinity{A: aff}, "pairloss": &PairLoss{L: loss},
				"zsum": &AffinitySum{A: Standardize(aff), Charge: ZSumCharge}}
			for _, rn := range []string{"affinity", "pairloss", "zsum"} {
				r := rules[rn]
				for _, b := range []Budget{MaxNetworks(2), MaxNetworks(3), MaxNetworks(5), StandleyCost(2.5)} {
					name := fmt.Sprintf("n=%d/seed=%d/%s/%s", n, seed, rn, b.Name)
					ex, err := Exact(r, b)
					if err != nil {
						t.Fatalf("%s: exact: %v", name, err)
					}
					an, err := Anytime(r, b, Options{Seed: seed})
					if err != nil {
						t.Fatalf("%s: anytime: %v", name, err)
					}
					rel := math.Abs(an.Score-ex.Score) / math.Max(math.Abs(ex.Score), 1e-9)
					worse := (an.Score < ex.Score) != r.Minimize()
					if worse {
						worst = math.Max(worst, rel)
					}
					if worse && rel > 0.01 {
						t.Errorf("%s: anytime %.6g vs exact %.6g (%.2f%% off)", name, an.Score, ex.Score, 100*rel)
					}
					if better := (ex.Score-an.Score)*sign(r) < -1e-9; better {
						t.Errorf("%s: anytime %.9g beats the proven optimum %.9g", name, an.Score, ex.Score)
					}
					if (an.Bound-ex.Score)*sign(r) < -1e-9 {
						t.Errorf("%s: bound %.9g is not a bound on the optimum %.9g", name, an.Bound, ex.Score)
					}
					if math.Abs(an.Gap-math.Abs(an.Bound-an.Score)) > 1e-9 {
						t.Errorf("%s: gap %g, want |%g-%g|", name, an.Gap, an.Bound, an.Score)
					}
				}
			}
		}
	}
	t.Logf("worst shortfall against the optimum: %.3f%%", 100*worst)
}

// TestAnytimeDeterministic checks that a seed and an iteration limit fix
// the result, on a size beyond the exact solver.
func TestAnytimeDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a := randMatrix(rng, 30, -1, 1)
	for _, r := range []Rule{&Affinity{A: a}, &AffinitySum{A: Standardize(a), Charge: ZSumCharge}} {
		anytimeTwice(t, r)
	}
}

// anytimeTwice solves r twice with one seed and fails if the results
// differ or break the budget, or if a disjoint rule's groups overlap.
func anytimeTwice(t *testing.T, r Rule) {
	t.Helper()
	var first *Result
	for rep := 0; rep < 2; rep++ {
		res, err := Anytime(r, MaxNetworks(4), Options{Seed: 9, Iterations: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(groupSets(res)) > 4 || res.Optimal && res.Gap > 0 {
			t.Fatalf("%T: bad result %+v", r, res)
		}
		var union Set
		for _, g := range groupSets(res) {
			if isDisjoint(r) && union&g != 0 {
				t.Fatalf("%T: groups %v overlap", r, groupSets(res))
			}
			union |= g
		}
		if first == nil {
			first = res
		} else if !reflect.DeepEqual(first, res) {
			t.Fatalf("same seed, different results:\n%+v\n%+v", first, res)
		}
	}
}

// TestTaskBoundIsTight checks TaskBound against an exhaustive maximum over
// all groups holding the task, for each rule.
func TestTaskBoundIsTight(t *testing.T) {
	n := 6
	for _, c := range boundRules(n) {
		s := make([]float64, n)
		for j := 0; j < n; j++ {
			best := math.Inf(-1)
			for g := Set(1); g <= Full(n); g++ {
				if g.Has(j) && c.r.Scores(g, s) {
					best = math.Max(best, sign(c.r)*s[j])
				}
			}
			if got := sign(c.r) * c.r.TaskBound(j); math.Abs(got-best) > 1e-12 {
				t.Errorf("%s: TaskBound(%d) = %g, exhaustive best %g", c.name, j, got, best)
			}
		}
	}
}

// namedRule is a rule under test with a name for messages.
type namedRule struct {
	name string
	r    Rule
}

// boundRules returns one small random instance of every rule on n tasks,
// with some group sizes absent from the group-loss list.
func boundRules(n int) []namedRule {
	rng := rand.New(rand.NewPCG(5, 5))
	aff, loss := randMatrix(rng, n, -1, 1), randMatrix(rng, n, 0.5, 2)
	gl := map[Set][]float64{SetOf(0, 1): randMatrix(rng, n, 0, 1)[0], Full(n): randMatrix(rng, n, 0, 1)[1]}
	for j := 2; j < n; j++ {
		gl[SetOf(j)] = randMatrix(rng, n, 0, 1)[2]
	}
	return []namedRule{
		{"affinity", &Affinity{A: aff}},
		{"affinity+singles", &Affinity{A: aff, AllowSingletons: true, SingletonScore: 0.9}},
		{"zsum", &AffinitySum{A: Standardize(aff), Charge: 0.4}},
		{"pairloss", &PairLoss{L: loss}},
		{"grouploss", &GroupLoss{Tasks: n, Loss: gl}},
	}
}

// randomListing lists, for n tasks, 3n random groups of two to five tasks,
// the groups of two random partitions (into two and three groups) so that
// small budgets stay feasible, and every singleton, each with random
// losses.
func randomListing(rng *rand.Rand, n int) *GroupLoss {
	gl := &GroupLoss{Tasks: n, Loss: map[Set][]float64{}}
	add := func(g Set) {
		if _, ok := gl.Loss[g]; !ok && g != 0 {
			gl.Loss[g] = randMatrix(rng, n, 0.5, 2)[0]
		}
	}
	for range 3 * n {
		var g Set
		for g.Len() < 2+rng.IntN(4) {
			g |= 1 << uint(rng.IntN(n))
		}
		add(g)
	}
	for _, parts := range []int{2, 3} {
		gs := make([]Set, parts)
		for j, p := range rng.Perm(n) {
			gs[j%parts] |= 1 << uint(p)
		}
		for _, g := range gs {
			add(g)
		}
	}
	for j := range n {
		add(SetOf(j))
	}
	return gl
}

// TestAnytimeGroupLoss checks that the anytime search, moving among the
// listed groups only, comes within 2% of the exact optimum of measured
// group losses (1% is not reached on every instance: the worst here is
// 1.6%, under Standley's cost model), and that every group it returns is
// listed.
func TestAnytimeGroupLoss(t *testing.T) {
	worst := 0.0
	for n := 8; n <= 11; n++ {
		for seed := uint64(0); seed < 3; seed++ {
			gl := randomListing(rand.New(rand.NewPCG(seed, uint64(n)+40)), n)
			for _, b := range []Budget{MaxNetworks(2), MaxNetworks(3), MaxNetworks(4), StandleyCost(3.5)} {
				name := fmt.Sprintf("n=%d/seed=%d/%s", n, seed, b.Name)
				ex, err := Exact(gl, b)
				if err != nil {
					t.Fatalf("%s: exact: %v", name, err)
				}
				an, err := Anytime(gl, b, Options{Seed: seed})
				if err != nil {
					t.Fatalf("%s: anytime: %v", name, err)
				}
				for _, g := range groupSets(an) {
					if _, ok := gl.Loss[g]; !ok {
						t.Errorf("%s: group %v is not listed", name, g)
					}
				}
				rel := (an.Score - ex.Score) / ex.Score
				worst = math.Max(worst, rel)
				if rel > 0.02 || rel < -1e-12 {
					t.Errorf("%s: anytime loss %.6g, exact %.6g", name, an.Score, ex.Score)
				}
				if an.Bound > ex.Score+1e-9 {
					t.Errorf("%s: bound %.9g above the optimum %.9g", name, an.Bound, ex.Score)
				}
			}
		}
	}
	t.Logf("worst excess loss over the optimum: %.3f%%", 100*worst)
}
