package catalog

import (
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
