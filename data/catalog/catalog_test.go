package catalog

import (
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// `tag run` without a data flag (the glyph source with DefaultGlyphs and
// the training seed 1) and `tag run -data glyphs` open the same data.
func TestGlyphsRecordIsTheDefaultRun(t *testing.T) {
	plain, err := Spec{Glyphs: &GlyphsSpec{N: DefaultGlyphs.N, Size: DefaultGlyphs.Size, Seed: 1}}.Open()
	if err != nil {
		t.Fatal(err)
	}
	named, err := data.Open("glyphs")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Name() != named.Name() || plain.Len(data.Train) != named.Len(data.Train) {
		t.Errorf("tag run opens %s (%d training examples), -data glyphs %s (%d)", plain.Name(), plain.Len(data.Train),
			named.Name(), named.Len(data.Train))
	}
	rp, _ := Lookup("glyphs")
	if RecipeWidth(plain) != rp.TrunkWidth || RecipeWidth(named) != rp.TrunkWidth {
		t.Errorf("recipe widths %d and %d, want the record's %d", RecipeWidth(plain), RecipeWidth(named), rp.TrunkWidth)
	}
}

// The planted recipe width is the record's 8 for the default set (so the
// default run and the quality benchmark keep their recipe) and follows the
// number of families otherwise.
func TestPlantedRecipeWidth(t *testing.T) {
	rp, _ := Lookup("planted")
	for _, c := range []struct {
		spec string
		want int
	}{
		{"planted", rp.TrunkWidth},
		{"planted:seed=7", 8},
		{"planted:families=2,size=3", 8},
		{"planted:families=10,size=10,dim=64,seed=3", 26},
		{"planted:families=30,size=10,dim=64,seed=3", 80},
		{"planted:families=100,size=10,dim=64,seed=3", 145},
		{"planted:families=30,size=2,dim=64,curvature=-1", 53},
	} {
		ds, err := data.Open(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := RecipeWidth(ds); got != c.want {
			t.Errorf("RecipeWidth(%s) = %d, want %d", c.spec, got, c.want)
		}
	}
	if rp.TrunkWidth != 8 {
		t.Errorf("planted record's TrunkWidth %d, want 8", rp.TrunkWidth)
	}
}

// TestWriteList checks that the list names every record with its run
// time, and the options of the data sets that take them.
func TestWriteList(t *testing.T) {
	var b strings.Builder
	if err := WriteList(&b); err != nil {
		t.Fatal(err)
	}
	for _, r := range Records() {
		if !strings.Contains(b.String(), r.Name+" ") {
			t.Errorf("list lacks %s:\n%s", r.Name, b.String())
		}
	}
	if !strings.Contains(b.String(), "  planted:") {
		t.Errorf("list lacks the options of planted:\n%s", b.String())
	}
}
