package experiment

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/faultfile"
)

// Check finds a clean run clean, then each damage: bytes changed in a
// unit file and in results.json (checksums), a unit file edited to a
// negative loss without its checksum file (domain), a unit file of another
// configuration (manifest against units) and an affinity matrix with a
// value that is not a number; each with a repair that names the file or the
// rerun.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, cfg6(MTL, STL, TAG), newFake(), bruteSelector{})
	rep, err := Check(dir)
	if err != nil || !rep.Clean() || rep.Verified == 0 {
		t.Fatalf("clean run: %+v, %v", rep, err)
	}
	unverified := rep.Unverified // the fake trainer's states have no checksum
	l := Layout{Dir: dir}
	units, _ := filepath.Glob(filepath.Join(l.Units(), "group-*.json"))
	if len(units) < 3 {
		t.Fatalf("%d group units", len(units))
	}
	edit := func(p string, f func([]byte) []byte) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{units[0], l.Results()} {
		if err := faultfile.ZeroMiddle(p, 8); err != nil {
			t.Fatal(err)
		}
	}
	edit(units[1], func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"loss": `), []byte(`"loss": -7.5, "x": `), 1)
	})
	os.Remove(atomicfile.Sidecar(units[1]))
	edit(units[2], func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"config_hash": "`), []byte(`"config_hash": "0`), 1)
	})
	os.Remove(atomicfile.Sidecar(units[2]))
	edit(l.AffinityCSV(), func(b []byte) []byte { return bytes.Replace(b, []byte("0."), []byte("NaN"), 1) })
	os.Remove(atomicfile.Sidecar(l.AffinityCSV()))

	rep, err = Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		units[0]:        "checksum",
		l.Results():     "checksum",
		units[1]:        "negative",
		units[2]:        "manifest.json",
		l.AffinityCSV(): "not a number",
	}
	var got []string
	for _, d := range rep.Damaged {
		got = append(got, d.Path)
		if w, ok := want[d.Path]; !ok || !strings.Contains(d.Problem, w) {
			t.Errorf("%s: %q, want a problem with %q", d.Path, d.Problem, w)
		}
		if strings.HasPrefix(d.Path, l.Units()) && !strings.Contains(d.Repair, "rm "+d.Path) || !strings.Contains(d.Repair, "rerun the tag run command") {
			t.Errorf("%s: repair %q", d.Path, d.Repair)
		}
	}
	if len(got) != len(want) || rep.Unverified != unverified+3 {
		t.Errorf("damaged %q (%d unverified), want %d files and %d unverified", got, rep.Unverified, len(want), unverified+3)
	}
	if slices.Contains(got, units[3]) {
		t.Errorf("an intact unit reported")
	}
	if _, err := Check(t.TempDir()); !errors.As(err, new(*ConfigError)) {
		t.Errorf("a folder that is no run: %v", err)
	}
}
