package selection

import (
	"fmt"
	"math"
	"strings"
)

// Names of the affinity selection rules, for flags and for [AffinityRule].
const (
	// RulePaper is the rule of the TAG paper, [Affinity] on the raw
	// matrix: a task scores the mean affinity onto it from its partners.
	RulePaper = "paper"
	// RuleZSum is [AffinitySum] on the [Standardize]d matrix with
	// [ZSumCharge]: a task scores the sum, over its groupmates, of their
	// affinity onto it in standard units of its own column less the
	// charge, and 0 alone; groups are disjoint.
	RuleZSum = "zsum"
	// RulePairLoss is [PairLoss] on a pair-loss matrix (HOA): minimize,
	// over tasks, the mean pair loss of the best chosen group of each.
	RulePairLoss = "pairloss"
	// DefaultRule is the rule used when none is named.
	DefaultRule = RuleZSum
)

// DefaultSpendBudget is whether the command line's selection spends the
// whole budget by default (Options.SpendBudget: exactly min(k, n) groups
// under rule zsum); docs/spend-budget.md says why.
const DefaultSpendBudget = true

// ZSumCharge is the charge per groupmate of the zsum rule, in standard
// units of the target's column: a groupmate is worth its place only if it
// helps the target by more than 0.75 standard deviations above the
// target's average partner. How it was chosen: docs/zsum-charge.md.
const ZSumCharge = 0.75

// AffinityRules lists the names [AffinityRule] accepts, the default first.
var AffinityRules = []string{RuleZSum, RulePaper}

// AffinityRule builds the named affinity selection rule over a, whose row
// i, column j is the effect of task i on task j (a TAG affinity or a
// gradient cosine matrix):
//
//   - "zsum" ([RuleZSum], the default): [AffinitySum] on Standardize(a)
//     with Charge [ZSumCharge].
//     Singletons are always allowed, at the neutral score 0; the singleton
//     options of opt are ignored.
//   - "paper" ([RulePaper]): [Affinity] on a, exactly as published, with
//     opt.AllowSingletons and opt.SingletonScore.
//
// a itself is not modified.
func AffinityRule(name string, a [][]float64, opt Options) (Rule, error) {
	switch name {
	case RuleZSum:
		return &AffinitySum{A: Standardize(a), Charge: ZSumCharge}, nil
	case RulePaper:
		return &Affinity{A: a, AllowSingletons: opt.AllowSingletons, SingletonScore: opt.SingletonScore}, nil
	}
	return nil, fmt.Errorf("unknown selection rule %q (want one of %s)", name, strings.Join(AffinityRules, ", "))
}

// Standardize returns a copy of the square matrix a in which every column
// j's off-diagonal entries (the effects of the other tasks on target j)
// are replaced by their z-scores within that column:
//
//	Z[i][j] = (a[i][j] − μ_j) / σ_j,  i ≠ j,
//
// μ_j and σ_j being the mean and the population standard deviation of the
// n−1 entries a[i][j], i ≠ j. The diagonal is set to 0, as is a whole
// column whose entries are all equal (σ_j = 0, for example with two
// tasks), where no partner is better than another.
//
// Why per column: lookahead affinities are relative loss changes of the
// target task, so their scale is the target's own (how fast its loss moves),
// and it differs by orders of magnitude between targets; without
// normalization the targets with the largest scale decide the grouping.
// Why centring as well as scaling: a lookahead step on a shared trunk
// usually helps every target a little, so raw affinities are mostly
// positive and any partner looks worth having. After centring, a partner
// scores positive only when it helps the target more than the target's
// average partner, which turns the sum of [AffinitySum] into a criterion
// that charges for group size (see [AffinitySum]). The standard deviation,
// rather than the mean absolute value, gives unit variance to every
// column, so each target's preferences weigh the same.
func Standardize(a [][]float64) [][]float64 {
	n := len(a)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
	}
	if n < 2 {
		return out
	}
	for j := 0; j < n; j++ {
		mean := 0.0
		for i := 0; i < n; i++ {
			if i != j {
				mean += a[i][j]
			}
		}
		mean /= float64(n - 1)
		ss, big := 0.0, 0.0
		for i := 0; i < n; i++ {
			if i != j {
				d := a[i][j] - mean
				ss += d * d
				big = max(big, math.Abs(a[i][j]))
			}
		}
		sd := math.Sqrt(ss / float64(n-1))
		if !(sd > 1e-12*big) {
			continue // a constant column (up to rounding): no partner is better than another
		}
		for i := 0; i < n; i++ {
			if i != j {
				out[i][j] = (a[i][j] - mean) / sd
			}
		}
	}
	return out
}

