package selection

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tagroup/tag/taskmatrix"
)

// ErrInfeasible is returned when no set of allowed groups within the budget
// covers every task.
var ErrInfeasible = errors.New("the budget cannot cover every task with allowed groups")

// Result is a grouping and its quality.
type Result struct {
	// Groups are the chosen groups, each a list of task indices in
	// increasing order, ordered by their lowest task. Any number of tasks
	// fits.
	Groups [][]int
	// Assignment[j] is the index in Groups of the group that serves task j
	// (the one where j scores best; the first such on ties).
	Assignment []int
	// TaskScores[j] is task j's score in its serving group.
	TaskScores []float64
	// Score is the mean over tasks of TaskScores, in the rule's own sense
	// (mean affinity, or mean loss).
	Score float64
	// Optimal reports that Score is proven to be the optimum.
	Optimal bool
	// Bound is a proven bound on the optimum: no grouping within the budget
	// scores above it (maximizing) or below it (minimizing).
	Bound float64
	// Gap is |Bound − Score|, zero when Optimal.
	Gap float64
	// Cost is the number of budget units the groups use.
	Cost int
	// Elapsed is the solver's time on this budget. For budgets solved in
	// one pass ([SolveAll]), it is the time of this budget's own search,
	// without the work they share (the hierarchy and the bound).
	Elapsed time.Duration `json:"-"`
}

// GroupNames lists the chosen groups by task name, each in task order.
func (r *Result) GroupNames(tasks []string) [][]string {
	out := make([][]string, len(r.Groups))
	for i, g := range r.Groups {
		out[i] = make([]string, len(g))
		for k, j := range g {
			out[i][k] = tasks[j]
		}
	}
	return out
}

// Options tunes [Solve], [SolveMatrix] and [Anytime]. The zero value is
// usable.
type Options struct {
	// Seed fixes the anytime search's random choices.
	Seed uint64
	// Iterations bounds the anytime search's climbs (0: 200). Results are
	// deterministic for a given seed when the iteration limit, not the
	// time limit, ends the search.
	Iterations int
	// TimeLimit, if positive, also stops the anytime search.
	TimeLimit time.Duration
	// ExactWork caps the exact solver's estimated inner-loop steps; above it
	// Solve uses the anytime solver (0: 1.5e10, about 20 tasks).
	ExactWork float64
	// AllowSingletons and SingletonScore configure the affinity rule.
	AllowSingletons bool
	SingletonScore  float64
	// MaxGroupSize, if positive, allows only groups of at most this many
	// tasks (see [CapGroupSize]); 0 allows every size.
	MaxGroupSize int
	// SpendBudget sets Budget.Spend for a rule of disjoint groups (zsum):
	// use as many networks as the budget allows (exactly min(k, n) groups
	// under MaxNetworks(k)), the best grouping among those: exactly with
	// the exact solver, by the anytime search above its size. Rules whose
	// groups may overlap ignore it.
	SpendBudget bool `json:",omitempty"`
}

// Solve finds the best grouping under r and b: exactly, when the exact
// solver's estimated work is within opt.ExactWork, and otherwise with the
// anytime search.
func Solve(r Rule, b Budget, opt Options) (*Result, error) {
	start := time.Now()
	if usePartitionSearch(r, b, opt) {
		rs, err := solvePartitions(r.(*AffinitySum), []Budget{b}, opt)
		if err != nil {
			return nil, err
		}
		rs[0].Elapsed = time.Since(start)
		return rs[0], nil
	}
	if err := checkManyTasks(r, b, opt); err != nil {
		return nil, err
	}
	res, err := solveSmall(r, b, opt)
	if res != nil {
		res.Elapsed = time.Since(start)
	}
	return res, err
}

// solveSmall is [Solve] with the exact or the anytime solver.
func solveSmall(r Rule, b Budget, opt Options) (*Result, error) {
	r = CapGroupSize(r, opt.MaxGroupSize)
	if err := checkCapCover(r.N(), groupCap(r), b); err != nil {
		return nil, err
	}
	limit := opt.ExactWork
	if limit <= 0 {
		limit = defaultExactWork
	}
	b.Spend = b.Spend || opt.SpendBudget && isDisjoint(r)
	if w, ok := exactWork(r, b); ok && w <= limit {
		res, err := Exact(r, b)
		return res, explainCap(err, groupCap(r))
	}
	return Anytime(r, b, opt)
}

// RuleNames lists the rule names that [NewRule] accepts.
var RuleNames = []string{RuleZSum, RulePaper, "affinity", "cosine", RulePairLoss}

