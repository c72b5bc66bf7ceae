package catalog

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/csvdata"
)

// rows returns every example of ds as one row of inputs then targets, in
// the split order train, validation, test, and the split of each row.
func rows(t *testing.T, ds data.Dataset) ([][]float64, []data.Split) {
	t.Helper()
	nf, nt := data.InputSize(ds), len(ds.Tasks())
	var out [][]float64
	var splits []data.Split
	x, y := make([]float32, nf), make([]float32, nt)
	for s := data.Train; s <= data.Test; s++ {
		for i := range ds.Len(s) {
			if err := ds.Fill(s, []int{i}, x, y); err != nil {
				t.Fatal(err)
			}
			r := make([]float64, 0, nf+nt)
			for _, v := range x {
				r = append(r, float64(v))
			}
			for _, v := range y {
				r = append(r, float64(v))
			}
			out, splits = append(out, r), append(splits, s)
		}
	}
	return out, splits
}

// TestExportRoundTrip exports planted data sets, reads each file back
// with the flags Export returns, as tag run would, and finds every
// example with the same feature values (the CSV reader's standardization
// undone) and the same labels, and the same tasks and kinds.
func TestExportRoundTrip(t *testing.T) {
	for _, name := range []string{"planted:n=400", "planted:families=2,size=2,n=300,regression=true"} {
		t.Run(name, func(t *testing.T) {
			ds, err := Choice{Data: name}.Open()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "p.csv")
			e, err := Export(path, ds, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Written.Kinds) != 0 || e.Choice.Features != "" || len(e.Written.Notes) != 0 {
				t.Errorf("kinds %v, features %q, notes %q: want none", e.Written.Kinds, e.Choice.Features, e.Written.Notes)
			}
			args := e.Choice.CSVArgs()
			if want := []string{"-data", path, "-targets", strings.Join(e.Written.Targets, ",")}; !slices.Equal(args, want) {
				t.Errorf("args %q, want %q", args, want)
			}
			back, err := e.Choice.Open()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(back.Tasks(), ds.Tasks()) {
				t.Errorf("tasks read back %v, want %v", back.Tasks(), ds.Tasks())
			}
			c := back.(*csvdata.Dataset)
			nf := data.InputSize(ds)
			if !slices.Equal(c.Features(), e.Written.Features) || len(c.Features()) != nf {
				t.Fatalf("features %q, want %d: %q", c.Features(), nf, e.Written.Features)
			}
			want, wantSplits := rows(t, ds)
			got, _ := rows(t, back)
			for _, r := range got {
				for f := range nf {
					mean, std := c.Standardization(f)
					r[f] = r[f]*std + mean
				}
			}
			// The reader keeps the file's order within each of its splits:
			// each row written is the next row of one of them.
			var next [3]int
			gotSplits := make([][][]float64, 3)
			i := 0
			for s := data.Train; s <= data.Test; s++ {
				gotSplits[s] = got[i : i+back.Len(s)]
				i += back.Len(s)
			}
			moved := 0
		rowLoop:
			for k, w := range want {
				for s := range 3 {
					if next[s] < len(gotSplits[s]) && sameRow(gotSplits[s][next[s]], w, nf) {
						next[s]++
						if data.Split(s) != wantSplits[k] {
							moved++
						}
						continue rowLoop
					}
				}
				t.Fatalf("row %d of the export (%v) is not read back", k, w)
			}
			if moved == 0 {
				t.Error("every row kept its split: the reader is said to split anew")
			}
		})
	}
}

// sameRow reports whether the inputs agree to float32 precision (of the
// standardized value) and the targets exactly.
func sameRow(got, want []float64, nf int) bool {
	for i := range got {
		if i < nf && math.Abs(got[i]-want[i]) > 1e-5*(1+math.Abs(want[i])) || i >= nf && float32(got[i]) != float32(want[i]) {
			return false
		}
	}
	return true
}

// TestExportRefuses checks that Export refuses an existing file unless
// forced, a folder and a missing folder, and writes nothing then.
func TestExportRefuses(t *testing.T) {
	ds, err := Choice{Data: "planted:n=100"}.Open()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, err string }{
		{path, "exists; use -force"},
		{dir, "is a folder"},
		{filepath.Join(dir, "no", "p.csv"), "does not exist"},
		{"", "no file given"},
	} {
		_, err := Export(tc.path, ds, false)
		if se := (*data.SpecError)(nil); err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &se) {
			t.Errorf("Export(%q): %v, want bad input with %q", tc.path, err, tc.err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("refused export changed the file: %q", b)
	}
	if _, err := Export(path, ds, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "x0,") {
		t.Errorf("-force did not replace the file: %.20q", b)
	}
}
