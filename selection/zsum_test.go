package selection

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
)

// TestStandardizeHand checks Standardize against z-scores worked out by
// hand. Column 0 holds 1 and 3 off the diagonal (mean 2, standard deviation
// 1: z = −1, 1); column 1 holds 2 and 2 (constant: 0); column 2 holds 0.01,
// 0.02 and 0.06 scaled by 1e-3 (mean 0.03e-3, population variance
// (0.0004+0.0001+0.0009)/3 = 0.0014/3 in the unscaled units, so z = −0.02,
// −0.01, 0.03 over sqrt(0.0014/3)).
func TestStandardizeHand(t *testing.T) {
	a := [][]float64{
		{9, 2, 0.01e-3, 5},
		{1, 7, 0.02e-3, 5},
		{3, 2, 8, 5},
		{2, 2, 0.06e-3, 4},
	}
	// Column 0 now holds 1, 3, 2: mean 2, variance 2/3.
	sd0 := math.Sqrt(2.0 / 3)
	sd2 := math.Sqrt(0.0014 / 3)
	want := [][]float64{
		{0, 0, -0.02 / sd2, 0},
		{-1 / sd0, 0, -0.01 / sd2, 0},
		{1 / sd0, 0, 0, 0},
		{0, 0, 0.03 / sd2, 0},
	}
	orig := [][]float64{}
	for _, r := range a {
		orig = append(orig, append([]float64(nil), r...))
	}
	got := Standardize(a)
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-9 {
				t.Errorf("Z[%d][%d] = %.12g, want %.12g", i, j, got[i][j], want[i][j])
			}
		}
	}
	if !reflect.DeepEqual(a, orig) {
		t.Errorf("Standardize modified its input")
	}
	// A column's scale and offset do not matter.
	for i := range a {
		a[i][2] = 1000*a[i][2] - 7
	}
	z := Standardize(a)
	for i := range z {
		if math.Abs(z[i][2]-got[i][2]) > 1e-9 {
			t.Errorf("scaled column: Z[%d][2] = %g, want %g", i, z[i][2], got[i][2])
		}
	}
	// Tiny scales are standardized like any other; a column constant up to
	// rounding is not.
	tiny := Standardize([][]float64{{0, 1e-20, 0.1}, {3e-20, 0, 0.1 + 3e-17}, {1e-20, 3e-20, 0}})
	if want := [][]float64{{0, -1, 0}, {1, 0, 0}, {-1, 1, 0}}; !approxEqual(tiny, want) {
		t.Errorf("tiny scales: %v, want %v", tiny, want)
	}
	if got := Standardize([][]float64{{1, 2}, {3, 4}}); !reflect.DeepEqual(got, [][]float64{{0, 0}, {0, 0}}) {
		t.Errorf("two tasks: %v, want zeros", got)
	}
}

// pairsInNoise returns an affinity matrix shaped like the degenerate case
// measured on 14 real binary labels: the pairs {0,1}, {2,3} and {4,5} help
// each other strongly, every other entry is weak noise around a small
// positive mean, and each target's column has its own scale (a factor
// between 1 and 0.01).
func pairsInNoise(seed uint64, n int) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 77))
	scale := make([]float64, n)
	for j := range scale {
		scale[j] = math.Pow(10, -2*rng.Float64())
	}
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
		for j := range a[i] {
			if i != j {
				a[i][j] = scale[j] * (0.002 + 0.002*rng.NormFloat64())
			}
		}
	}
	for p := 0; p < 6; p += 2 {
		a[p][p+1] += 0.02 * scale[p+1]
		a[p+1][p] += 0.02 * scale[p]
	}
	return a
}

