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
	for key, tasks := range units {
		b, _ := json.Marshal(unitRecord{Kind: kindGroup, Tasks: tasks, Seed: 1})
		if err := os.WriteFile(from.Unit(key), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A unit the new run already has is left as it is.
	if err := os.MkdirAll(to.Units(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to.Unit("a"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReuseUnits(from, to, []string{"a", "b", "r"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"ab"}) {
		t.Errorf("copied %v, want [ab]", got)
	}
	if b, _ := os.ReadFile(to.Unit("a")); string(b) != "mine" {
		t.Errorf("unit a overwritten: %q", b)
	}
	for _, key := range []string{"an", "n", "all"} {
		if _, err := os.Stat(to.Unit(key)); err == nil {
			t.Errorf("unit %s copied although a task of it is gone", key)
		}
	}
}

func TestSetupDiff(t *testing.T) {
	l := Layout{Dir: t.TempDir()}
	data := map[string]any{"name": "x.csv", "train": 80}
	recipe := map[string]any{"lr": 0.1, "epochs": 2}
	m, err := newManifest(data, recipe)
	if err != nil {
		t.Fatal(err)
	}
	if err := openDir(l, m); err != nil {
		t.Fatal(err)
	}
	dd, rd, err := SetupDiff(l, data, recipe)
	if err != nil || dd != nil || rd != nil {
		t.Errorf("same setup: %v %v %v", dd, rd, err)
	}
	dd, rd, err = SetupDiff(l, map[string]any{"name": "x.csv", "train": 81}, map[string]any{"lr": 0.5, "epochs": 2})
	if err != nil || !slices.Equal(dd, []string{"train 80 there, 81 here"}) || !slices.Equal(rd, []string{"lr 0.1 there, 0.5 here"}) {
		t.Errorf("other setup: %q %q %v", dd, rd, err)
	}
	if _, _, err := SetupDiff(Layout{Dir: t.TempDir()}, data, recipe); err == nil {
		t.Error("a folder without a manifest: no error")
	}
}
