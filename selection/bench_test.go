package selection

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func benchRule(n int) Rule {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	return &Affinity{A: randMatrix(rng, n, -1, 1)}
}

// benchRules returns the paper's rule and zsum on the same random matrix.
func benchRules(n int) []namedRule {
	r := benchRule(n).(*Affinity)
	z, _ := AffinityRule(RuleZSum, r.A, Options{})
	return []namedRule{{RulePaper, r}, {RuleZSum, z}}
}

// BenchmarkExact measures the exact solver on random affinity matrices at
// the target sizes (9 tasks, k = 2..5; 16 tasks, k = 4, also with
// groups capped at 4 tasks; 20 tasks, k = 4, run only with -bench
// 'Exact/n=20'), under the paper's rule and zsum (rule=...).
func BenchmarkExact(b *testing.B) {
	cases := []struct{ n, k, cap int }{{7, 2, 0}, {7, 3, 0}, {9, 2, 0}, {9, 3, 0}, {9, 4, 0}, {9, 5, 0}, {16, 4, 0}, {16, 4, 4}, {20, 4, 0}}
	for _, c := range cases {
		name := fmt.Sprintf("n=%d/k=%d", c.n, c.k)
		if c.cap > 0 {
			name += fmt.Sprintf("/cap=%d", c.cap)
		}
		for _, nr := range benchRules(c.n) {
			r := CapGroupSize(nr.r, c.cap)
			b.Run(name+"/rule="+nr.name, func(b *testing.B) {
				if c.n >= 20 && testing.Short() {
					b.Skip("20 tasks: long")
				}
				for b.Loop() {
					if _, err := Exact(r, MaxNetworks(c.k)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkExactStandley measures the exact solver under Standley's cost
// model, whose program has two cost classes and half-unit layers.
func BenchmarkExactStandley(b *testing.B) {
	for _, c := range []struct {
		n      int
		budget float64
	}{{9, 2.5}, {14, 3}} {
		r := &PairLoss{L: randMatrix(rand.New(rand.NewPCG(uint64(c.n), 2)), c.n, 0.5, 2)}
		b.Run(fmt.Sprintf("n=%d/budget=%g", c.n, c.budget), func(b *testing.B) {
			for b.Loop() {
				if _, err := Exact(r, StandleyCost(c.budget)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBruteForce is the baseline: enumerating every set of candidate
// groups, as the published selection does, on the sizes it can reach.
func BenchmarkBruteForce(b *testing.B) {
	for _, c := range []struct{ n, k int }{{7, 2}, {7, 3}} {
		r := benchRule(c.n).(*Affinity)
		bc := bruteCase{kind: "affinity", m: r.A, cost: func(int, Set) float64 { return 1 }, budget: float64(c.k)}
		b.Run(fmt.Sprintf("n=%d/k=%d", c.n, c.k), func(b *testing.B) {
			for b.Loop() {
				brute(bc, c.n)
			}
		})
	}
}

// BenchmarkAnytime measures the anytime search (default 200 climbs) beyond
// the exact solver's range, without and with a group-size cap (which adds
// the swap moves; zsum always has them), under the paper's rule and zsum.
func BenchmarkAnytime(b *testing.B) {
	for _, c := range []struct{ n, k, cap int }{{12, 4, 0}, {32, 4, 0}, {64, 5, 0}, {32, 4, 10}, {64, 5, 16}} {
		name := fmt.Sprintf("n=%d/k=%d", c.n, c.k)
		if c.cap > 0 {
			name += fmt.Sprintf("/cap=%d", c.cap)
		}
		for _, nr := range benchRules(c.n) {
			b.Run(name+"/rule="+nr.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := Anytime(nr.r, MaxNetworks(c.k), Options{Seed: 1, MaxGroupSize: c.cap}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSolveMany measures rule zsum on planted-family matrices (families
// of ten, unequal column scales, noise 0.3) with every budget from 2 to 50
// solved in one pass, at 100 and 1,000 tasks (n=1000 is skipped with
// -short). It reports the worst gap over the budgets as a share of the
// score, among budgets with a positive score, and the gap at the planted
// budget (n/10).
func BenchmarkSolveMany(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if n > 100 && testing.Short() {
				b.Skip("1,000 tasks: long")
			}
			a, _ := plantedMatrix(1, n, 10, 1, 0.3)
			r := zsumOf(a)
			var bs []Budget
			for k := 2; k <= 50; k++ {
				bs = append(bs, MaxNetworks(k))
			}
			bs = append(bs, MaxNetworks(n/10))
			var rs []*Result
			for b.Loop() {
				var err error
				if rs, err = SolveAll(r, bs, Options{SpendBudget: true, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			worst := 0.0
			for _, res := range rs {
				if res.Score > 0 {
					worst = max(worst, res.Gap/res.Score)
				}
			}
			last := rs[len(rs)-1]
			b.ReportMetric(100*worst, "worst-gap-%")
			b.ReportMetric(100*last.Gap/last.Score, "planted-gap-%")
		})
	}
}

// BenchmarkBlockBound measures the block bound alone on planted-family
// matrices (families of ten, noise 0.3) with the families as blocks, for
// every number of groups up to the planted one, at 100, 300 and 1,000
// tasks (n=1000 is skipped with -short).
func BenchmarkBlockBound(b *testing.B) {
	for _, n := range []int{100, 300, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if n > 300 && testing.Short() {
				b.Skip("1,000 tasks: long")
			}
			a, family := plantedMatrix(1, n, 10, 1, 0.3)
			p := newPairWeights(zsumOf(a))
			for b.Loop() {
				blockBounds(p, family, n/10)
			}
		})
	}
}
