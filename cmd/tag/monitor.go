package main

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

// runMonitor prints the progress of `tag run` from its first minute: the
// networks done and in flight in the current phase, the steps within the
// networks in flight, and an estimate of the time the phase has left from
// the steps still to take and the steps per second measured so far.
type runMonitor struct {
	w        io.Writer
	every    time.Duration // least time between two status lines
	now      func() time.Time
	mu       sync.Mutex
	start    time.Time // of the current phase
	last     time.Time // last status line
	phase    string
	done     int
	total    int
	inflight map[string]*flight // by unit key
	steps    int                // steps taken in this phase by networks of this process
	planned  []int              // planned steps of the networks seen in this phase
}

// flight is one network in training.
type flight struct {
	name        string
	step, steps int
}

func newRunMonitor(w io.Writer, every time.Duration) *runMonitor {
	m := &runMonitor{w: w, every: every, now: time.Now, inflight: map[string]*flight{}}
	m.start = m.now()
	return m
}

// Phase starts a phase (experiment.Config.Phase).
func (m *runMonitor) Phase(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(m.w, s)
	m.phase, m.start, m.last = strings.SplitN(s, ":", 2)[0], m.now(), m.now()
	m.done, m.total, m.steps, m.planned = 0, 0, 0, nil
	clear(m.inflight)
}

// Unit records a finished or reused network (experiment.Config.Progress).
func (m *runMonitor) Unit(p experiment.Progress) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done, m.total = p.Done, p.Total
	delete(m.inflight, p.Key)
	if p.Unit == "" || p.Reused {
		return // the phase's start; reused networks are counted in the status lines
	}
	fmt.Fprintf(m.w, "  [%d/%d] %s %.1fs\n", p.Done, p.Total, p.Unit, p.Seconds)
}

// Step records a training step of a network (engines.Trainer.Progress) and
// prints a status line when the last one is older than m.every.
func (m *runMonitor) Step(job experiment.Job, p mtl.Progress) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.inflight[job.Key]
	if !ok {
		f = &flight{name: unitName(job), step: p.Step}
		m.inflight[job.Key] = f
		m.planned = append(m.planned, p.Steps)
	}
	if p.Step > f.step {
		m.steps += p.Step - f.step
	}
	f.step, f.steps = p.Step, p.Steps
	if now := m.now(); now.Sub(m.last) >= m.every {
		m.last = now
		fmt.Fprintln(m.w, m.status(now))
	}
}

// status is one line: networks done and in flight, their steps, elapsed
// time and the estimate of what is left of the phase.
func (m *runMonitor) status(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s: %d/%d networks done, %d in flight", m.phase, m.done, m.total, len(m.inflight))
	keys := make([]string, 0, len(m.inflight))
	for k := range m.inflight {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var left int
	for i, k := range keys {
		f := m.inflight[k]
		left += max(f.steps-f.step, 0)
		if i < 3 {
			fmt.Fprintf(&b, "; %s step %d/%d", f.name, f.step, f.steps)
		}
	}
	if len(keys) > 3 {
		b.WriteString("; …")
	}
	elapsed := now.Sub(m.start)
	fmt.Fprintf(&b, " (elapsed %s", elapsed.Round(time.Second))
	if waiting := m.total - m.done - len(m.inflight); m.steps > 0 && waiting >= 0 {
		// Networks not started yet are assumed as long as the mean of those
		// seen; the rate is steps per second over all workers.
		mean := 0
		for _, s := range m.planned {
			mean += s
		}
		mean /= max(len(m.planned), 1)
		left += waiting * mean
		rate := float64(m.steps) / elapsed.Seconds()
		fmt.Fprintf(&b, ", about %s left in this phase", time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second))
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
	if job.Balance != "" {
		s += " " + job.Balance
	}
	return "[" + s + "]"
}
