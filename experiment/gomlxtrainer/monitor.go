package gomlxtrainer

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// Monitor prints the progress of an experiment trained by a Trainer
// (`tag run`, `tag bench quality`) from its first minute: the
// networks done and in flight in the current phase, the steps within the
// networks in flight, and an estimate of the time the phase has left.
//
// The estimate weighs every step by its network's relative cost (its task
// count, doubled for the affinity run: experiment.Progress.Pending), since
// a step of an 18-task network costs far more than one of a pair: work
// left = the steps left of the networks in flight and of those waiting
// (each as long as the mean planned so far), times their costs; rate =
// the cost-weighted steps taken so far per second of the phase.
type Monitor struct {
	w     io.Writer
	every time.Duration // least time between two status lines
	now   func() time.Time
	mu    sync.Mutex
	start time.Time // of the current phase
	last  time.Time // last status line
	phase string
	done  int
	total int
	// pending holds the costs of the networks not started yet.
	pending  []int
	inflight map[string]*flight // by unit key
	work     float64            // cost-weighted steps taken in this phase
	planned  []int              // planned steps of the networks seen in this phase
}

// flight is one network in training.
type flight struct {
	name        string
	cost        int
	step, steps int
}

// NewMonitor returns a Monitor printing to w, at most one status line
// every every.
func NewMonitor(w io.Writer, every time.Duration) *Monitor {
	m := &Monitor{w: w, every: every, now: time.Now, inflight: map[string]*flight{}}
	m.start = m.now()
	return m
}

// Phase starts a phase (experiment.Config.Phase).
func (m *Monitor) Phase(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(m.w, s)
	m.phase, m.start, m.last = strings.SplitN(s, ":", 2)[0], m.now(), m.now()
	m.done, m.total, m.work, m.planned, m.pending = 0, 0, 0, nil, nil
	clear(m.inflight)
}

// Unit records the start of a phase's training, or a finished or reused
// network (experiment.Config.Progress).
func (m *Monitor) Unit(p experiment.Progress) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done, m.total = p.Done, p.Total
	if p.Unit == "" {
		m.pending = slices.Clone(p.Pending)
		return
	}
	delete(m.inflight, p.Key)
	if p.Reused || p.Total > maxUnitLines {
		return // counted in the status lines
	}
	fmt.Fprintf(m.w, "  [%d/%d] %s %.1fs\n", p.Done, p.Total, p.Unit, p.Seconds)
}

// maxUnitLines is the most networks a phase may have for each finished one
// to get a line of its own; a larger phase (hundreds of single-task
// networks at scale) is followed by its status lines alone.
const maxUnitLines = 50

// Step records a training step of a network (Trainer.Progress) and
// prints a status line when the last one is older than m.every.
func (m *Monitor) Step(job experiment.Job, p mtl.Progress) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.inflight[job.Key]
	if !ok {
		f = &flight{name: unitName(job), cost: job.Cost(), step: p.Step}
		m.inflight[job.Key] = f
		m.planned = append(m.planned, p.Steps)
		if i := slices.Index(m.pending, f.cost); i >= 0 {
			m.pending = slices.Delete(m.pending, i, i+1)
		}
	}
	if p.Step > f.step {
		m.work += float64((p.Step - f.step) * f.cost)
	}
	f.step, f.steps = p.Step, p.Steps
	if now := m.now(); now.Sub(m.last) >= m.every {
		m.last = now
		fmt.Fprintln(m.w, m.status(now))
	}
}

// status is one line: networks done and in flight, their steps, elapsed
// time and the estimate of what is left of the phase.
func (m *Monitor) status(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s: %d/%d networks done, %d in flight", m.phase, m.done, m.total, len(m.inflight))
	keys := make([]string, 0, len(m.inflight))
	for k := range m.inflight {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var left float64
	for i, k := range keys {
		f := m.inflight[k]
		left += float64(max(f.steps-f.step, 0) * f.cost)
		if i < 3 {
			fmt.Fprintf(&b, "; %s step %d/%d", f.name, f.step, f.steps)
		}
	}
	if len(keys) > 3 {
		b.WriteString("; …")
	}
	elapsed := now.Sub(m.start)
	fmt.Fprintf(&b, " (elapsed %s", elapsed.Round(time.Second))
	if m.work > 0 {
		mean := 0
		for _, s := range m.planned {
			mean += s
		}
		mean /= max(len(m.planned), 1)
		for _, c := range m.pending {
			left += float64(mean * c)
		}
		rate := m.work / elapsed.Seconds()
		fmt.Fprintf(&b, ", about %s left in this phase", time.Duration(left/rate*float64(time.Second)).Round(time.Second))
	}
	b.WriteString(")")
	return b.String()
}

// unitName is a short description of a job for progress lines.
func unitName(job experiment.Job) string {
	s := strings.Join(job.Tasks, "+")
	if len(s) > 40 {
		s = fmt.Sprintf("%d tasks", len(job.Tasks))
	}
	if job.UpdateRule != "" {
		s += " " + job.UpdateRule
	}
	return "[" + s + "]"
}