// AffinitySum scores task j inside a group G by the sum of the affinities
// onto it from its groupmates less a charge per groupmate,
// s_G(j) = Σ_{i∈G, i≠j} (A[i][j] − Charge), and a task alone by the
// neutral score 0. Higher is better; every group is allowed, and groups
// are disjoint ([Partitioner]).
//
// On a [Standardize]d matrix the value of a partition is
// Σ_G Σ_{i≠j∈G} ((a_ij − μ_j)/σ_j − Charge): every ordered pair of
// groupmates pays the target's average partner effect plus the charge. A
// group of m tasks pays m(m−1) such charges, so a large leftover group of
// tasks without strong partners costs more than spreading them over the
// groups (balanced sizes pay least), and a strong pair stays together
// inside a larger group rather than alone. The paper's mean ([Affinity])
// has no such charge: a mean over one strong partner is as high as any
// mean, and its optimum under k networks is often a few high-affinity
// pairs plus one group holding every other task. Grad-TAG's average
// density (the in-group sum divided by |G|) keeps that weakness: a strong
// pair keeps its full value while the leftover's charge is divided by its
// size. On weak, noise-like affinities the charge makes the partition
// balanced, as random partitions are.
type AffinitySum struct {
	// A[i][j] is the (normalized) affinity of task i onto task j; the
	// diagonal is unused.
	A [][]float64
	// Charge is subtracted from every affinity between groupmates: the
	// price of sharing a network with one more task.
	Charge float64
}

// N is the number of tasks.
func (r *AffinitySum) N() int { return len(r.A) }

// Minimize is false: affinities are maximized.
func (r *AffinitySum) Minimize() bool { return false }

// Scores sets the summed in-group affinity onto each member of g (0 for a
// group of one task); every group is allowed.
func (r *AffinitySum) Scores(g Set, s []float64) bool {
	if !partnerSums(r.A, g, s, 1) {
		s[g.Lowest()] = 0
		return true
	}
	if r.Charge != 0 {
		c := r.Charge * float64(g.Len()-1)
		for x := g; x != 0; x &= x - 1 {
			s[x.Lowest()] -= c
		}
	}
	return true
}

// TaskBound is the sum of the positive affinities onto j: the score of j
// with exactly its helpful partners (0 alone, when none helps).
func (r *AffinitySum) TaskBound(j int) float64 {
	b := 0.0
	for i, row := range r.A {
		if i != j && row[j] > r.Charge {
			b += row[j] - r.Charge
		}
	}
	return b
}

// SizeBounds gives, for a group of m tasks, the sum of the m−1 largest
// affinities onto task j, reached by j with its m−1 best partners, and 0
// for m = 1.
func (r *AffinitySum) SizeBounds() [][]float64 {
	out := sortedPartners(r.A, 0, false, false)
	for _, b := range out {
		for m := 2; m < len(b); m++ {
			b[m] -= r.Charge * float64(m-1)
		}
	}
	return out
}

// ScoreName describes the Score of a [Result] under the named rule (one of
// [AffinityRules], or the matrix kinds of [NewRule]), for table headers.
func ScoreName(rule string) string {
	switch rule {
	case RuleZSum:
		return "mean summed z-affinity"
	case RulePairLoss:
		return "mean loss"
	}
	return "mean affinity"
}

// Partitioner is an optional interface of a [Rule] whose groupings are
// partitions: every task is in exactly one chosen group, so a group's
// value counts every member. [Exact] then values a block only in the
// group equal to it, and [Anytime] moves only between partitions.
type Partitioner interface {
	// Disjoint reports whether chosen groups must be disjoint.
	Disjoint() bool
}

// Disjoint is true: under a sum, a task that joins a second group only to
// raise its groupmates' sums (served by another group itself, so its own
// score there is not counted) would make every group large; a partition
// charges each task's score in the one network that trains it.
func (r *AffinitySum) Disjoint() bool { return true }

// isDisjoint reports whether r, possibly size-capped, is a [Partitioner]
// whose groups must be disjoint.
func isDisjoint(r Rule) bool {
	switch c := r.(type) {
	case *capped:
		r = c.Rule
	case *cappedList:
		r = c.Rule
	}
	p, ok := r.(Partitioner)
	return ok && p.Disjoint()
}
