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
// budget) or any integer cost per group. A rule may require disjoint
// groups ([Partitioner]); then every task is in exactly one group.
//
// Rules provided: [Affinity] (TAG, and cosine similarity: s_G(j) is the mean
// over i in G, i ≠ j, of A[i][j]; singletons are refused unless allowed
// with a fixed score), [PairLoss] (HOA: s_G(j) is the mean over partners i
// in G of L[i][j], and L[j][j] for a task alone; minimized) and [GroupLoss]
// (the true loss of each task in each listed group, as exhaustive training
// measures it; minimized), and [AffinitySum] (s_G(j) is the sum over
// partners i in G of A[i][j] less a charge per partner, 0 alone; groups
// are disjoint).
//
// # Rules by name
//
// [AffinityRule] builds an affinity rule by name ([AffinityRules]):
// "zsum", the default ([DefaultRule]), is [AffinitySum] with charge
// [ZSumCharge] on the matrix [Standardize]d per target (each column's
// off-diagonal entries as z-scores); "paper" is [Affinity] on the raw
// matrix, the published rule exactly. The paper's rule degenerates on
// weak or unevenly scaled affinities: its optimum under k networks is
// often a few high-affinity pairs plus one group holding every other task.
// zsum compares targets on one scale and charges every groupmate, so that
// large groups must earn their size; on noise it splits the tasks evenly,
// and it keeps strong pairs and planted families together.
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
// and is practical up to about 20 tasks. For a rule whose groups must be
// disjoint ([Partitioner]), a block is valued only in the group equal to
// it (2^n values), and the program is the same. Both passes run on GOMAXPROCS
// goroutines with bit-identical results: the block values are split by
// which of the highest-numbered tasks a block holds, so that every value
// is written by one goroutine, summed in the same order (highest member
// first) and tie-broken by the lowest group, as in one pass; the program's
// layers read only lower layers, so each layer splits into independent
// ranges of subsets.
//
// # Anytime solver
//
// [Anytime] handles up to 64 tasks: iterated local search over sets of
// groups (add, drop or move a task; open, drop or merge a group), seeded by
// a random or one-group start and perturbed between climbs, deterministic
// for a given seed and iteration limit. For disjoint rules it moves only
// between partitions (move a task to another or a new group, move two
// tasks into a new group, merge or exchange). For rules that allow only listed
// groups ([GroupLoss]) it moves among listed groups alone (drop, replace or
// add a group), and between climbs it drops one to three groups and covers
// the tasks again by a depth-first search over listed groups.
//
// # Budget-aware bound
//
// The anytime solver reports a proven bound on the optimum and the gap to
// it. The budget-blind bound Σ_j b_j/n, b_j being the best score task j
// reaches in any allowed group ([Rule.TaskBound]), ignores the budget. For
// rules that implement [SizeBounder], with scores read in the maximizing
// sense, let S_j(m) be the best score of task j in any allowed group of
// exactly m tasks: for [Affinity] the mean of the m−1 largest entries of
// column j off the diagonal (reached by j with its m−1 best partners), for
// [PairLoss] minus the mean of the m−1 smallest, for [GroupLoss] the best
// over listed groups of m tasks. Let c(m) be the cost of a group of m
// tasks when [Budget.SizeCost] is set (1 for [MaxNetworks]; 1 and 2
// half-units for [StandleyCost]) and c(m) = 1 otherwise, below which no
// cost lies.
//
// Claim: any grouping within a budget of K units has a summed score of at
// most, for every μ ≥ 0,
//
//	U(μ) = μ·K + Σ_j max over m of [S_j(m) − μ·c(m)/m].
//
// Proof. Serve each task j by its best chosen group G_j; the tasks served
// by one group form a block B_j ⊆ G_j. Task j scores at most S_j(|G_j|).
// Blocks are served by distinct chosen groups, so Σ over blocks of
// cost(G) ≤ K; spreading each group's cost evenly over its block gives
// Σ_j c(|G_j|)/|B_j| ≤ K (with cost(G) ≥ c(|G|)), and as |B_j| ≤ |G_j|,
// Σ_j c(m_j)/m_j ≤ K for m_j = |G_j|. Hence the score is at most
// Σ_j S_j(m_j) + μ·(K − Σ_j c(m_j)/m_j) ≤ U(μ). ∎
//
// U is convex and piecewise linear in μ; the solver bisects on the sign of
// its slope and keeps the least value met. U(0) is the budget-blind bound,
// so the bound never gets worse; with one network it is exact, since the
// shares c(m)/m ≥ 1/n can only sum to 1 when every task takes m = n. The
// relaxation still lets each task pick its best partners independently of
// the others, which real groups cannot do; on unstructured random matrices
// it roughly halves the budget-blind gap for two networks and narrows it
// less for more networks.
//
// # Group-size cap
//
// TAG's score lets one large leftover group serve every task without a
// strong partner, which can overload a narrow shared trunk. [CapGroupSize]
// (or [Options].MaxGroupSize) allows only groups of at most M tasks: the
// capped rule refuses larger groups, so the exact solver considers only
// allowed groups, and its size bounds S_j(m) are the losing infinity for
// m > M, so the bound above holds under the cap. The anytime search then
// also exchanges tasks between two groups, the move that keeps sizes when
// groups are full. A budget that cannot pay for groups of at most M tasks
// holding all n tasks (for k networks, k·M < n) gives [ErrInfeasible].
//
// # Partition search (any number of tasks)
//
// Rule zsum ([AffinitySum]) under budgets of k networks, without a size
// cap, is a partition problem over symmetric pair weights: the summed
// score of a partition is Σ over unordered same-group pairs {i, j} of
// w_ij = A_ij + A_ji − 2·charge. Above the exact solver's size, and at
// any number of tasks, [Solve] and [SolveAll] hand it to a search that
// keeps, for every task j and group g, the summed weight of j to g, so
// that moving a task is valued in O(1) and made in O(n), and an exchange
// of two tasks between groups is valued in O(1). For every number of
// groups K the calls need (exactly min(k, n) with Options.SpendBudget, 1
// to k otherwise) it climbs, by moves and exchanges, from the cut at K
// groups of one average-linkage hierarchy on w (nearest-neighbour chain,
// O(n²)), from the best partition at the next larger K with its two most
// attached groups merged, and from the best at the next smaller K with a
// group split; then it perturbs the best partition Options.Iterations
// times (random moves of a few tasks, or the members of two groups dealt
// again between them), climbs by moves and keeps the result when better.
// Last it climbs the partitions of the block bound (see "Block bound").
// All budgets of a call are solved in one pass; results are deterministic
// for a seed when the iteration limit, not Options.TimeLimit, ends the
// search. The paper's rule, [PairLoss], [GroupLoss], group-size caps and
// other budgets take at most [MaxTasks] tasks (their search works on
// 64-bit sets); above it [Solve] refuses them in one line naming rule
// zsum, and [CheckTasks] says so before any work.
//
// # Bound for partitions
//
// For partitions into exactly K groups the search reports a proven bound.
// Let g_ij be any gains such that a partition's summed score is
// Σ_j Σ_{i in j's group, i≠j} g_ij: the column form g_ij = A_ij − charge
// (task j's own score) and the symmetric form g_ij = w_ij/2 both qualify,
// as does any g + Λ with Λ antisymmetric. Let T_j(m) be the sum of the
// m−1 largest g_ij over i ≠ j (T_j(1) = 0).
//
// Claim: every partition into exactly K groups has a summed score of at
// most, for every real μ,
//
//	L(μ) = μ·K + Σ_j max over m of [T_j(m) − μ/m].
//
// Proof. Let m_j be the size of task j's group. Task j's part of the
// score is a sum of m_j−1 gains of j, at most T_j(m_j). Every group of m
// tasks contributes Σ 1/m = 1 over its members, so Σ_j 1/m_j = K exactly,
// and the score is at most Σ_j T_j(m_j) + μ·(K − Σ_j 1/m_j) ≤ L(μ). ∎
//
// As K is met exactly, μ may be negative as well as positive: a negative
// μ charges large groups, which the budget as a maximum cannot. L is
// convex and piecewise linear, its slope K − Σ_j 1/m_j(μ) rising at the
// breakpoints of each task's upper envelope of lines μ ↦ T_j(m) − μ/m; one
// walk up the sorted breakpoints gives its minimum for every K, and the
// reported bound is the lesser of the two forms. A budget of at most k
// networks takes the largest bound over K ≤ k. When each task's m−1
// strongest partners are its own group in the best partition (planted
// families with clear signal) and one μ makes every task choose its
// group's size, L(μ) equals the score and the grouping is proven optimal.
// The relaxation lets each task pick its best partners alone, which real
// groups, whose members must all be partners of each other, cannot: with
// many tasks and noisy affinities each task finds strong partners by
// chance outside its group, and the gap grows with n and with the noise
// (see docs/scale.md for measured gaps).
//
// # Spectral bound
//
// A second bound holds for partitions into at most K groups. Let X be the
// partition's n×n matrix, X_ij = 1 when i and j share a group (X_ii = 1),
// W the pair weights (zero diagonal) and J the all-ones matrix. The summed
// score is ½⟨W, X⟩. X = Σ_G 1_G·1_Gᵀ is positive semidefinite with trace
// n, and ⟨J, X⟩ = Σ_G |G|² ≥ n²/K by Cauchy–Schwarz over at most K
// groups. Hence, for every β ≥ 0,
//
//	½⟨W, X⟩ = ½(⟨W + βJ, X⟩ − β·Σ_G |G|²) ≤ ½(n·λ_max(W + βJ) − β·n²/K),
//
// since ⟨M, X⟩ ≤ λ_max(M)·trace(X) for X ⪰ 0. W is reduced once to
// tridiagonal form T = QᵀWQ by Householder reflections ((4/3)n³
// operations) with v = Qᵀ1, so that W + βJ is similar to T + β·vvᵀ. A
// value x is above every eigenvalue of T + β·vvᵀ exactly when the LDLᵀ
// pivots of T − xI are all negative and 1 + β·vᵀ(T − xI)⁻¹v > 0 (the
// matrix determinant lemma with interlacing), an O(n) test; bisection on x
// gives λ_max to a relative 1e-12, from above, plus a margin for the
// rounding of the reduction. The bound is convex in β, minimized by a
// golden-section search, and every value tried is valid. It is much
// tighter than the per-task bound when the budget forces families
// together (few groups), and looser near the planted number of groups;
// the reported bound is the least of these three and the block and
// component bounds below.
//
// # Block bound
//
// A third bound, and candidate partitions, come from a blocking: any
// partition of the tasks into blocks, in practice the best partition
// found at the smallest number of groups whose groups all have at most 10
// tasks (the planted families, when the affinities show them). For every
// block b of s tasks a dynamic program over its subsets (s·3^s steps)
// gives best_b(k), the largest summed weight of a partition of b alone
// into exactly k groups, and such a partition (a block of more than 10
// tasks gets the count bound of its own weights instead).
//
// Claim: a partition P into exactly K groups has a summed score of at most
//
//	max over t ≥ K of [F(t) + C(t − K)],
//
// where F(t) is the largest Σ_b best_b(k_b) over piece counts k_b ≥ 1
// with Σ_b k_b = t (a knapsack over the blocks), and C(d) bounds the
// summed weight of the same-group pairs from different blocks.
//
// Proof. Call the non-empty intersections of P's groups with a block its
// pieces, k_b of them in block b, t = Σ_b k_b in all. Every group holds
// at least one piece, so t ≥ K, and d = t − K = Σ_G (q_G − 1) for q_G the
// pieces of group G. The pairs inside one block weigh at most
// best_b(k_b); the rest, pairs across blocks, are counted by C(d), the
// least of three bounds, each at least the sum of the positive weights
// across blocks that P can put in one group: (by task) a group of q ≥ 2
// pieces holds at most q·s_max ≤ 2(q−1)·s_max tasks, so at most 2d·s_max
// tasks have a partner from another block, each at most d·s_max of them;
// (by block pair) the pairs of blocks a, b meeting in some group number
// at most Σ_G q_G(q_G−1)/2 ≤ d(d+1)/2, and those pairs are distinct pairs
// of a × b, so each meeting pair of blocks weighs at most the sum P_ab of
// the positive weights between a and b; (by block) block a meets at most
// d other blocks, so the meeting pairs weigh at most ½ Σ_a (the d largest
// P_ab). ∎
//
// A second bound from the same blocks charges what merging whole blocks
// costs. Claim: for every μ ≥ 0 a partition into exactly K groups scores
// at most
//
//	μ·K + Σ_a max(max over q of [in_a + ½·V_a(q) − μ/q], split_a + x_a),
//
// where in_a is block a's own weight (best_a(1)), V_a(q) the sum of the
// q−1 largest summed weights W_ab between a and another block, split_a =
// max over k ≥ 2 of best_a(k), and x_a = Σ_{b≠a} max(R_ab, ½P_ab) with
// R_ab = Σ_{i∈a} max(0, w(i, b)), w(i, b) the summed weight from task i to
// block b.
//
// Proof. Call a block whole when one group holds it all, split otherwise.
// A whole block a in a group with q_a whole blocks has its own weight and
// shares with them ½ Σ W_ab ≤ ½·V_a(q_a); the groups holding whole blocks
// number Σ 1/q_a ≤ K, so adding μ(K − Σ 1/q_a) ≥ 0 keeps a bound. A split
// block scores at most split_a inside, and its pairs with other blocks:
// with a whole block b (in one group, beside the piece of a there), the
// pairs weigh Σ over that piece of w(i, b) ≤ R_ab; with a split block b,
// at most P_ab, counted half from each side. The pairs of two whole blocks
// in different groups are not counted, those of one group are. ∎
//
// Its weak point is the split choice, whose pieces take no share of the K
// groups: it helps where splitting a block costs more than its positive
// weights to others can give.
//
// When no weight across blocks is positive (C = 0) and every block is
// solved exactly, the bound at K at or above the number of blocks is the
// value of the best partition that splits each block on its own, and the
// knapsack's choice at t = K is such a partition: the search climbs it for
// every budget, so the optimum is found and proven (on the planted
// matrices of 100 and 300 tasks, every budget from the planted one up).
// Below the number of blocks the search also looks among the partitions
// of whole blocks (the partition search on the blocks' summed cross
// weights) and climbs the best from its tasks.
//
// # Component bound
//
// Below the number of blocks the bounds above let a split block's pieces
// sit with other blocks almost free. When no weight between two blocks is
// positive, every block has at most 10 tasks and there are at most 12
// blocks, a fourth bound charges them, for numbers of groups below the
// number of blocks. Call the pieces of a partition P as in "Block bound",
// and join two blocks when some group holds pieces of both; the classes of
// this relation are P's components: sets of blocks whose tasks fill some
// of the groups on their own. Let ω ≥ 0 be a charge such that every pair
// (i, j) across blocks has w_ij ≤ −ω (minus the largest weight across
// blocks). For a set U of u blocks with N_U tasks, s_min the fewest tasks
// of a block, and g ≥ 1 groups, let
//
//	Φ(U, g) = best_a(g)                                    if U = {a}
//	Φ(U, 1) = Σ_{a∈U} best_a(1) + Σ_{a<b in U} W_ab        (one group)
//	Φ(U, g) = max of Σ_{a∈U} φ_a(k_a, f_a) − ½·ω·L(U, g, Σ_a f_a)  (g ≥ 2)
//
// with the maximum over 1 ≤ k_a ≤ g with Σ_a (k_a − 1) ≥ g − 1 and over
// f_a, where W_ab is the summed weight between blocks a and b; φ_a(k, f)
// is the largest value over partitions of block a into k pieces of Σ over
// the pieces p of (the weight inside p + ½·ω·|p|²), among the partitions
// with a piece of s_a − f tasks for f ≤ 4 (f = 0: the block whole), and
// among those whose pieces all have at most s_a − 5 tasks for f = "more"
// (found by the program of "Block bound" on the weights w + ω, with a
// largest piece); and L(U, g, F) is a least Σ|G|² over g groups of N_U
// tasks: with v = s_min − F > 0 (F ≤ 4), u pieces of v tasks dealt as
// evenly as possible over the g groups and the other tasks poured into the
// lightest groups, real-valued; otherwise Q(N_U, g), the g sizes as equal
// as integers allow.
//
// Claim: a partition into exactly K groups scores at most the largest
// Σ_c Φ(U_c, g_c) over partitions of the blocks into sets U_c with
// g_c ≥ 1 and Σ_c g_c = K, found by a program over sets of blocks (3^r·K²
// steps for r blocks).
//
// Proof. P's components U_c hold g_c of its groups each, Σ g_c = K, and
// the score is the sum over components of the weight of their pairs. A
// component of one block a is a partition of a into g_c groups: at most
// best_a(g_c). A component in one group is its blocks whole together:
// exactly Φ(U, 1). Otherwise, with g ≥ 2 groups, its pieces and groups
// form a connected bipartite graph (a piece joins its block to its group)
// with Σ_a k_a edges and u + g vertices, so Σ_a k_a ≥ u + g − 1; a
// block's pieces lie in distinct groups, so k_a ≤ g. Take f_a = s_a minus
// the size of a's largest piece (or "more" above 4). Its pairs inside
// blocks weigh Σ_a (the weight inside a's pieces). A group G whose pieces
// have sizes s_1..s_q holds (|G|² − Σ s_x²)/2 pairs across blocks, each at
// most −ω, so the pairs across blocks weigh at most
// ½·ω·Σ_pieces |p|² − ½·ω·Σ_G |G|², and with the pieces' share moved to
// their blocks the component scores at most Σ_a φ_a(k_a, f_a) −
// ½·ω·Σ_G |G|². It remains that Σ_G |G|² ≥ L(U, g, F). Always
// Σ_G |G|² ≥ Q(N_U, g). When F ≤ 4, each block has a piece of at least
// s_a − f_a ≥ v tasks inside one group; with c_G such pieces in group G,
// |G| ≥ c_G·v, and Σ_G |G|² is at least h(c·v), the least Σ y_G² over
// real y_G ≥ c_G·v summing to N_U (the pouring). h is convex (a partial
// minimum of a convex function over a convex set) and symmetric, hence
// Schur-convex, and the even deal of the u pieces is majorized by every
// other deal, so h(c·v) ≥ h(even deal) = L(U, g, F). ∎
//
// The charge need not be the largest weight. For any ω ≥ 0 and a
// component U, let D_U be the matrix over U's tasks of w_ij + ω on pairs
// across blocks and 0 elsewhere; with X_U the component's matrix as in
// "Spectral bound" (trace N_U), its pairs across blocks weigh
// −ω·(their number) + ½⟨D_U, X_U⟩ ≤ −ω·(their number) + ½·N_U·λ_max(D_U),
// so Φ(U, g) with charge ω plus ½·N_U·λ_max(D_U) bounds the component
// too, and each component may take the lesser of the two. The bound uses
// ω minus the largest weight across blocks (D_U ≤ 0, nothing added) and ω
// minus their mean, with λ_max(D_U) computed for components of at most 30
// tasks and replaced above by λ_max of the whole D, at least as large
// (the eigenvalues of a principal submatrix interlace).
//
// It is tight when merging whole blocks is the best way to use fewer
// groups and the weights across blocks are nearly equal (planted families
// under rule zsum: the weights across families are all negative and close
// to their mean); what it leaves is the spread of those weights (the
// largest against the mean, or the eigenvalue term).
//
// [Solve] and [SolveMatrix] pick the exact solver when its work estimate is
// small enough, the partition search for rule zsum under network budgets
// above it, and the anytime solver otherwise.
package selection
