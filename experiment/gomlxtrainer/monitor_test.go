package gomlxtrainer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// TestRunMonitor drives the monitor with a fake clock. Four networks of
// 100 planned steps wait, of costs 2, 1, 1, 1 (task counts); two start.
// When the line is printed, a (cost 2) took 40 steps and b (cost 1) 10 in
// 10 s: 90 cost-weighted steps, 9 a second. Left: a 60·2 + b 90·1 in
// flight and 100·1 + 100·1 waiting = 410, 45.6 s.
func TestRunMonitor(t *testing.T) {
	var out bytes.Buffer
	m := NewMonitor(&out, 10*time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := t0
	m.now = func() time.Time { return clock }
	m.Phase("phase 1: affinity run, baselines and grouping units")
	m.Unit(experiment.Progress{Done: 0, Total: 4, Pending: []int{2, 1, 1, 1}})
	a := experiment.Job{Key: "group-2-a", Tasks: []string{"a", "b"}}
	b := experiment.Job{Key: "group-1-b", Tasks: []string{"c"}, UpdateRule: "uw"}
	m.Step(a, mtl.Progress{Step: 0, Steps: 100})
	m.Step(b, mtl.Progress{Step: 0, Steps: 100})
	clock = t0.Add(5 * time.Second)
	m.Step(a, mtl.Progress{Step: 40, Steps: 100}) // no line: less than 10 s
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("printed before the interval:\n%s", out.String())
	}
	clock = t0.Add(10 * time.Second)
	m.Step(b, mtl.Progress{Step: 10, Steps: 100})
	m.Step(a, mtl.Progress{Step: 50, Steps: 100})
	want := "  phase 1: 0/4 networks done, 2 in flight; [c uw] step 10/100; [a+b] step 40/100 (elapsed 10s, about 46s left in this phase)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("status line missing; want %q in\n%s", want, out.String())
	}
	m.Unit(experiment.Progress{Done: 1, Total: 4, Unit: "group[a+b]", Key: "group-2-a", Seconds: 12})
	if !strings.Contains(out.String(), "  [1/4] group[a+b] 12.0s\n") {
		t.Errorf("finished network not reported:\n%s", out.String())
	}
	if len(m.inflight) != 1 {
		t.Errorf("finished network still in flight: %v", m.inflight)
	}
	// A phase of more than maxUnitLines networks (stl on hundreds of
	// tasks) gets status lines only.
	before := out.String()
	m.Phase("phase 2: networks of the selected groups")
	m.Unit(experiment.Progress{Done: 0, Total: maxUnitLines + 1})
	m.Unit(experiment.Progress{Done: 1, Total: maxUnitLines + 1, Unit: "group[f000_t0]", Key: "group-1-f", Seconds: 1})
	if after := strings.TrimPrefix(out.String(), before); after != "phase 2: networks of the selected groups\n" {
		t.Errorf("a large phase printed %q", after)
	}
	// An affinity run's steps cost twice its task count.
	if c := (experiment.Job{Key: "affinity-3-x", Tasks: []string{"a", "b", "c"}}).Cost(); c != 6 {
		t.Errorf("affinity cost %d, want 6", c)
	}
}
