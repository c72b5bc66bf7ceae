package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// splitRows returns the inputs of ds's test examples, in order.
func splitRows(t *testing.T, ds data.Dataset) []float32 {
	t.Helper()
	n := ds.Len(data.Test)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	x, y := make([]float32, n*data.InputSize(ds)), make([]float32, n*len(ds.Tasks()))
	if err := ds.Fill(data.Test, idx, x, y); err != nil {
		t.Fatal(err)
	}
	return x
}

// A recorded CSV source is split anew per seed from the source alone: the
// first seed keeps the data opened, a later one gets the split seed moved
// by as much; other sources are refused naming what they are.
func TestSpecSplitPerSeed(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,a\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%d,%d\n", i, i%2)
	}
	p := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := Spec{CSV: &CSVSpec{Path: p, Targets: []string{"a"}, SplitSeed: 5, ValFraction: 0.2, TestFraction: 0.2}}
	ds, err := src.Open()
	if err != nil {
		t.Fatal(err)
	}
	split, err := src.SplitPerSeed(ds, 1)
	if err != nil {
		t.Fatal(err)
	}
	if first, err := split(1); err != nil || first != ds {
		t.Errorf("first seed: %v, %v; want the data opened", first, err)
	}
	third, err := split(3)
	if err != nil {
		t.Fatal(err)
	}
	moved := src.Clone()
	moved.CSV.SplitSeed = 7
	want, err := moved.Open()
	if err != nil {
		t.Fatal(err)
	}
	if got := splitRows(t, third); !slices.Equal(got, splitRows(t, want)) || slices.Equal(got, splitRows(t, ds)) {
		t.Errorf("seed 3's test rows %v, want split seed 7's %v", got, splitRows(t, want))
	}
	if src.CSV.SplitSeed != 5 {
		t.Errorf("SplitPerSeed changed the source: split seed %d", src.CSV.SplitSeed)
	}
	for _, c := range []struct {
		src  Spec
		want string
	}{
		{Spec{Name: "planted"}, "-vary-split: planted is not a CSV file"},
		{Spec{CelebA: &CelebASpec{Dir: "d"}}, "-vary-split: CelebA is not"},
		{Spec{Glyphs: &GlyphsSpec{N: 100}}, "-vary-split: the built-in glyphs is not"},
	} {
		if _, err := c.src.SplitPerSeed(nil, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.src, err, c.want)
		}
	}
}
