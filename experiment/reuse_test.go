package experiment

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReuseUnitsCopiesThoseWhoseTasksRemain(t *testing.T) {
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
	got, err := ReuseUnits(from, to, []string{"a", "b", "r"}, "h1", "h1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{key(units["a"], "h1"), key(units["ab"], "h1")}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reused %v, want %v", got, want)
	}
	if b, _ := os.ReadFile(to.Unit(key(units["a"], "h1"))); string(b) != "mine" {
		t.Errorf("unit a overwritten: %q", b)
	}
	for _, name := range []string{"an", "n", "all"} {
		if _, err := os.Stat(to.Unit(key(units[name], "h1"))); err == nil {
			t.Errorf("unit %s copied although a task of it is gone", name)
		}
	}
	// Under another configuration hash (data that differ only in tasks
	// these units do not have), the units are written under their new
	// keys with the new hash.
	other := Layout{Dir: filepath.Join(t.TempDir(), "other")}
	got, err = ReuseUnits(from, other, []string{"a", "b"}, "h1", "h2")
	if err != nil || len(got) != 2 {
		t.Fatalf("rekeyed %v, %v", got, err)
	}
	r, _, err := readUnit(other.Unit(key(units["ab"], "h2")))
	if err != nil || r.ConfigHash != "h2" || !slices.Equal(r.Tasks, units["ab"]) {
		t.Errorf("rekeyed unit ab: %+v, %v", r, err)
	}
}
