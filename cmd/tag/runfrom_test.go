package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/experiment"
)

func unitNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "units"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	return names
}

// tag run -from OLD -remove n -add r reuses OLD's networks of a and b (the
// single-task ones and HOA's pair), trains the others, and ends with the
// units and results of a run on a, b, r from scratch.
func TestRunFromReusesUnchangedNetworks(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	common := []string{"-data", csv, "-targets", "a,b,n,r", "-methods", "mtl,stl,hoa", "-budgets", "2",
		"-epochs", "1", "-seeds", "1", "-workers", "1", "-no-report"}
	runTag := func(args ...string) string {
		t.Helper()
		return runTagRun(t, common, args...)
	}
	dir := t.TempDir()
	old, changed, scratch := filepath.Join(dir, "old"), filepath.Join(dir, "changed"), filepath.Join(dir, "scratch")
	runTag("-tasks", "a,b,n", "-out", old)
	out := runTag("-from", old, "-remove", "n", "-add", "r", "-out", changed)
	runTag("-tasks", "a,b,r", "-out", scratch)
	for _, want := range []string{"networks reused from " + old + ": 3", "networks trained: 4"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if md, err := os.ReadFile(filepath.Join(changed, "reuse.md")); err != nil || !strings.Contains(string(md), "networks trained: 4") {
		t.Errorf("reuse.md: %v\n%s", err, md)
	}
	if a, b := unitNames(t, changed), unitNames(t, scratch); !slices.Equal(a, b) {
		t.Errorf("units of the changed run %v, of the run from scratch %v", a, b)
	}
	rc, rs := readResults(t, changed), readResults(t, scratch)
	if !slices.Equal(rc.Tasks, rs.Tasks) {
		t.Fatalf("tasks %v and %v", rc.Tasks, rs.Tasks)
	}
	for name, m := range rs.Methods {
		for k, b := range m.Budgets {
			if c := rc.Methods[name].Budgets[k]; c == nil || c.TotalTestLoss != b.TotalTestLoss {
				t.Errorf("%s budget %s: changed run %+v, from scratch total %g", name, k, c, b.TotalTestLoss)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-from", old, "-add", "zz", "-out", filepath.Join(dir, "x")}, `"zz"`},
		{[]string{"-from", old, "-remove", "a,b,n", "-out", filepath.Join(dir, "x")}, "removes every task"},
		{[]string{"-from", old, "-add", "r", "-lr", "0.5", "-out", filepath.Join(dir, "x")}, "the recipe differs"},
		{[]string{"-from", old, "-add", "r"}, "-from needs -out"},
		{[]string{"-add", "r", "-out", filepath.Join(dir, "x")}, "need -from"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append(append([]string{"run"}, common...), c.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (want %q)", c.args, code, stderr.String(), c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("a refused run wrote its folder")
	}
}

// readText returns the content of the file p, failing t if it cannot be
// read.
func readText(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runTagRun runs `tag run` with common and then args, failing t unless it
// exits 0, and returns its standard output.
func runTagRun(t *testing.T, common []string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append(append([]string{"run"}, common...), args...), &stdout, &stderr); code != 0 {
		t.Fatalf("tag run %v: exit %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

// tag run -from on planted data continues the affinity run (its steps,
// fewer than from scratch, in results.json) and reports the reuse in
// report.md; mtl's network on the new tasks is the one a run from
// scratch trains.
func TestRunFromContinuesAffinityRun(t *testing.T) {
	common := []string{"-data", "planted", "-methods", "mtl,tag", "-budgets", "3", "-epochs", "2", "-seeds", "1", "-workers", "1"}
	runTag := func(args ...string) string {
		t.Helper()
		return runTagRun(t, common, args...)
	}
	dir := t.TempDir()
	old, changed, scratch := filepath.Join(dir, "old"), filepath.Join(dir, "changed"), filepath.Join(dir, "scratch")
	runTag("-tasks", "a0,a1,b0,b1,c0,c1", "-out", old, "-no-report")
	runTag("-from", old, "-add", "a2,b2,c2", "-out", changed)
	runTag("-tasks", "a0,a1,b0,b1,c0,c1,a2,b2,c2", "-out", scratch, "-no-report")
	rc, ro, rs := readResults(t, changed), readResults(t, old), readResults(t, scratch)
	r := rc.Reuse
	if r == nil || len(r.Affinity) != 1 || !r.Affinity[0].Continued {
		t.Fatalf("reuse %+v", r)
	}
	if a := r.Affinity[0]; a.Steps <= 0 || a.Steps >= ro.Affinity.Steps || a.ScratchSteps != ro.Affinity.Steps || rc.Affinity.Steps != a.Steps {
		t.Errorf("continued for %d steps (results' affinity %d), from scratch %d (old run %d)", a.Steps, rc.Affinity.Steps, a.ScratchSteps, ro.Affinity.Steps)
	}
	if c := rc.Affinity.Continued; c == nil || c.Start != affinityrun.DefaultStart || c.StartNote != "" {
		t.Errorf("the continued affinity run started %+v, want from %s", c, affinityrun.DefaultStart)
	}
	if got, want := rc.Methods["mtl"].Budgets["all"].TotalTestLoss, rs.Methods["mtl"].Budgets["all"].TotalTestLoss; got != want {
		t.Errorf("mtl: %g, from scratch %g", got, want)
	}
	md, err := os.ReadFile(filepath.Join(changed, "report.md"))
	if err != nil || !strings.Contains(string(md), "## Reuse") || !strings.Contains(string(md), "continued for") || strings.Contains(string(md), "start:") {
		t.Errorf("report.md: %v\n%s", err, md)
	}

	// Without the snapshot (a run made by an older tag), a continuation
	// that would start from it starts from the initialization, and stdout,
	// reuse.md and report.md say so in a line (report's
	// TestWriteReuseStartNote tests the line itself).
	if affinityrun.DefaultStart != affinityrun.StartQuarter {
		return
	}
	snaps, err := filepath.Glob(filepath.Join(experiment.Layout{Dir: old}.States(), "*", "weights-quarter.gob*"))
	if err != nil || len(snaps) == 0 {
		t.Fatalf("the snapshot of %s: %v %v", old, snaps, err)
	}
	for _, p := range snaps {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	bare := filepath.Join(dir, "bare")
	out := runTag("-from", old, "-add", "a2,b2,c2", "-out", bare)
	if c := readResults(t, bare).Affinity.Continued; c == nil || c.Start != affinityrun.StartInit || c.StartNote != affinityrun.NoSnapshot {
		t.Errorf("without a snapshot, the continued affinity run started %+v", c)
	}
	line := "- affinity run, seed 1, start: " + affinityrun.NoSnapshot + "\n"
	for name, text := range map[string]string{"stdout": out, "reuse.md": readText(t, filepath.Join(bare, "reuse.md")), "report.md": readText(t, filepath.Join(bare, "report.md"))} {
		if strings.Count(text, line) != 1 {
			t.Errorf("%s lacks %q:\n%s", name, line, text)
		}
	}
}

// On a CSV file whose first run named only its own targets, tag run -from
// adds further target columns of the file (the units of the tasks kept
// are reused under the new target list) and ends with the units and
// totals of a run on the new tasks from scratch; a -from made with
// another file and an added column that was an input are refused.
func TestRunFromCSVAddsTargets(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	common := []string{"-data", csv, "-methods", "mtl,stl,hoa", "-budgets", "2", "-epochs", "1", "-seeds", "1", "-workers", "1", "-no-report"}
	dir := t.TempDir()
	runTag := func(args ...string) string {
		t.Helper()
		return runTagRun(t, common, args...)
	}
	old, changed, scratch := filepath.Join(dir, "old"), filepath.Join(dir, "changed"), filepath.Join(dir, "scratch")
	runTag("-targets", "a,b,n", "-features", "x1,x2,x3,x4", "-out", old)
	out := runTag("-targets", "a,b,n", "-features", "x1,x2,x3,x4", "-from", old, "-remove", "n", "-add", "r", "-out", changed)
	runTag("-targets", "a,b,n,r", "-features", "x1,x2,x3,x4", "-tasks", "a,b,r", "-out", scratch)
	if want := "networks reused from " + old + ": 3"; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
	if a, b := unitNames(t, changed), unitNames(t, scratch); !slices.Equal(a, b) {
		t.Errorf("units of the changed run %v, of the run from scratch %v", a, b)
	}
	rc, rs := readResults(t, changed), readResults(t, scratch)
	for name, m := range rs.Methods {
		for k, b := range m.Budgets {
			if c := rc.Methods[name].Budgets[k]; c == nil || c.TotalTestLoss != b.TotalTestLoss {
				t.Errorf("%s budget %s: changed run %+v, from scratch total %g", name, k, c, b.TotalTestLoss)
			}
		}
	}

	// The data and recipe flags are not needed: -from's results.json
	// records them. Given, they may only repeat them.
	bare := filepath.Join(dir, "bare")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"run", "-from", old, "-remove", "n", "-add", "r", "-methods", "mtl,stl,hoa", "-budgets", "2", "-seeds", "1",
		"-workers", "1", "-no-report", "-out", bare}, &stdout, &stderr); code != 0 {
		t.Fatalf("tag run -from without data flags: exit %d: %s", code, stderr.String())
	}
	if a, b := unitNames(t, bare), unitNames(t, scratch); !slices.Equal(a, b) {
		t.Errorf("units of the run without data flags %v, of the run from scratch %v", a, b)
	}

	// Refused: another file; a column that was an input of the first run.
	content, _ := os.ReadFile(csv)
	other := writeTemp(t, "other.csv", strings.Replace(string(content), "\n", "\n0.5,0.5,0.5,0.5,1,1,0,0.5\n", 1))
	noFeatures := filepath.Join(dir, "nofeatures")
	runTag("-targets", "a,b", "-out", noFeatures)
	x := filepath.Join(dir, "x")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", other, "-targets", "a,b,n", "-features", "x1,x2,x3,x4", "-from", old, "-add", "r"}, "the data differ"},
		{[]string{"-targets", "a,b", "-from", noFeatures, "-add", "r"}, `column "r" is an input feature`},
		{[]string{"-from", old, "-add", "r", "-epochs", "2"}, "the recipe differs"},
		{[]string{"-from", old, "-add", "r", "-data-seed", "3"}, "split_seed 0 there, 3 here"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append(append(append([]string{"run"}, common...), c.args...), "-out", x), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (want one line with %q)", c.args, code, stderr.String(), c.want)
		}
		if _, err := os.Stat(x); err == nil {
			t.Errorf("%v: wrote %s", c.args, x)
			os.RemoveAll(x)
		}
	}
}

// tag run -from OLD -vary-split needs no data flags: the rows are split
// anew per seed from OLD's recorded source, and the run ends with the
// units of a run from scratch with -vary-split on the new tasks.
func TestRunFromVarySplit(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	common := []string{"-methods", "mtl,stl", "-budgets", "2", "-epochs", "1", "-seeds", "2", "-vary-split", "-data-seed", "4",
		"-workers", "1", "-no-report"}
	dataFlags := []string{"-data", csv, "-features", "x1,x2,x3,x4"}
	dir := t.TempDir()
	old, changed, scratch := filepath.Join(dir, "old"), filepath.Join(dir, "changed"), filepath.Join(dir, "scratch")
	runTagRun(t, common, append(dataFlags, "-targets", "a,b,n", "-out", old)...)
	out := runTagRun(t, slices.DeleteFunc(slices.Clone(common), func(s string) bool { return s == "-data-seed" || s == "4" }),
		"-from", old, "-remove", "n", "-add", "r", "-out", changed)
	runTagRun(t, common, append(dataFlags, "-targets", "a,b,n,r", "-tasks", "a,b,r", "-out", scratch)...)
	if want := "networks reused from " + old + ": 4"; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
	if a, b := unitNames(t, changed), unitNames(t, scratch); !slices.Equal(a, b) {
		t.Errorf("units of the changed run %v, of the run from scratch %v", a, b)
	}
	// Without -vary-split, the data differ from OLD's in their split.
	var stdout, stderr bytes.Buffer
	x := filepath.Join(dir, "x")
	code := run([]string{"run", "-from", old, "-add", "r", "-methods", "mtl", "-seeds", "2", "-epochs", "1", "-no-report", "-out", x}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "the data differ") || !strings.Contains(stderr.String(), "split") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("-from a -vary-split run without it: exit %d, %q", code, stderr.String())
	}
}