// TestDegenerateGrouping is the regression test of the "pairs plus one
// leftover" shape. On 14 tasks with three strong pairs in weak noise, the
// paper's rule isolates pairs and puts (nearly) every other task in one
// group at every budget from 2 to 5; zsum uses the budget in disjoint
// groups whose sizes differ by at most 2 tasks (at most ⌈14/k⌉+1 tasks
// each), and keeps each strong pair in one group.
func TestDegenerateGrouping(t *testing.T) {
	const n = 14
	for seed := uint64(1); seed <= 3; seed++ {
		a := pairsInNoise(seed, n)
		m := &taskmatrix.Matrix{Tasks: make([]string, n), Values: a}
		for j := range m.Tasks {
			m.Tasks[j] = string(rune('a' + j))
		}
		for k := 2; k <= 5; k++ {
			paper, err := SolveMatrix(m, RulePaper, MaxNetworks(k), Options{})
			if err != nil {
				t.Fatal(err)
			}
			pairs, largest := 0, 0
			for _, g := range groupSets(paper) {
				if g.Len() == 2 {
					pairs++
				}
				largest = max(largest, g.Len())
			}
			// The leftover holds at least the tasks the pairs leave.
			if pairs < k-1 || largest < n-2*(k-1) {
				t.Errorf("seed %d, k=%d: paper rule gives %v; want %d pairs and one group of at least %d tasks",
					seed, k, groupSets(paper), k-1, n-2*(k-1))
			}
			z, err := SolveMatrix(m, DefaultRule, MaxNetworks(k), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var union Set
			lo, hi := n, 0
			for _, g := range groupSets(z) {
				if union&g != 0 {
					t.Errorf("seed %d, k=%d: zsum groups %v overlap", seed, k, groupSets(z))
				}
				union |= g
				lo, hi = min(lo, g.Len()), max(hi, g.Len())
			}
			if len(groupSets(z)) != k || hi-lo > 2 || hi > (n+k-1)/k+1 {
				t.Errorf("seed %d, k=%d: zsum gives %v; want %d groups of balanced sizes", seed, k, groupSets(z), k)
			}
			for p := 0; p < 6; p += 2 {
				if groupSets(z)[z.Assignment[p]] != groupSets(z)[z.Assignment[p+1]] {
					t.Errorf("seed %d, k=%d: zsum groups %v split the pair %d, %d", seed, k, groupSets(z), p, p+1)
				}
			}
		}
	}
}

// TestAffinityRuleNames checks the registry: every listed name builds its
// rule, the matrix-kind names still mean the paper's rule, and an unknown
// name is refused with the list.
func TestAffinityRuleNames(t *testing.T) {
	a := [][]float64{{0, 1, 2}, {3, 0, 4}, {5, 6, 0}}
	if AffinityRules[0] != DefaultRule {
		t.Errorf("AffinityRules %v: the default %q is not first", AffinityRules, DefaultRule)
	}
	r, err := AffinityRule(RuleZSum, a, Options{})
	if s, ok := r.(*AffinitySum); err != nil || !ok || s.Charge != ZSumCharge || !reflect.DeepEqual(s.A, Standardize(a)) {
		t.Errorf("zsum: %#v, %v", r, err)
	}
	r, err = AffinityRule(RulePaper, a, Options{AllowSingletons: true, SingletonScore: 0.5})
	if p, ok := r.(*Affinity); err != nil || !ok || !p.AllowSingletons || p.SingletonScore != 0.5 || !reflect.DeepEqual(p.A, a) {
		t.Errorf("paper: %#v, %v", r, err)
	}
	m := &taskmatrix.Matrix{Tasks: []string{"x", "y", "z"}, Values: a}
	for _, name := range []string{"affinity", "cosine"} {
		if r, err := NewRule(m, name, Options{}); err != nil || !reflect.DeepEqual(r, &Affinity{A: a}) {
			t.Errorf("NewRule(%q) = %#v, %v; want the paper's rule", name, r, err)
		}
	}
	if _, err := AffinityRule("mean", a, Options{}); err == nil || err.Error() != `unknown selection rule "mean" (want one of zsum, paper)` {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := NewRule(m, "mean", Options{}); err == nil {
		t.Errorf("NewRule accepts an unknown name")
	}
}

// approxEqual reports whether two matrices agree to 1e-9.
func approxEqual(a, b [][]float64) bool {
	for i := range a {
		for j := range a[i] {
			if math.Abs(a[i][j]-b[i][j]) > 1e-9 {
				return false
			}
		}
	}
	return len(a) == len(b)
}
