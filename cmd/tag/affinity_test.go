package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
)

// affinityCSV returns a CSV with features x1..x4 and targets a, b (a copy
// of a), n (noise) and r (regression).
func affinityCSV(t *testing.T) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("x1,x2,x3,x4,a,b,n,r\n")
	for range 300 {
		x := []float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		a := 0
		if x[0]+x[1] > 0 {
			a = 1
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%.4f,%.4f,%d,%d,%d,%.4f\n", x[0], x[1], x[2], x[3], a, a, r.IntN(2), 2*x[2]-x[3])
	}
	return writeTemp(t, "data.csv", b.String())
}

func TestAffinityCommand(t *testing.T) {
	csv := affinityCSV(t)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"affinity", "--data", csv, "--targets", "a,b,n,r", "--epochs", "2", "--every", "2", "--out", out}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m, err := taskmatrix.ReadFile(filepath.Join(out, "affinity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Tasks, ",") != "a,b,n,r" || !(m.Values[0][1] > 0) {
		t.Errorf("affinity matrix %+v", m)
	}
	for _, name := range []string{"cosine.csv", "trajectory.csv", "run.json", "plots/affinity.png", "plots/cosine.svg", "plots/trajectory.png"} {
		if b, err := os.ReadFile(filepath.Join(out, name)); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if code := run(args, &stdout, &stderr); code != 2 {
		t.Errorf("rerun over a finished run: exit %d, want 2", code)
	}
	before, _ := os.ReadFile(filepath.Join(out, "affinity.csv"))
	if code := run(append(args, "--resume"), &stdout, &stderr); code != 0 {
		t.Errorf("--resume of a finished run: exit %d: %s", code, stderr.String())
	}
	after, _ := os.ReadFile(filepath.Join(out, "affinity.csv"))
	if !bytes.Equal(before, after) {
		t.Error("--resume of a finished run changed affinity.csv")
	}
	var group bytes.Buffer
	if code := run([]string{"group", "--affinity", filepath.Join(out, "affinity.csv"), "--budget", "2"}, &group, &stderr); code != 0 {
		t.Errorf("tag group on the result: exit %d: %s", code, stderr.String())
	}
}

// With targets a, n and r, column b (a copy of a) becomes a feature: the
// command lists the five features and warns that b looks like a target,
// on stdout and in run.json.
func TestAffinityLeakageWarning(t *testing.T) {
	csv := affinityCSV(t)
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	args := []string{"affinity", "--data", csv, "--targets", "a,n,r", "--epochs", "1", "--every", "4", "--out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"features (5): x1, x2, x3, x4, b\n", `warning: feature "b" looks like a target: 2 distinct values, association 1.00 with task "a"`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil || !strings.Contains(string(b), `"features": [`) || !strings.Contains(string(b), `"leakage_warnings": [`) {
		t.Errorf("run.json lacks the features or the warning (%v)", err)
	}
}

func TestAffinityBadInput(t *testing.T) {
	csv := affinityCSV(t)
	out := filepath.Join(t.TempDir(), "run")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no out", []string{"--data", csv, "--targets", "a"}, "-out"},
		{"targets without data", []string{"--targets", "a", "--out", out}, "-targets needs -data"},
		{"bad every", []string{"--data", csv, "--targets", "a,b", "--every", "0", "--out", out}, "every"},
		{"bad lookahead", []string{"--data", csv, "--targets", "a,b", "--lookahead", "adam", "--out", out}, "lookahead"},
		{"missing file", []string{"--data", filepath.Join(t.TempDir(), "nope.csv"), "--targets", "a", "--out", out}, "nope.csv"},
		{"unknown target", []string{"--data", csv, "--targets", "zz", "--out", out}, "zz"},
		{"one target", []string{"--data", csv, "--targets", "a", "--out", out}, "needs at least 2"},
		{"resume nothing", []string{"--data", csv, "--targets", "a,b", "--resume", "--out", out}, "checkpoint"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"affinity"}, c.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q (want %q)", c.name, code, stderr.String(), c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint.gob")); err == nil {
		t.Error("a failed command started training")
	}
}

