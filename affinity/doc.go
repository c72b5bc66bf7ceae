// Package affinity measures lookahead inter-task affinity, the quantity Task
// Affinity Groupings is built on (Fifty et al., "Efficiently Identifying
// Task Groupings for Multi-Task Learning", NeurIPS 2021, Eq. 1):
//
//	θs'(i)  = θs − η · ∇θs L_i(X; θs, θi)
//	Z_{i→j} = 1 − L_j(X; θs'(i), θj) / L_j(X; θs, θj)
//
// Task i's gradient on the shared parameters θs is used for one lookahead
// step; the task heads θj stay fixed, the batch X is the same, and nothing
// is written back to the model. Z_{i→j} > 0 means task i's update lowered
// task j's loss. Measure builds the whole n×n matrix inside one
// computation graph, together with the cosine similarity of the per-task
// shared-parameter gradients (the paper's CS baseline), so that a single
// compiled executable serves every step of a run. Its per-task gradients
// (TaskGradients) and their Gram matrix (GradientGram) are also what
// gradient-surgery training rules such as PCGrad need.
//
// The Accumulator averages the matrices recorded during training (the
// paper's Ẑ, a mean over recorded steps) and keeps per-epoch means as a
// trajectory. Matrices use the orientation of package taskmatrix: row i,
// column j holds the effect of task i on task j. PairSums keeps each pair's
// sums with its own count, so that a changed task set keeps the sums of its
// old pairs and adds those of its new ones (`tag update`, package
// affinityrun).
package affinity
