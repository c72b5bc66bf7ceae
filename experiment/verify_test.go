package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/internal/atomicfile"
)

// A unit file edited to an impossible test loss (−7.5) and error (1.7), still
// valid JSON, is refused with its name: by its checksum while its checksum
// file is there, and by the domain check of its values once that is gone
// (as for a run written before checksums). Nothing is computed from it.
func TestEditedUnitFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	c := Config{Tasks: six, Methods: []string{MTL}}
	mustRun(t, dir, c, newFake(), bruteSelector{})
	files, _ := filepath.Glob(filepath.Join(dir, "units", "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d unit files, want 1", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var r unitRecord
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	m := r.Group.Tasks["a1"]
	m.Test = Metrics{Loss: -7.5, Error: 1.7}
	r.Group.Tasks["a1"] = m
	edited, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], edited, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), dir, c, newFake(), bruteSelector{})
	var ce *atomicfile.ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), files[0]) {
		t.Errorf("edited file with its checksum file: err %v, want a checksum error naming %s", err, files[0])
	}
	os.Remove(atomicfile.Sidecar(files[0]))
	_, err = Run(context.Background(), dir, c, newFake(), bruteSelector{})
	if err == nil || !strings.Contains(err.Error(), files[0]) || !strings.Contains(err.Error(), "negative") {
		t.Errorf("edited file without checksum: err %v, want a domain error naming %s", err, files[0])
	}
}

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