// NewRule builds a rule from a matrix: one of [AffinityRules] ("zsum",
// "paper"; see [AffinityRule]), "affinity" or "cosine" for the paper's
// rule ([Affinity]: maximize the mean in-group value; the names of the
// matrix kinds, kept for callers that name the matrix rather than the
// rule), or "pairloss" for [PairLoss] (minimize the mean pair loss).
func NewRule(m *taskmatrix.Matrix, rule string, opt Options) (Rule, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.N() > MaxTasks && rule != RuleZSum {
		return nil, CheckTasks(m.N(), rule, MaxNetworks(1), opt)
	}
	switch rule {
	case "affinity", "cosine":
		rule = RulePaper
	case RulePairLoss:
		return &PairLoss{L: m.Values}, nil
	}
	r, err := AffinityRule(rule, m.Values, opt)
	if err != nil {
		return nil, fmt.Errorf("unknown rule %q (want one of %s)", rule, strings.Join(RuleNames, ", "))
	}
	return r, nil
}

// SolveMatrixAll is [SolveAll] for a labelled matrix and a rule name (see
// [NewRule]).
func SolveMatrixAll(m *taskmatrix.Matrix, rule string, bs []Budget, opt Options) ([]*Result, error) {
	r, err := NewRule(m, rule, opt)
	if err != nil {
		return nil, err
	}
	return SolveAll(r, bs, opt)
}

// SolveMatrix is the entry point for a labelled matrix: it builds the named
// rule (see [NewRule]) and calls [Solve].
func SolveMatrix(m *taskmatrix.Matrix, rule string, b Budget, opt Options) (*Result, error) {
	r, err := NewRule(m, rule, opt)
	if err != nil {
		return nil, err
	}
	return Solve(r, b, opt)
}

// sign maps the rule's scores to "higher is better".
func sign(r Rule) float64 {
	if r.Minimize() {
		return -1
	}
	return 1
}

// boundSum is Σ_j TaskBound(j) in the maximizing sense.
func boundSum(r Rule) float64 {
	s := sign(r)
	t := 0.0
	for j := 0; j < r.N(); j++ {
		t += s * r.TaskBound(j)
	}
	return t
}

// newResult evaluates the grouping gs under r and b: it orders the groups,
// drops duplicates, serves each task by its best group and fills the
// score, bound and gap. boundMax is a bound on the summed maximizing-sense
// score.
func newResult(r Rule, b Budget, gs []Set, boundMax float64) (*Result, error) {
	n := r.N()
	gs = append([]Set(nil), gs...)
	sort.Slice(gs, func(a, c int) bool {
		la, lc := gs[a].Lowest(), gs[c].Lowest()
		if la != lc {
			return la < lc
		}
		return gs[a] < gs[c]
	})
	res := &Result{Assignment: make([]int, n), TaskScores: make([]float64, n)}
	var last Set
	s := sign(r)
	best := make([]float64, n)
	for j := range best {
		best[j] = math.Inf(-1)
		res.Assignment[j] = -1
	}
	sc := make([]float64, n)
	for _, g := range gs {
		if len(res.Groups) > 0 && last == g {
			continue
		}
		last = g
		if !r.Scores(g, sc) {
			return nil, fmt.Errorf("group %v is not allowed by the rule", g)
		}
		c, err := b.cost(g)
		if err != nil {
			return nil, err
		}
		res.Cost += c
		gi := len(res.Groups)
		res.Groups = append(res.Groups, g.Members())
		for x := g; x != 0; x &= x - 1 {
			j := x.Lowest()
			if v := s * sc[j]; v > best[j] || res.Assignment[j] < 0 {
				best[j], res.Assignment[j], res.TaskScores[j] = v, gi, sc[j]
			}
		}
	}
	total := 0.0
	for j := range best {
		if res.Assignment[j] < 0 {
			return nil, fmt.Errorf("task %d is in no chosen group", j)
		}
		total += best[j]
	}
	if res.Cost > b.Limit {
		return nil, fmt.Errorf("groups cost %d units, over the limit of %d", res.Cost, b.Limit)
	}
	res.Score = s * total / float64(n)
	if boundMax < total {
		boundMax = total // rounding: a proven bound is never below a reached score
	}
	res.Bound = s * boundMax / float64(n)
	res.Gap = (boundMax - total) / float64(n)
	if res.Gap <= 1e-12*math.Max(1, math.Abs(res.Score)) {
		res.Optimal, res.Bound, res.Gap = true, res.Score, 0
	}
	return res, nil
}
