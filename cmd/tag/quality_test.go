package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchQualitySmall runs the quality benchmark on planted data with two
// seeds and a few random groupings, and checks the summary and files.
func TestBenchQualitySmall(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-data", "planted", "-seeds", "2", "-budgets", "3", "-random-seeds", "3", "-candidates", "2",
		"-epochs", "2", "-out", out}
	if err := runBenchQuality(args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"| planted | 9 |", "Checks for the default TAG", "### planted"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, f := range []string{"quality.md", "quality.json", "planted/results.json", "planted/report.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range [][]string{{"-data", "nope"}, {"-seeds", "0"}, {"-budgets", "x"}} {
		if err := runBenchQuality(bad, &stdout, &stderr); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
