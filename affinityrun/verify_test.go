package affinityrun

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/dirlock"
	"github.com/tagroup/tag/internal/faultfile"
)

// Each file `tag update` reads back from a finished affinity run, with 64
// zero bytes written into its middle, is refused by Read with its name: the
// weights and the snapshot (whose damage decodes without error), the sums, the trajectory and
// run.json. Sums without a checksum file are still checked for their
// domain.
func TestReadRefusesDamagedFiles(t *testing.T) {
	l, _ := plantedRun(t, []string{"a0", "b0"}, 1)
	for _, path := range []string{l.Weights(), l.WeightsQuarter(), l.AffinitySums(), l.TrajectoryCSV(), l.RunRecord()} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := faultfile.ZeroMiddle(path, 64); err != nil {
			t.Fatal(err)
		}
		_, _, err = Read(l)
		if !IsInput(err) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s damaged: err %v, want an input error naming it", filepath.Base(path), err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := Read(l); err != nil {
		t.Fatalf("restored files: %v", err)
	}
	b, _ := os.ReadFile(l.AffinitySums())
	nan := strings.Replace(string(b), `"z":[[`, `"z":[[1e999,`, 1)
	os.WriteFile(l.AffinitySums(), []byte(nan), 0o644)
	os.Remove(atomicfile.Sidecar(l.AffinitySums()))
	if _, _, err := Read(l); !IsInput(err) {
		t.Errorf("sums with an infinite value, no checksum file: err %v", err)
	}
}

// Two affinity runs with different learning rates started together on one
// folder: exactly one gets it, the other is refused naming the field, in
// every try; the same configuration twice shares the folder.
func TestPrepareDirOneConfiguration(t *testing.T) {
	for i := range 20 {
		l := experiment.Layout{Dir: filepath.Join(t.TempDir(), "run")}
		var errs [2]error
		var locks [2]*dirlock.Lock
		var wg sync.WaitGroup
		for k := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conf := map[string]any{"tasks": []string{"a0", "b0"}, "recipe": map[string]any{"lr": 0.1 * float64(k+1)}}
				locks[k], errs[k] = PrepareDir(l, false, false, conf)
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("try %d: errors %v, want exactly one refusal", i, errs)
		}
		for k, err := range errs {
			if err != nil && (!IsInput(err) || !strings.Contains(err.Error(), "recipe.lr")) {
				t.Errorf("try %d: %v, want an input error naming recipe.lr", i, err)
			}
			locks[k].Release()
		}
	}
	l := experiment.Layout{Dir: filepath.Join(t.TempDir(), "run")}
	conf := map[string]any{"seed": 1}
	a, err := PrepareDir(l, false, false, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := PrepareDir(l, false, false, conf)
	if err != nil {
		t.Fatalf("same configuration: %v", err)
	}
	b.Release()
}

// CheckDir finds a finished affinity run clean, then names its zeroed
// weights, snapshot and a checkpoint changed by hand, each with its repair; a
// folder that is no affinity run is refused.
func TestCheckDir(t *testing.T) {
	l, _ := plantedRun(t, []string{"a0", "b0"}, 1)
	rep, err := CheckDir(l.Dir)
	if err != nil || !rep.Clean() || rep.Verified == 0 {
		t.Fatalf("clean run: %+v, %v", rep, err)
	}
	checkpoint := filepath.Join(l.Dir, "checkpoint.gob")
	for _, p := range []string{l.Weights(), l.WeightsQuarter(), checkpoint} {
		if err := faultfile.ZeroMiddle(p, 64); err != nil {
			t.Fatal(err)
		}
	}
	rep, err = CheckDir(l.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Damaged) != 3 {
		t.Fatalf("damaged %+v, want the weights, the snapshot and the checkpoint", rep.Damaged)
	}
	for _, d := range rep.Damaged {
		want := "-force"
		if d.Path == checkpoint {
			want = "-resume"
		}
		if !strings.Contains(d.Repair, "tag affinity") || !strings.Contains(d.Repair, want) {
			t.Errorf("%s: repair %q, want tag affinity with %s", d.Path, d.Repair, want)
		}
	}
	// A run.json without its checksum file that is no record (no
	// tasks), and one that is not JSON: refused, the repair naming the
	// command as far as run.json tells it.
	if err := os.Remove(atomicfile.Sidecar(l.RunRecord())); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ content, reason, command string }{
		{`{"tasks":[]}`, "not a run record (<nil>)", "the tag affinity command"},
		{`{"tasks":`, "not a run record (unexpected end of JSON input)", "the tag affinity (or tag update) command"},
	} {
		if err := os.WriteFile(l.RunRecord(), []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := CheckDir(l.Dir)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range rep.Damaged {
			if d.Path == l.RunRecord() {
				found = true
				if d.Problem != c.reason || !strings.Contains(d.Repair, c.command) {
					t.Errorf("run.json %s: %q, repair %q; want %q and %q", c.content, d.Problem, d.Repair, c.reason, c.command)
				}
			}
		}
		if !found {
			t.Errorf("run.json %s: not reported (%+v)", c.content, rep.Damaged)
		}
	}
	if _, err := CheckDir(t.TempDir()); !IsInput(err) {
		t.Errorf("a folder that is no run: %v", err)
	}
	if rep, err := CheckFolder(l.Dir); err != nil || rep.Kind == "tag run" {
		t.Errorf("CheckFolder of an affinity folder: %+v, %v", rep, err)
	}
	if _, err := CheckFolder(t.TempDir()); !IsInput(err) || !strings.Contains(err.Error(), "is neither a tag run directory") {
		t.Errorf("CheckFolder of a folder that is neither: %v", err)
	}
}
