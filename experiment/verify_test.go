package experiment

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The domain of metrics read back: finite, loss ≥ 0, error an error rate or
// a regression task's loss.
func TestMetricsCheck(t *testing.T) {
	for _, tc := range []struct {
		m  Metrics
		ok bool
	}{
		{Metrics{0.3, 0.1}, true},
		{Metrics{0, 0}, true},
		{Metrics{2.5, 1}, true},
		{Metrics{2.5, 2.5}, true}, // regression: error = loss
		{Metrics{-7.5, 0.1}, false},
		{Metrics{0.3, 1.7}, false},
		{Metrics{0.3, -0.1}, false},
		{Metrics{math.NaN(), 0.1}, false},
		{Metrics{0.3, math.Inf(1)}, false},
	} {
		if err := tc.m.check(); (err == nil) != tc.ok {
			t.Errorf("%+v: err %v, want ok %v", tc.m, err, tc.ok)
		}
	}
}

// The temporary files a killed writer left (here in the older form that
// names no writer) are removed when the next run starts.
func TestRunRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	c := Config{Tasks: six, Methods: []string{MTL}}
	mustRun(t, dir, c, newFake(), bruteSelector{})
	stale := []string{filepath.Join(dir, ".results.json.tmp123"), filepath.Join(dir, "units", ".group-6-x.json.tmp9")}
	for _, p := range stale {
		if err := os.WriteFile(p, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, dir, c, newFake(), bruteSelector{})
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was not removed", p)
		}
	}
}
