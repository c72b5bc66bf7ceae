package experiment

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The units of another run whose tasks all remain are indexed under their
// new keys, and only those a phase uses are copied.
func TestReuseUnitsCopiesThoseUsedWhoseTasksRemain(t *testing.T) {
	from, to := Layout{Dir: filepath.Join(t.TempDir(), "from")}, Layout{Dir: filepath.Join(t.TempDir(), "to")}
	if err := from.makeDirs(); err != nil {
		t.Fatal(err)
	}
	units := map[string][]string{"a": {"a"}, "ab": {"a", "b"}, "an": {"a", "n"}, "n": {"n"}, "all": {"a", "b", "n"}}
	key := func(tasks []string, hash string) string {
		return unit{kind: kindGroup, tasks: tasks, seed: 1}.key(hash)
	}
	for _, tasks := range units {
		b, _ := json.Marshal(unitRecord{Kind: kindGroup, Tasks: tasks, Seed: 1, ConfigHash: "h1"})
		if err := os.WriteFile(from.Unit(key(tasks, "h1")), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Another configuration's unit is left alone.
	b, _ := json.Marshal(unitRecord{Kind: kindGroup, Tasks: []string{"b"}, Seed: 1, ConfigHash: "h0"})
	if err := os.WriteFile(from.Unit(key([]string{"b"}, "h0")), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// A unit the new run already has is left as it is.
	if err := os.MkdirAll(to.Units(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to.Unit(key(units["a"], "h1")), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	tasks := []string{"a", "b", "r"}
	idx, err := reusableUnits(from, tasks, "h1", "h1")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(idx))
	want := []string{key(units["a"], "h1"), key(units["ab"], "h1")}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reusable %v, want %v", got, want)
	}
	// A phase that uses a, b and r: a (already there) and nothing else
	// is reused; ab, reusable but not used, is not copied.
	f := &From{reusable: idx, reused: map[string]bool{}}
	var used []keyedUnit
	for _, u := range []string{"a", "b", "r"} {
		used = append(used, keyedUnit{unit{kind: kindGroup, tasks: []string{u}, seed: 1}, key([]string{u}, "h1")})
	}
	if err := f.reuseUnits(to, used, "h1"); err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{key(units["a"], "h1"): true}; !maps.Equal(f.reused, want) {
		t.Errorf("reused %v, want %v", f.reused, want)
	}
	if b, _ := os.ReadFile(to.Unit(key(units["a"], "h1"))); string(b) != "mine" {
		t.Errorf("unit a overwritten: %q", b)
	}
	for _, name := range []string{"ab", "an", "n", "all"} {
		if _, err := os.Stat(to.Unit(key(units[name], "h1"))); err == nil {
			t.Errorf("unit %s copied although the run does not use it or a task of it is gone", name)
		}
	}
	// Under another configuration hash (data that differ only in tasks
	// these units do not have), the units are written under their new
	// keys with the new hash.
	other := Layout{Dir: filepath.Join(t.TempDir(), "other")}
	if err := os.MkdirAll(other.Units(), 0o755); err != nil {
		t.Fatal(err)
	}
	idx, err = reusableUnits(from, []string{"a", "b"}, "h1", "h2")
	if err != nil || len(idx) != 2 {
		t.Fatalf("rekeyed %v, %v", idx, err)
	}
	f = &From{reusable: idx, reused: map[string]bool{}}
	ab := unit{kind: kindGroup, tasks: units["ab"], seed: 1}
	if err := f.reuseUnits(other, []keyedUnit{{ab, ab.key("h2")}}, "h2"); err != nil {
		t.Fatal(err)
	}
	r, _, err := readUnit(other.Unit(key(units["ab"], "h2")))
	if err != nil || r.ConfigHash != "h2" || !slices.Equal(r.Tasks, units["ab"]) {
		t.Errorf("rekeyed unit ab: %+v, %v", r, err)
	}
}
