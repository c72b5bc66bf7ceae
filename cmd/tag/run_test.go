package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCSV(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "-data", csv, "-targets", "a,b,n,r", "-methods", "mtl,stl,tag,random", "-budgets", "2",
		"-epochs", "2", "-random-seeds", "2", "-workers", "2", "-out", out}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Total test loss (sum over 4 tasks", "Total test error", "tag", "random", "Cost of reaching the groups"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, f := range []string{"results.json", "manifest.json", "report.md", "affinity.csv", "plots/affinity.png", "plots/methods.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	first, _ := os.ReadFile(filepath.Join(out, "results.json"))
	// Rerunning trains nothing and writes the same results.
	stdout.Reset()
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "s (elapsed") {
		t.Errorf("rerun trained units:\n%s", stderr.String())
	}
	second, _ := os.ReadFile(filepath.Join(out, "results.json"))
	if !bytes.Equal(first, second) {
		t.Error("rerun changed results.json")
	}
	// The same folder with another recipe is refused as bad input.
	stdout.Reset()
	stderr.Reset()
	if code := run(append(args, "-epochs", "3"), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "manifest.json") {
		t.Errorf("other recipe: exit %d, stderr %q", code, stderr.String())
	}
}

func TestRunBadInput(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-budgets", "2,x"}, `-budgets: "x"`},
		{[]string{"-budgets", "0"}, `-budgets: "0"`},
		{[]string{"-methods", "mtl,magic"}, `unknown method "magic"`},
		{[]string{"-targets", "a"}, "-targets needs -data"},
		{[]string{"-data", csv}, "needs --targets"},
		{[]string{"-data", csv, "-targets", "a,nope"}, "nope"},
		{[]string{"-data", csv, "-targets", "a,b", "-tasks", "t9"}, `-tasks:`},
		{[]string{"-data", csv, "-targets", "a,b", "-trunk", "cnn"}, "needs image data"},
		{[]string{"-data", csv, "-targets", "a,b", "-lookahead", "sideways"}, "-lookahead"},
		{[]string{"-data", csv, "-targets", "a,b", "-every", "0"}, "-every 0"},
		{[]string{"-data", csv, "-targets", "a,b", "-workers", "0"}, "-workers 0"},
		{[]string{"-data", csv, "-celeba", t.TempDir(), "-targets", "a"}, "not both"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		args := append([]string{"run", "-out", filepath.Join(t.TempDir(), "o")}, tc.args...)
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %q", tc.args, code, stderr.String(), stdout.String(), tc.want)
		}
	}
}

func TestDirName(t *testing.T) {
	for in, want := range map[string]string{"glyphs(seed=1)": "glyphs-seed-1", "/a/b/my data.csv": "my-data", "???": "data"} {
		if got := dirName(in); got != want {
			t.Errorf("dirName(%q) = %q, want %q", in, got, want)
		}
	}
}
