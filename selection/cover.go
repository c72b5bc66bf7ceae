package selection

// CheckCover returns an error wrapping [ErrInfeasible] when budget b cannot
// pay for allowed groups (at most opt.MaxGroupSize tasks each, when set)
// that together hold n tasks. It lets a caller refuse an impossible
// configuration before computing the matrix to select on.
func CheckCover(n int, b Budget, opt Options) error {
	return explainCap(checkCapCover(n, opt.MaxGroupSize, b), opt.MaxGroupSize)
}
