package selection

import (
	"fmt"
	"strconv"

	"github.com/tagroup/tag/taskmatrix"
)

// CheckCover returns an error wrapping [ErrInfeasible] when budget b cannot
// pay for allowed groups (at most opt.MaxGroupSize tasks each, when set)
// that together hold n tasks. It lets a caller refuse an impossible
// configuration before computing the matrix to select on.
func CheckCover(n int, b Budget, opt Options) error {
	return explainCap(checkCapCover(n, opt.MaxGroupSize, b), opt.MaxGroupSize)
}

// CheckSolvable returns the error that [SolveMatrix] would return before
// searching, for a matrix of n tasks, the named rule (see [NewRule]),
// budget b and options opt: a rule or a budget whose search takes fewer
// tasks, or a budget that cannot cover them ([CheckCover]). It builds the rule on an n×n matrix
// of zeros (O(n²) memory) rather than restating the rules' limits, so that
// a caller can refuse a configuration before measuring the matrix. It does
// not search: a rule that has no allowed grouping for reasons only the
// search finds (the paper's rule, without singletons, on one task) passes.
func CheckSolvable(n int, rule string, b Budget, opt Options) error {
	if n < 1 {
		return fmt.Errorf("%d tasks: want at least 1", n)
	}
	m := taskmatrix.New(zeroNames(n))
	r, err := NewRule(m, rule, opt)
	if err != nil {
		return err
	}
	if usePartitionSearch(r, b, opt) {
		return nil
	}
	if err := checkManyTasks(r, b, opt); err != nil {
		return err
	}
	return CheckCover(n, b, opt)
}

// CheckAlternatives returns the error that [AlternativesMatrix] would
// return before searching for count groupings of n tasks under the named
// rule, budget b and options opt: those of [CheckSolvable], and, for more
// than one grouping, a task count above [MaxTasks] (the groupings that
// avoid a group are searched with 64-bit task sets).
func CheckAlternatives(n int, rule string, b Budget, opt Options, count int) error {
	if count < 1 {
		return fmt.Errorf("alternatives: count %d, want at least 1", count)
	}
	if count > 1 && n > MaxTasks {
		return fmt.Errorf("alternatives: %d tasks; candidate groupings are searched for up to %d tasks", n, MaxTasks)
	}
	return CheckSolvable(n, rule, b, opt)
}

// zeroNames returns n distinct task names.
func zeroNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "t" + strconv.Itoa(i)
	}
	return out
}
