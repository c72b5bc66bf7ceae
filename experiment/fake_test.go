package experiment

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tagroup/tag/taskmatrix"
)

// family is the planted family of a fake task: its name up to the digit.
func family(t string) string { return strings.TrimRight(t, "0123456789") }

// fakeVal is the fake validation loss of task t trained in group g: each
// task has its own base loss, each partner of its family lowers it and each
// task of another family raises it; a loss is never below 0.01 (a large
// family would take it below zero, which no loss can be).
func fakeVal(t string, g []string) float64 {
	base := 1 + 0.1*float64(len(t)) + 0.01*float64(t[len(t)-1])
	for _, p := range g {
		switch {
		case p == t:
		case family(p) == family(t):
			base -= 0.2
		default:
			base += 0.08
		}
	}
	return max(base, 0.01)
}

// fakeTest is the fake test loss: validation loss plus a task-specific gap.
func fakeTest(t string, g []string) float64 { return fakeVal(t, g) + 0.01*float64(len(g)) + 0.03 }

// fakeMetrics returns the metrics of every task of g.
func fakeMetrics(g []string) map[string]TaskMetrics {
	m := map[string]TaskMetrics{}
	for _, t := range g {
		v, te := fakeVal(t, g), fakeTest(t, g)
		m[t] = TaskMetrics{Validation: Metrics{v, v / 4}, Test: Metrics{te, te / 4}}
	}
	return m
}

// fakeAffinity is +0.5 within a family and −0.3 across, with a small
// asymmetric perturbation so that no two entries tie.
func fakeAffinity(i, j string) float64 {
	z := -0.3
	if family(i) == family(j) {
		z = 0.5
	}
	return z + 0.001*float64(i[len(i)-1]) - 0.0007*float64(j[len(j)-1])
}

// fakeTrainer is a Trainer whose results come from the formulas above. It
// counts calls per task set and the units in flight.
type fakeTrainer struct {
	recipe string
	// seedNoise makes results depend on the seed (see noise).
	seedNoise bool
	// before, if set, runs at the start of each call with the call's
	// 1-based number; a non-nil error fails the call.
	before func(ctx context.Context, call int) error
	// start, if set, is the start of its continuations
	// (ContinueSettings); "init" comes with a StartNote.
	start string

	mu          sync.Mutex
	checkpoints []string // every job's CheckpointDir, in call order
	calls       map[string]int
	n           int
	inflight    int
	maxInflight int
}

// noise is 0.01 times the seed when seedNoise is set, 0 otherwise.
func (f *fakeTrainer) noise(seed uint64) float64 {
	if !f.seedNoise {
		return 0
	}
	return 0.01 * float64(seed)
}

func newFake() *fakeTrainer { return &fakeTrainer{recipe: "fake-v1", calls: map[string]int{}} }

func (f *fakeTrainer) Recipe() any { return map[string]any{"name": f.recipe, "epochs": 3} }

// ContinueSettings are f.start's; none without it, as a trainer that
// records no settings.
func (f *fakeTrainer) ContinueSettings() any {
	if f.start == "" {
		return nil
	}
	return map[string]string{"start": f.start}
}

