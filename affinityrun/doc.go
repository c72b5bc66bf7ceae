// Package affinityrun keeps affinity runs and their updates: the record
// and files of one run that trained all tasks together and measured the
// lookahead affinity of Eq. 1 (run.json, affinity.csv, cosine.csv,
// trajectory.csv, the per-pair sums affinity-sums.json, the last
// weights weights.gob and the weights a quarter of the way through,
// weights-quarter.gob), and the update of such a run for a changed task
// set without starting over. Fresh is such a run from scratch (its
// configuration, training options, record and files around mtl.Train);
// PlanUpdate, Check and Run are an update; CheckFolder verifies a folder.
//
// An update removes tasks by dropping their rows and columns from the
// saved per-pair sums (no training: the result is the saved matrix
// restricted to the remaining tasks). It adds tasks by training all tasks
// together from where Continue.Start says: the initialization of the
// run's seed, as the saved run started, or its snapshot a quarter of the
// way through its training (SnapshotDivisor), or its last weights, the
// last two with a fresh head per new task; while measuring every pair, and keeping, for the
// pairs i → j that involve a new task, the sums of this measurement; the
// old pairs keep their saved sums (or, with Refresh, their saved sums plus
// the new measurements). The affinity of a pair is its sum over its
// count, as in a from-scratch run.
//
// The measurement ends by a stop rule that tracks what the user gets
// (GroupStability): every few steps the groups at the requested budgets
// are selected on the matrix measured so far, with the score margin over
// the best alternative grouping. The measurements between two checks go
// alternately to two interleaved halves; the groups are selected again on
// each half's means of the watched pairs (the new ones in an update,
// every pair in a run from scratch), and the adjusted Rand index of each
// half's groups against the full data's is the check's half agreement.
// The rule is met after a number of checks in a row whose groups equal
// the check before and whose half agreement reaches a threshold, for
// both halves, at one budget at least: the groups no longer change, and
// half the measurements would already give them where the data have a
// structure (at a budget off it, say four groups of three families, the
// split is arbitrary and no measurement settles which). The split-half reliability of the watched pairs'
// ranks, 2r/(1+r) with r the rank correlation of the two halves' means
// (Spearman–Brown), is recorded at each check and is an optional further
// gate (off by default: the ranks of pairs with no true affinity never
// settle). Each check and the reason the measurement ended are kept.
// After the measurement, the update
// groups the tasks before and after at each requested budget (the groups
// of `tag group` with its default options), says which groups are
// unchanged (their networks can be kept), and, given from-scratch runs on
// the new task set, their agreement with the update: the Spearman rank
// correlation over the ordered pairs involving a new task, against the
// yardstick of the from-scratch runs with each other. changes.md reports
// all of it; run.json records it under "update".
package affinityrun