// TestAffinityDataFlags checks that tag affinity takes the data flags of
// tag run: a built-in name with -tasks, and a CelebA folder.
func TestAffinityDataFlags(t *testing.T) {
	celebaDir := celebaFixture(t, 60)
	for _, c := range []struct {
		name  string
		args  []string
		tasks int
	}{
		{"planted", []string{"-data", "planted", "-tasks", "a0,a1,b0"}, 3},
		{"celeba", []string{"-celeba", celebaDir, "-size", "12", "-attributes", "Goatee,Mustache"}, 2},
	} {
		out := filepath.Join(t.TempDir(), "aff")
		var stdout, stderr bytes.Buffer
		args := append([]string{"affinity", "-epochs", "1", "-out", out}, c.args...)
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, stderr.String())
		}
		m, err := taskmatrix.ReadFile(filepath.Join(out, "affinity.csv"))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.N() != c.tasks {
			t.Errorf("%s: affinity over %d tasks, want %d", c.name, m.N(), c.tasks)
		}
	}
}

// -until-stable ends the measurement once the groups stop changing and
// says why in run.json; a rule that cannot be met says so, and the run
// trains its full epochs.
func TestAffinityUntilStable(t *testing.T) {
	for _, c := range []struct {
		extra     []string
		stop      string
		shortened bool
	}{
		{[]string{"-budget", "2", "-checks", "1", "-min-reliability", "-1"}, "stable", true},
		{[]string{"-budget", "2", "-checks", "1000"}, "max-epochs", false},
	} {
		out := affinityPlanted(t, "a0,a1,b0,b1", 2, append([]string{"-until-stable"}, c.extra...)...)
		r := readRun(t, out)
		if r.Stop == nil || r.Stop.Stop != c.stop || r.Stop.StopReason == "" || len(r.Stop.Checks) == 0 || r.Stop.PlannedSteps == 0 {
			t.Fatalf("%v: stop record %+v", c.extra, r.Stop)
		}
		if got := r.Steps < r.Stop.PlannedSteps; got != c.shortened {
			t.Errorf("%v: %d of %d planned steps", c.extra, r.Steps, r.Stop.PlannedSteps)
		}
		if !c.shortened && !strings.Contains(r.Stop.StopReason, "not met") {
			t.Errorf("%v: reason %q", c.extra, r.Stop.StopReason)
		}
	}
	// Above 64 tasks the checks group without the alternatives' margin.
	out := filepath.Join(t.TempDir(), "many")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"affinity", "-data", "planted:families=7,size=10", "-until-stable", "-budget", "7", "-epochs", "1",
		"-check-every", "25", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("70 tasks -until-stable: exit %d: %s", code, stderr.String())
	}
	if r := readRun(t, out); r.Stop == nil || len(r.Stop.Checks) == 0 || len(r.Stop.Checks[0].Groups[0].Groups) != 7 {
		t.Errorf("70 tasks: stop record %+v", r.Stop)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", "planted", "-min-reliability", "2"}, "-min-reliability 2"},
		{[]string{"-data", "planted", "-min-half-agreement", "1.5"}, "-min-half-agreement 1.5"},
		{[]string{"-data", "planted", "-settled-more", "-1"}, "-settled-more -1"},
		{[]string{"-data", "planted", "-tasks", "a0,a1,b0", "-budget", "2,4"}, "-budget 4: more than the 3 tasks"},
		{[]string{"-data", "planted:families=7,size=10", "-rule", "paper", "-budget", "3"}, "-budget 3: rule paper: 70 tasks"},
	} {
		var stdout, stderr bytes.Buffer
		out := filepath.Join(t.TempDir(), "x")
		args := append([]string{"affinity", "-until-stable", "-out", out}, c.args...)
		code := run(args, &stdout, &stderr)
		if msg := stderr.String(); code != 2 || !strings.Contains(msg, c.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", c.args, code, msg, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", c.args, out)
		}
	}
}

// TestAffinityProfiles checks that -cpuprofile and -memprofile write
// profiles that go tool pprof reads (a gzipped protocol buffer).
func TestAffinityProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	affinityPlanted(t, "a0,b0", 1, "-cpuprofile", cpu, "-memprofile", mem)
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, %v; want a gzipped profile", p, len(b), err)
		}
	}
}
