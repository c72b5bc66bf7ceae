package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tagroup/tag/affinityrun"

	"github.com/tagroup/tag/report"
	"github.com/tagroup/tag/taskmatrix"
)

// affinityPlanted runs tag affinity on the planted data with the given
// tasks and epochs, into a new folder.
func affinityPlanted(t *testing.T, tasks string, epochs int, extra ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "aff")
	args := append([]string{"affinity", "-data", "planted", "-tasks", tasks, "-epochs", strconv.Itoa(epochs), "-out", out}, extra...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("tag affinity: exit %d: %s", code, stderr.String())
	}
	return out
}

func readRun(t *testing.T, dir string) affinityrun.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r affinityrun.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func groupJSON(t *testing.T, file, budget string) []report.Grouping {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"group", "-affinity", file, "-budget", budget, "-json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("tag group %s: exit %d: %s", file, code, stderr.String())
	}
	var outs []report.Grouping
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var o report.Grouping
		if err := dec.Decode(&o); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, o)
	}
	return outs
}

// Removing tasks trains nothing and gives the old matrix without their
// rows and columns, so the groups equal tag group's on that matrix
// (reduced here with taskmatrix.Sub, independently of the update).
func TestUpdateRemoveEqualsGroupOnReducedMatrix(t *testing.T) {
	from := affinityPlanted(t, "a0,a1,a2,b0,b1,c0,c1", 2)
	out := filepath.Join(t.TempDir(), "upd")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"update", "-data", "planted", "-epochs", "2", "-from", from, "-remove", "a2,c1", "-budget", "2,3",
		"-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	old, err := taskmatrix.ReadFile(filepath.Join(from, "affinity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	reduced, err := old.Sub([]string{"a0", "a1", "b0", "b1", "c0"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := taskmatrix.ReadFile(filepath.Join(out, "affinity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, reduced) {
		t.Errorf("affinity after removal\n%v\nwant\n%v", got, reduced)
	}
	reducedFile := filepath.Join(t.TempDir(), "reduced.csv")
	if err := reduced.WriteFile(reducedFile); err != nil {
		t.Fatal(err)
	}
	want := groupJSON(t, reducedFile, "2,3")
	r := readRun(t, out)
	if r.Steps != 0 || r.Update == nil || r.Update.Stop != "nothing added" || len(r.Update.Groupings) != 2 {
		t.Fatalf("run.json: steps %d, update %+v", r.Steps, r.Update)
	}
	for k, g := range r.Update.Groupings {
		if !reflect.DeepEqual(g.After, want[k].Groups) {
			t.Errorf("budget %d: update groups %v, tag group on the reduced matrix %v", g.Budget, g.After, want[k].Groups)
		}
	}
	for _, name := range []string{"cosine.csv", "trajectory.csv", "changes.md", "weights.gob", "affinity-sums.json", "plots/affinity.png"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
}

// Adding tasks keeps the old pairs as saved, measures the new ones for
// -steps steps, reports the steps of the update alone and writes
// changes.md with the agreement with a from-scratch run; the result can be
// updated again.
func TestUpdateAdd(t *testing.T) {
	from := affinityPlanted(t, "a0,a1,b0,b1", 2)
	scratch := affinityPlanted(t, "a0,a1,b0,b1,a2,b2", 2)
	scratch2 := affinityPlanted(t, "a0,a1,b0,b1,a2,b2", 2, "-seed", "2")
	out := filepath.Join(t.TempDir(), "upd")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"update", "-data", "planted", "-epochs", "2", "-from", from, "-add", "a2,b2", "-steps", "30",
		"-budget", "2", "-compare", scratch + "," + scratch2, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	r := readRun(t, out)
	if r.Steps != 30 || r.Update.Stop != "steps" || r.Update.ScratchSteps != readRun(t, from).Steps || r.Update.Compare == nil ||
		len(r.Update.Compare.Runs) != 2 || len(r.Update.Compare.Yardstick) != 1 || r.Update.Compare.Runs[0].NewPairs != 18 ||
		r.Update.Compare.Runs[1].RankNewPairs == nil || r.Update.Compare.Yardstick[0].RankNewPairs == nil {
		t.Errorf("run.json: steps %d, update %+v", r.Steps, r.Update)
	}
	old, _ := taskmatrix.ReadFile(filepath.Join(from, "affinity.csv"))
	got, err := taskmatrix.ReadFile(filepath.Join(out, "affinity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Tasks, ",") != "a0,a1,b0,b1,a2,b2" {
		t.Fatalf("tasks %v", got.Tasks)
	}
	if sub, _ := got.Sub(old.Tasks); !reflect.DeepEqual(sub, old) {
		t.Errorf("old pairs changed:\n%v\nwant\n%v", sub, old)
	}
	if got.Values[4][0] == 0 || got.Values[0][5] == 0 {
		t.Error("new pairs not measured")
	}
	changes, _ := os.ReadFile(filepath.Join(out, "changes.md"))
	for _, want := range []string{"added: a2, b2", "training steps of the update: 30", "| 0.", "(18) |", "yardstick: "} {
		if !strings.Contains(string(changes), want) {
			t.Errorf("changes.md lacks %q:\n%s", want, changes)
		}
	}
	again := filepath.Join(t.TempDir(), "again")
	if code := run([]string{"update", "-data", "planted", "-epochs", "2", "-from", out, "-remove", "a0", "-out", again}, &stdout, &stderr); code != 0 {
		t.Fatalf("update of an update: exit %d: %s", code, stderr.String())
	}
	if r := readRun(t, again); r.Update.ScratchSteps != readRun(t, from).Steps {
		t.Errorf("chained update: scratch steps %d", r.Update.ScratchSteps)
	}
	// The update kept the snapshot of the run it continued; without it,
	// -start quarter trains from the initialization and says so.
	quarter := filepath.Join(out, "weights-quarter.gob")
	if _, err := os.Stat(quarter); err != nil {
		t.Fatalf("the update did not keep the snapshot: %v", err)
	}
	os.Remove(quarter)
	os.Remove(quarter + ".sha256")
	stderr.Reset()
	fallback := filepath.Join(t.TempDir(), "fallback")
	if code := run([]string{"update", "-from", out, "-add", "c0", "-steps", "4", "-start", "quarter", "-out", fallback}, &stdout, &stderr); code != 0 {
		t.Fatalf("quarter without a snapshot: exit %d: %s", code, stderr.String())
	}
	if r := readRun(t, fallback); r.Update.Start != "init" || !strings.Contains(stderr.String(), "-start quarter: the run continued has no snapshot") {
		t.Errorf("quarter without a snapshot: start %q; stderr %s", r.Update.Start, stderr.String())
	}
}

// An update interrupted (SIGINT) and resumed writes the same files as an
// uninterrupted one: with a fixed number of steps, and with the stop rule
// watching (its checks go through the checkpoint).
func TestUpdateResumeEqualsUninterrupted(t *testing.T) {
	from := affinityPlanted(t, "a0,b0,c0", 1)
	for _, measure := range [][]string{
		{"-steps", "900"},
		{"-max-epochs", "3", "-budget", "2", "-checks", "1000", "-check-every", "7"},
	} {
		args := func(out string) []string {
			return append([]string{"update", "-from", from, "-add", "a1,b1,c1", "-out", out}, measure...)
		}
		full := filepath.Join(t.TempDir(), "full")
		var stdout, stderr bytes.Buffer
		if code := run(args(full), &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		// Our own handler keeps a late SIGINT from ending the test process.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		part := filepath.Join(t.TempDir(), "part")
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if _, err := os.Stat(filepath.Join(part, "checkpoint.gob")); err == nil {
					_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		code := run(args(part), &stdout, &stderr)
		<-done
		signal.Stop(sig)
		if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted") {
			t.Fatalf("%v: interrupted update: exit %d: %s", measure, code, stderr.String())
		}
		if code := run(append(args(part), "-resume"), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: resumed update: exit %d: %s", measure, code, stderr.String())
		}
		for _, name := range []string{"affinity.csv", "cosine.csv", "trajectory.csv", "affinity-sums.json", "weights.gob"} {
			a, _ := os.ReadFile(filepath.Join(full, name))
			b, _ := os.ReadFile(filepath.Join(part, name))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Errorf("%v: %s differs between the uninterrupted and the resumed update", measure, name)
			}
		}
		a, b := readRun(t, full).Update, readRun(t, part).Update
		if !reflect.DeepEqual(a.StopRecord, b.StopRecord) {
			t.Errorf("%v: stop records differ:\n%+v\n%+v", measure, a.StopRecord, b.StopRecord)
		}
		if measure[0] == "-max-epochs" && (a.Stop != "max-epochs" || len(a.Checks) != readRun(t, full).Steps/7) {
			t.Errorf("%v: stop %q after %d checks", measure, a.Stop, len(a.Checks))
		}
	}
}

// Bad input exits 2 with one line naming the problem and writes nothing.
func TestUpdateBadInput(t *testing.T) {
	from := affinityPlanted(t, "a0,a1,b0", 1)
	notRun := t.TempDir()
	base := []string{"-data", "planted", "-epochs", "1", "-from", from}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown task", append(base, "-add", "zz"), `no task "zz"`},
		{"already present", append(base, "-add", "a1"), `task "a1" is already in`},
		{"remove unknown", append(base, "-remove", "c2"), `task "c2" is not in`},
		{"remove all", append(base, "-remove", "a0,a1,b0"), "removes every task"},
		{"one task left", append(base, "-remove", "a1,b0"), "gives 1 task (a0)"},
		{"nothing", base, "nothing to change"},
		{"twice", append(base, "-add", "c0,c0"), "twice"},
		{"not a run", []string{"-data", "planted", "-from", notRun, "-add", "c0"}, "not a finished tag affinity run"},
		{"other data", []string{"-data", affinityCSV(t), "-targets", "a,b", "-epochs", "1", "-from", from, "-add", "c0"}, "the data differ"},
		{"other seed", append(base, "-add", "c0", "-seed", "2"), "seed 1"},
		{"other recipe", append(base, "-add", "c0", "-lr", "0.05"), "learning_rate 0.1 there, 0.05 here"},
		{"other epochs", append(base, "-add", "c0", "-epochs", "3"), "epochs 1 there, 3 here"},
		{"other data set", []string{"-data", "glyphs", "-from", from, "-add", "c0"}, `name "planted" there, "glyphs" here`},
		{"tasks flag", append(base, "-add", "c0", "-tasks", "a0"), "-tasks does not apply"},
		{"compare lacks a task", append(base, "-add", "c0", "-compare", from), `no task "c0"`},
		{"out is from", []string{"-data", "planted", "-epochs", "1", "-from", from, "-add", "c0", "-out", from}, "is -from"},
		{"budget above the tasks", append(base, "-add", "c0", "-budget", "2,5"), "-budget 5: more than the 4 tasks"},
		{"warm and start", append(base, "-add", "c0", "-warm", "-start", "final"), "-warm is -start final: give one of them"},
		{"unknown start", append(base, "-add", "c0", "-start", "middle"), `-start "middle": want init, quarter or final`},
	} {
		out := filepath.Join(t.TempDir(), "upd")
		args := append([]string{"update"}, c.args...)
		if !strings.Contains(strings.Join(args, " "), "-out") {
			args = append(args, "-out", out)
		}
		wantRefused(t, c.name, args, c.want, out)
	}
}

// familiesCSV writes a CSV with features x0..x5 and binary targets in three
// families: a1..a3 (each a noisy copy of the sign of x0+x1), b1..b3 (of
// x2+x3) and c1, c2 (of x4+x5).
func familiesCSV(t *testing.T, rows int, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("x0,x1,x2,x3,x4,x5,a1,a2,a3,b1,b2,b3,c1,c2\n")
	label := func(v float64) int {
		if r.Float64() < 0.05 {
			v = -v
		}
		if v > 0 {
			return 1
		}
		return 0
	}
	for range rows {
		x := make([]float64, 6)
		for i := range x {
			x[i] = r.NormFloat64()
			fmt.Fprintf(&b, "%.4f,", x[i])
		}
		fmt.Fprintf(&b, "%d,%d,%d,%d,%d,%d,%d,%d\n", label(x[0]+x[1]), label(x[0]+x[1]), label(x[0]+x[1]),
			label(x[2]+x[3]), label(x[2]+x[3]), label(x[2]+x[3]), label(x[4]+x[5]), label(x[4]+x[5]))
	}
	return writeTemp(t, "families.csv", b.String())
}

// The commands of issue 19 on a CSV: the first run names its targets with
// -targets and its inputs with -features; tag update needs only -from,
// -add and -out, and accepts the data flags only where they repeat the
// record (the targets as first given or with the added ones).
func TestUpdateCSVFromRecordAlone(t *testing.T) {
	csv := familiesCSV(t, 400, 1)
	features := "x0,x1,x2,x3,x4,x5"
	dir := t.TempDir()
	first := filepath.Join(dir, "A")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"affinity", "-data", csv, "-targets", "a1,a2,b1,b2,c1", "-features", features, "-epochs", "1", "-out", first}, &stdout, &stderr); code != 0 {
		t.Fatalf("tag affinity: exit %d: %s", code, stderr.String())
	}
	for i, extra := range [][]string{
		nil,
		{"-data", csv, "-features", features},
		{"-data", csv, "-targets", "a1,a2,b1,b2,c1", "-features", features},
		{"-data", csv, "-targets", "a1,a2,a3,b1,b2,b3,c1,c2", "-features", features, "-epochs", "1"},
	} {
		out := filepath.Join(dir, fmt.Sprint("B", i))
		args := append([]string{"update", "-from", first, "-add", "a3,b3,c2", "-steps", "20", "-out", out}, extra...)
		stderr.Reset()
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr.String())
		}
		r := readRun(t, out)
		if strings.Join(r.Tasks, ",") != "a1,a2,b1,b2,c1,a3,b3,c2" || r.Steps != 20 || r.Source == nil || r.Source.CSV == nil ||
			strings.Join(r.Source.CSV.Targets, ",") != "a1,a2,b1,b2,c1,a3,b3,c2" {
			t.Errorf("%v: tasks %v, steps %d, source %+v", extra, r.Tasks, r.Steps, r.Source)
		}
	}
	// An update of the update needs nothing either; removing trains
	// nothing.
	again := filepath.Join(dir, "C")
	if code := run([]string{"update", "-from", filepath.Join(dir, "B0"), "-remove", "c2", "-out", again}, &stdout, &stderr); code != 0 {
		t.Fatalf("remove from the update: exit %d: %s", code, stderr.String())
	}
	if r := readRun(t, again); r.Steps != 0 || len(r.Tasks) != 7 {
		t.Errorf("remove: %d steps, tasks %v", r.Steps, r.Tasks)
	}

	// A first run without -features has every other column as input: an
	// added column that was an input is refused.
	noFeatures := filepath.Join(dir, "nofeatures")
	if code := run([]string{"affinity", "-data", csv, "-targets", "a1,b1", "-epochs", "1", "-out", noFeatures}, &stdout, &stderr); code != 0 {
		t.Fatalf("tag affinity: exit %d: %s", code, stderr.String())
	}
	other := familiesCSV(t, 400, 2)
	changed := filepath.Join(dir, "changed.csv")
	content, _ := os.ReadFile(csv)
	if err := os.WriteFile(changed, content, 0o644); err != nil {
		t.Fatal(err)
	}
	movedFrom := filepath.Join(dir, "moved")
	if code := run([]string{"affinity", "-data", changed, "-targets", "a1,b1", "-features", features, "-epochs", "1", "-out", movedFrom}, &stdout, &stderr); code != 0 {
		t.Fatalf("tag affinity: exit %d: %s", code, stderr.String())
	}
	lines := strings.SplitAfter(string(content), "\n")
	lines[1], lines[2] = lines[2], lines[1]
	if err := os.WriteFile(changed, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"a feature added", []string{"-from", noFeatures, "-add", "a2"}, `column "a2" is an input feature`},
		{"other features", []string{"-from", first, "-add", "a3", "-features", "x0,x1"}, `features ["x0","x1","x2","x3","x4","x5"] there, ["x0","x1"] here`},
		{"other targets", []string{"-from", first, "-add", "a3", "-data", csv, "-targets", "a1,a2"}, "targets"},
		{"other file", []string{"-from", first, "-add", "a3", "-data", other}, "path"},
		{"other split", []string{"-from", first, "-add", "a3", "-data-seed", "4"}, "split_seed 0 there, 4 here"},
		{"file changed since", []string{"-from", movedFrom, "-add", "a2"}, "the data differ"},
		{"not in the file", []string{"-from", first, "-add", "zz"}, `"zz"`},
		{"targets alone", []string{"-from", first, "-add", "a3", "-targets", "a1"}, `targets ["a1","a2","b1","b2","c1"] there, ["a1"] here`},
	} {
		out := filepath.Join(dir, "refused")
		stderr.Reset()
		code := run(append(append([]string{"update"}, c.args...), "-out", out), &stdout, &stderr)
		msg := stderr.String()
		if code != 2 || !strings.Contains(msg, c.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q (want one line with %q)", c.name, code, msg, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: wrote %s", c.name, out)
			os.RemoveAll(out)
		}
	}
}