func (f *fakeTrainer) enter(ctx context.Context, kind string, tasks []string) error {
	f.mu.Lock()
	f.calls[kind+":"+strings.Join(tasks, "+")]++
	f.n++
	call := f.n
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	f.mu.Unlock()
	if f.before != nil {
		if err := f.before(ctx, call); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *fakeTrainer) leave() {
	f.mu.Lock()
	f.inflight--
	f.mu.Unlock()
}

// checkpoint writes a file into the job's checkpoint folder, as a real
// trainer does while it trains, and records the folder.
func (f *fakeTrainer) checkpoint(job Job) error {
	f.mu.Lock()
	f.checkpoints = append(f.checkpoints, job.CheckpointDir)
	f.mu.Unlock()
	if err := os.MkdirAll(job.CheckpointDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(job.CheckpointDir, "state"), []byte("x"), 0o644)
}

func (f *fakeTrainer) TrainGroup(ctx context.Context, job Job) (*GroupResult, error) {
	defer f.leave()
	if err := f.checkpoint(job); err != nil {
		return nil, err
	}
	tasks := job.Tasks
	kind := "group"
	if job.UpdateRule != "" {
		kind += "/" + job.UpdateRule
	}
	if err := f.enter(ctx, kind, tasks); err != nil {
		return nil, err
	}
	m := fakeMetrics(tasks)
	// With seedNoise, seeds shift every loss by a seed- and group-size-
	// dependent amount, so that repetitions differ.
	for t, tm := range m {
		d := f.noise(job.Seed) * float64(len(tasks)%3)
		tm.Validation.Loss += d
		tm.Test.Loss += d
		m[t] = tm
	}
	if job.UpdateRule != "" {
		// A balanced network is a little better on every task, by an
		// amount that differs between update rules.
		for t, tm := range m {
			d := 0.01 * float64(len(job.UpdateRule))
			tm.Validation.Loss -= d
			tm.Test.Loss -= d
			m[t] = tm
		}
	}
	return &GroupResult{Tasks: m, Steps: 100 * int64(len(tasks)), Seconds: 1.5 * float64(len(tasks))}, nil
}

func (f *fakeTrainer) AffinityRun(ctx context.Context, job Job) (*AffinityResult, error) {
	defer f.leave()
	if err := f.checkpoint(job); err != nil {
		return nil, err
	}
	tasks := job.Tasks
	kind, steps := "affinity", 100*int64(len(tasks))
	var cont *ContinuedRun
	if c := job.Continue; c != nil {
		// A continuation needs the state and result of the run it
		// continues, and measures 10 steps per task added.
		if _, err := os.Stat(filepath.Join(c.State, "state")); err != nil || c.Old == nil {
			return nil, errors.New("fake: continuation without the state or result of " + c.From)
		}
		kind, steps = "affinity/continued", 10*int64(len(c.Added))
		cont = &ContinuedRun{Stop: "stable", StopReason: "fake"}
		if start, ok := c.Settings["start"].(string); ok {
			cont.Start = start
			if start == "init" {
				cont.StartNote = "fake: no snapshot"
			}
		}
	}
	if job.StateDir != "" {
		if err := os.MkdirAll(job.StateDir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(job.StateDir, "state"), []byte(strings.Join(tasks, ",")), 0o644); err != nil {
			return nil, err
		}
	}
	if err := f.enter(ctx, kind, tasks); err != nil {
		return nil, err
	}
	// Return the matrices in reverse task order: Run must reorder them.
	rev := slices.Clone(tasks)
	slices.Reverse(rev)
	a, c := taskmatrix.New(rev), taskmatrix.New(rev)
	var traj []taskmatrix.Point
	for x, i := range rev {
		for y, j := range rev {
			if i == j {
				a.Values[x][y], c.Values[x][y] = 0.1, 1
				continue
			}
			a.Values[x][y] = fakeAffinity(i, j) + 5*f.noise(job.Seed)
			c.Values[x][y] = 0.8 * fakeAffinity(i, j)
			for e := range 3 {
				traj = append(traj, taskmatrix.Point{Epoch: e, Source: i, Target: j, Value: fakeAffinity(i, j) * float64(e+1) / 3})
			}
		}
	}
	return &AffinityResult{Affinity: a, Cosine: c, Trajectory: traj, Tasks: fakeMetrics(tasks),
		Steps: steps, Seconds: float64(steps) / 50, Continued: cont}, nil
}

// total is the number of calls made.
func (f *fakeTrainer) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// bruteSelector selects by brute force over all partitions of the tasks
// into at most budget blocks (groups of size ≥ 2 under an affinity rule when
// there are at least two tasks).
type bruteSelector struct{}

// partitions calls fn with every partition of xs into at most k blocks.
func partitions(xs []string, k int, fn func([][]string)) {
	var rec func(i int, blocks [][]string)
	rec = func(i int, blocks [][]string) {
		if i == len(xs) {
			fn(blocks)
			return
		}
		for b := range blocks {
			blocks[b] = append(blocks[b], xs[i])
			rec(i+1, blocks)
			blocks[b] = blocks[b][:len(blocks[b])-1]
		}
		if len(blocks) < k {
			rec(i+1, append(blocks, []string{xs[i]}))
		}
	}
	rec(0, nil)
}

func clone2(g [][]string) [][]string {
	out := make([][]string, len(g))
	for i := range g {
		out[i] = slices.Clone(g[i])
	}
	return out
}

// best returns the partition of tasks into at most k blocks with the lowest
// cost (nil, error if none is allowed).
func best(tasks []string, k int, cost func([][]string) (float64, bool)) ([][]string, error) {
	var out [][]string
	bestCost := math.Inf(1)
	partitions(tasks, k, func(p [][]string) {
		if c, ok := cost(p); ok && c < bestCost {
			bestCost, out = c, clone2(p)
		}
	})
	if out == nil {
		return nil, errors.New("no allowed grouping")
	}
	return out, nil
}

func (b bruteSelector) Select(m *taskmatrix.Matrix, rule string, budget int) ([][]string, error) {
	return best(m.Tasks, budget, b.cost(m, rule))
}

// cost is the brute-force objective of rule on m (lower is better; false
// for a grouping the rule does not allow).
func (bruteSelector) cost(m *taskmatrix.Matrix, rule string) func(p [][]string) (float64, bool) {
	return func(p [][]string) (float64, bool) {
		var sum float64
		for _, g := range p {
			if rule != RulePairLoss && len(g) < 2 && len(m.Tasks) > 1 {
				return 0, false
			}
			for _, j := range g {
				if len(g) == 1 {
					sum += m.Values[m.Index(j)][m.Index(j)]
					continue
				}
				var s float64
				for _, i := range g {
					if i != j {
						s += m.Values[m.Index(i)][m.Index(j)]
					}
				}
				sum += s / float64(len(g)-1)
			}
		}
		if rule != RulePairLoss {
			sum = -sum
		}
		return sum, true
	}
}

// SelectCandidates returns the best grouping and, for each of its groups,
// the best grouping without that group (as selection.Alternatives).
func (b bruteSelector) SelectCandidates(m *taskmatrix.Matrix, rule string, budget, count int) ([][][]string, error) {
	first, err := b.Select(m, rule, budget)
	if err != nil {
		return nil, err
	}
	out := [][][]string{first}
	cost := b.cost(m, rule)
	for _, g := range first {
		if len(out) >= count {
			break
		}
		alt, err := best(m.Tasks, budget, func(p [][]string) (float64, bool) {
			for _, h := range p {
				if slices.Equal(sortedCopy(h), sortedCopy(g)) {
					return 0, false
				}
			}
			return cost(p)
		})
		if err == nil {
			out = append(out, alt)
		}
	}
	return out, nil
}

func sortedCopy(g []string) []string { return slices.Sorted(slices.Values(g)) }

func (bruteSelector) SelectTrueLosses(groups []GroupLoss, tasks []string, budget int) ([][]string, error) {
	byKey := map[string]GroupLoss{}
	for _, g := range groups {
		byKey[strings.Join(g.Tasks, "+")] = g
	}
	return best(tasks, budget, func(p [][]string) (float64, bool) {
		var sum float64
		for _, g := range p {
			gl, ok := byKey[strings.Join(g, "+")]
			if !ok {
				return 0, false
			}
			for _, t := range g {
				sum += gl.Loss[t]
			}
		}
		return sum, true
	})
}

// scriptedSelector returns fixed groups for every budget and records the
// matrices it was given.
type scriptedSelector struct {
	groups [][]string
	mu     sync.Mutex
	seen   map[string]*taskmatrix.Matrix
}

func (s *scriptedSelector) Select(m *taskmatrix.Matrix, rule string, budget int) ([][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]*taskmatrix.Matrix{}
	}
	s.seen[rule] = m
	return clone2(s.groups), nil
}

func (s *scriptedSelector) SelectTrueLosses(groups []GroupLoss, tasks []string, budget int) ([][]string, error) {
	return clone2(s.groups), nil
}
