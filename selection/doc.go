// Package selection chooses which groups of tasks to train together: the
// network-selection step of Task Affinity Groupings (TAG; Fifty et al.,
// "Efficiently Identifying Task Groupings for Multi-Task Learning",
// NeurIPS 2021, §2) and of the earlier higher-order approximation (HOA) of
// Standley et al., "Which Tasks Should Be Learned Together in Multi-task
// Learning?", ICML 2020.
//
// # Problem
//
// A grouping is a set of groups (subsets of the n tasks) whose union is
// every task. Groups may overlap; each task is served by the chosen group
// in which it scores best. A scoring rule ([Rule]) gives s_G(j), the score
// of task j inside group G, and says whether scores are maximized
// (affinities) or minimized (losses). The value of a grouping is the mean
// over tasks of each task's best score. A budget ([Budget]) limits which sets
// of groups may be chosen: at most k networks (TAG), Standley's cost model
// (a multi-task network costs 1, a single-task network 0.5, against a real
// budget) or any integer cost per group.
//
// Rules provided: [Affinity] (TAG, and cosine similarity: s_G(j) is the mean
// over i in G, i ≠ j, of A[i][j]; singletons are refused unless allowed
// with a fixed score), [PairLoss] (HOA: s_G(j) is the mean over partners i
// in G of L[i][j], and L[j][j] for a task alone; minimized) and [GroupLoss]
// (the true loss of each task in each listed group, as exhaustive training
// measures it; minimized).
//
// # Exact solver
//
// [Exact] rests on one observation. Given an optimal set of groups, let
// each task be served by its best group; the tasks served by the same group
// form a block, and the blocks partition the tasks. Conversely, any
// partition into blocks, each served by some allowed group containing it,
// is a grouping worth at least the sum of the blocks' values, because
// letting every task pick its best group can only raise its score. Two
// blocks served by the same group cost that group once, and are the same as
// their union served by it, which the search also meets. Hence
//
//	optimum = max over partitions {B_1..B_m} of Σ v(B_i)
//	v_c(B)  = max over allowed G ⊇ B with cost(G) = c of Σ_{j∈B} s_G(j)
//
// subject to Σ c_i ≤ budget. The solver computes v_c for every block by
// walking, for every allowed group G, all 2^|G| sub-blocks with running
// sums (3^n steps in all), then runs a dynamic program over subsets and
// budget units in which each step removes the block holding the lowest
// remaining task (k·3^(n-1)/2 steps for k networks). It proves optimality
// and is practical up to about 20 tasks.
//
// # Anytime solver
//
// [Anytime] handles up to 64 tasks: iterated local search over sets of
// groups (add, drop or move a task; open, drop or merge a group), seeded by
// a random or one-group start and perturbed between climbs, deterministic
// for a given seed and iteration limit. It reports a proven bound: the mean
// over tasks of the best score each task can reach in any allowed group
// ([Rule.TaskBound]), which no grouping under any budget can beat, and the
// gap between that bound and the grouping found.
//
// [Solve] and [SolveMatrix] pick the exact solver when its work estimate is
// small enough and the anytime solver otherwise.
package selection
