package selection

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAlternativesMatchBruteForce checks every alternative against brute
// force: the first is the optimum, and each other one is the optimum over
// the groupings that do not use one of the best grouping's groups, on every
// rule and budget model of the brute-force cases.
func TestAlternativesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	checked := 0
	for n := 3; n <= 6; n++ {
		for k := 1; k <= 3; k++ {
			for _, c := range bruteCases(rng, n, k) {
				alts, err := Alternatives(c.rule, c.b, Options{}, 4)
				if math.IsInf(brute(c, n), -1) {
					if err == nil {
						t.Errorf("%s n=%d: alternatives of an infeasible case", c.name, n)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s n=%d: %v", c.name, n, err)
				}
				s := sign(c.rule)
				if want := brute(c, n); math.Abs(s*alts[0].Score-want) > 1e-9 {
					t.Errorf("%s n=%d: best %g, brute force %g", c.name, n, s*alts[0].Score, want)
				}
				for _, a := range alts[1:] {
					// Some group of the best grouping is not in a; a must be
					// the brute-force optimum without one such group.
					ok := false
					for _, g := range groupSets(alts[0]) {
						if slices.Contains(groupSets(a), g) {
							continue
						}
						c2 := c
						c2.refused = g
						if math.Abs(s*a.Score-brute(c2, n)) <= 1e-9 {
							ok = true
						}
					}
					if !ok {
						t.Errorf("%s n=%d: alternative %v (score %g) is no optimum without a group of the best %v",
							c.name, n, groupSets(a), a.Score, groupSets(alts[0]))
					}
					if s*a.Score > s*alts[0].Score+1e-9 {
						t.Errorf("%s n=%d: alternative scores above the best", c.name, n)
					}
					checked++
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d alternatives checked", checked)
	}
}
