package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/experiment/scale"
)

// TestBenchScale runs the scale benchmark at 6 planted tasks (two
// families of 3, one epoch), its children being this test binary as tag.
func TestBenchScale(t *testing.T) {
	t.Setenv("TAG_TEST_AS", "tag")
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "scale", "-sizes", "6", "-family-size", "3", "-quick", "-out", dir,
		"-agreement", "planted:families=2,size=3", "-agreement", "planted:families=3,size=2,seed=2"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String()[max(0, stderr.Len()-2000):])
	}
	for _, s := range []string{"ARI at planted k", "tasks  budget", "6 tasks, budget 2, 2 seeds: total test loss tag",
		"planted:families=2,size=3, 6 tasks: agreement with exact Eq. 1 (Spearman over the 30 ordered pairs; groups at budget 2",
		"planted:families=3,size=2,seed=2, 6 tasks", "firstorder     2"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "scale.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Sizes     []scale.Row
		Agreement []*scale.Agreement
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	rows := got.Sizes
	if len(got.Agreement) != 2 || len(got.Agreement[0].Runs) != 4 {
		t.Fatalf("agreement %+v", got.Agreement)
	}
	for _, r := range got.Agreement[0].Runs {
		if r.ARIFamilies == nil || r.Run.Wall <= 0 || r.VsExact < -1 || r.VsExact > 1 {
			t.Errorf("agreement run %+v", r)
		}
	}
	if a := got.Agreement[0].Runs[0]; a.VsExact != 1 || a.ARIExact != 1 {
		t.Errorf("exact seed 1 against itself: %+v", a)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	r := rows[0]
	if r.Tasks != 6 || r.Families != 2 || len(r.Budgets) != 3 || r.Budgets[0].K != 2 || r.Quality == nil ||
		r.Plain.Wall <= 0 || r.Affinity.Estimator != "exact" || r.ARI < -1 || r.ARI > 1 {
		t.Errorf("row %+v", r)
	}
	for _, b := range r.Budgets {
		if !b.Optimal || b.Gap != 0 {
			t.Errorf("budget %d at 6 tasks: optimal %v gap %g, want proven optimal", b.K, b.Optimal, b.Gap)
		}
	}
}

func TestBenchScaleRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-sizes", "25"}, "25 tasks: want a multiple of the family size 10"},
		{[]string{"-sizes", "10"}, "at least two families"},
		{[]string{"-budgets", "5-2"}, `-budgets: "5-2" is not`},
		{[]string{"-budgets", "0"}, `-budgets: "0" is not`},
		{[]string{"-quality-seeds", "0"}, "-quality-seeds at least 1"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"bench", "scale", "-out", dir}, tc.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.err) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", tc.args, code, stderr.String(), tc.err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%v: %s written", tc.args, dir)
		}
	}
}
