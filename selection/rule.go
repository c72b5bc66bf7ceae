package selection

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// Rule scores a task inside a group. Implementations must be safe to call
// repeatedly and concurrently ([Exact] calls Scores from several
// goroutines) and return the same scores for the same group.
type Rule interface {
	// N is the number of tasks.
	N() int
	// Minimize reports whether lower scores are better (losses) rather
	// than higher (affinities).
	Minimize() bool
	// Scores sets s[j], for every task j in g, to the score of j inside g,
	// and reports whether g is an allowed group. len(s) is N().
	Scores(g Set, s []float64) bool
	// TaskBound is the best score task j reaches in any allowed group
	// (the highest when maximizing, the lowest when minimizing); ±Inf in
	// the losing direction when no allowed group holds j.
	TaskBound(j int) float64
}

// Affinity is the TAG rule (and the cosine-similarity baseline): task j in
// a group G of at least two tasks scores the mean over i in G, i ≠ j, of
// A[i][j], the effect of task i's update on task j. Higher is better.
type Affinity struct {
	// A[i][j] is the affinity of task i onto task j; the diagonal is unused.
	A [][]float64
	// AllowSingletons admits groups of one task, which then score
	// SingletonScore. The paper's rule refuses them.
	AllowSingletons bool
	// SingletonScore is the score of a task alone when singletons are allowed.
	SingletonScore float64
}

// N is the number of tasks.
func (r *Affinity) N() int { return len(r.A) }

// Minimize is false: affinities are maximized.
func (r *Affinity) Minimize() bool { return false }

// Scores sets the mean in-group affinity onto each member of g.
func (r *Affinity) Scores(g Set, s []float64) bool {
	if g.Len() == 1 {
		s[g.Lowest()] = r.SingletonScore
		return r.AllowSingletons
	}
	return partnerMeans(r.A, g, s)
}

// TaskBound is the largest affinity onto j from one partner (a mean never
// exceeds its largest term), or the singleton score if that is larger.
func (r *Affinity) TaskBound(j int) float64 {
	b := math.Inf(-1)
	if r.AllowSingletons {
		b = r.SingletonScore
	}
	return bestPartner(r.A, j, b, false)
}

// PairLoss is the higher-order approximation of Standley et al. (HOA): L[i][j]
// is task j's loss when trained together with task i, and L[j][j] its loss
// when trained alone. Task j in a group G of two or more tasks scores the
// mean of L[i][j] over its partners i in G; alone it scores L[j][j]. Lower
// is better.
type PairLoss struct {
	// L[i][j] is task j's loss when trained with task i.
	L [][]float64
}

// N is the number of tasks.
func (r *PairLoss) N() int { return len(r.L) }

// Minimize is true: losses are minimized.
func (r *PairLoss) Minimize() bool { return true }

// Scores sets the mean pair loss of each member of g over its partners.
func (r *PairLoss) Scores(g Set, s []float64) bool {
	if g.Len() == 1 {
		j := g.Lowest()
		s[j] = r.L[j][j]
		return true
	}
	return partnerMeans(r.L, g, s)
}

// TaskBound is the smallest of j's single-task loss and its pair losses.
func (r *PairLoss) TaskBound(j int) float64 {
	return bestPartner(r.L, j, r.L[j][j], true)
}

// partnerMeans sets s[j] = mean over i in g, i ≠ j, of m[i][j] for j in g,
// for a group of at least two tasks.
func partnerMeans(m [][]float64, g Set, s []float64) bool {
	return partnerSums(m, g, s, float64(g.Len()-1))
}

// partnerSums sets s[j] = (sum over i in g, i ≠ j, of m[i][j]) / div for j
// in g, for a group of at least two tasks.
func partnerSums(m [][]float64, g Set, s []float64, div float64) bool {
	if g.Len() < 2 {
		return false
	}
	for x := g; x != 0; x &= x - 1 {
		j := x.Lowest()
		sum := 0.0
		for y := g &^ (1 << uint(j)); y != 0; y &= y - 1 {
			sum += m[y.Lowest()][j]
		}
		s[j] = sum / div
	}
	return true
}

// bestPartner returns the best of start and m[i][j] over i ≠ j.
func bestPartner(m [][]float64, j int, start float64, minimize bool) float64 {
	b := start
	for i := range m {
		if i == j {
			continue
		}
		if v := m[i][j]; (minimize && v < b) || (!minimize && v > b) {
			b = v
		}
	}
	return b
}

// GroupLoss scores each task by its true loss inside each listed group, as
// measured by training every candidate group (the "Optimal" method).
// Groups that are not listed are not allowed. Lower is better.
type GroupLoss struct {
	// Tasks is the number of tasks.
	Tasks int
	// Loss[g][j] is the loss of task j when trained in group g; it must
	// have Tasks entries, of which those of the members of g are used.
	Loss map[Set][]float64
}

// Check verifies that every listed group is a non-empty set of the tasks
// with a finite loss for each member.
func (r *GroupLoss) Check() error {
	full := Full(r.Tasks)
	for g, l := range r.Loss {
		if g == 0 || g&^full != 0 {
			return fmt.Errorf("group %v is not a non-empty set of the %d tasks", g, r.Tasks)
		}
		if len(l) != r.Tasks {
			return fmt.Errorf("group %v has %d losses for %d tasks", g, len(l), r.Tasks)
		}
		for _, j := range g.Members() {
			if math.IsNaN(l[j]) || math.IsInf(l[j], 0) {
				return fmt.Errorf("group %v: loss of task %d is not finite", g, j)
			}
		}
	}
	return nil
}

// N is the number of tasks.
func (r *GroupLoss) N() int { return r.Tasks }

// Minimize is true: losses are minimized.
func (r *GroupLoss) Minimize() bool { return true }

// Scores copies the measured losses of g's members, if g is listed.
func (r *GroupLoss) Scores(g Set, s []float64) bool {
	l, ok := r.Loss[g]
	if !ok {
		return false
	}
	for x := g; x != 0; x &= x - 1 {
		s[x.Lowest()] = l[x.Lowest()]
	}
	return true
}

// TaskBound is j's smallest loss over the listed groups that contain it.
func (r *GroupLoss) TaskBound(j int) float64 {
	b := math.Inf(1)
	for g, l := range r.Loss {
		if g.Has(j) && l[j] < b {
			b = l[j]
		}
	}
	return b
}

// listedGroups returns the listed groups in increasing order, for the
// anytime search.
func (r *GroupLoss) listedGroups() []Set {
	return slices.Sorted(maps.Keys(r.Loss))
}
