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
// budget b and options opt: a rule that takes fewer tasks, or a budget that
// cannot cover them ([CheckCover]). It builds the rule on an n×n matrix
// of zeros (O(n²) memory) rather than restating the rules' limits, so that
// a caller can refuse a configuration before measuring the matrix. It does
// not search: a rule that has no allowed grouping for reasons only the
// search finds (the paper's rule, without singletons, on one task) passes.
func CheckSolvable(n int, rule string, b Budget, opt Options) error {
	if n < 1 {
		return fmt.Errorf("%d tasks: want at least 1", n)
	}
	m := taskmatrix.New(zeroNames(n))
	if _, err := NewRule(m, rule, opt); err != nil {
		return err
	}
	return CheckCover(n, b, opt)
}

// zeroNames returns n distinct task names.
func zeroNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "t" + strconv.Itoa(i)
	}
	return out
}
