package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// TestRunMonitor drives the monitor with a fake clock: two networks of 100
// planned steps in flight out of four; when the line is printed, 40 + 10
// steps were taken in 10 s, 5 steps a second; left: 60 + 90 steps in flight
// and 2 × 100 waiting = 350 steps, 70 s.
func TestRunMonitor(t *testing.T) {
	var out bytes.Buffer
	m := newRunMonitor(&out, 10*time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := t0
	m.now = func() time.Time { return clock }
	m.Phase("phase 1: affinity run, baselines and grouping units")
	m.Unit(experiment.Progress{Done: 0, Total: 4})
	a := experiment.Job{Key: "ka", Tasks: []string{"a", "b"}}
	b := experiment.Job{Key: "kb", Tasks: []string{"c"}, Balance: "uw"}
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
	want := "  phase 1: 0/4 networks done, 2 in flight; [a+b] step 40/100; [c uw] step 10/100 (elapsed 10s, about 1m10s left in this phase)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("status line missing; want %q in\n%s", want, out.String())
	}
	m.Unit(experiment.Progress{Done: 1, Total: 4, Unit: "group[a+b]", Key: "ka", Seconds: 12})
	if !strings.Contains(out.String(), "  [1/4] group[a+b] 12.0s\n") {
		t.Errorf("finished network not reported:\n%s", out.String())
	}
	if len(m.inflight) != 1 {
		t.Errorf("finished network still in flight: %v", m.inflight)
	}
}
