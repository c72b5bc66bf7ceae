package catalog

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// TestChoiceSource checks the source each combination of data flags names
// and the refusals, each bad input naming the flag.
func TestChoiceSource(t *testing.T) {
	csv := Choice{Data: "t.csv", Targets: "a, b", Kinds: "a=regression"}
	s, err := csv.Source()
	want := &CSVSpec{Path: "t.csv", Targets: []string{"a", "b"}, Kinds: map[string]string{"a": "regression"},
		ValFraction: 0.1, TestFraction: 0.1}
	if err != nil || !reflect.DeepEqual(s.CSV, want) {
		t.Errorf("CSV: got %+v, %v", s.CSV, err)
	}
	if s, err := (Choice{Glyphs: 200, GlyphSize: 8}).TrainingSource(5, nil); err != nil || *s.Glyphs != (GlyphsSpec{N: 200, Size: 8, Seed: 5}) {
		t.Errorf("glyphs: got %+v, %v", s, err)
	}
	for _, c := range []struct {
		c     Choice
		given map[string]bool
		want  string
	}{
		{Choice{Data: "t.csv"}, nil, "needs --targets"},
		{Choice{Data: "t.csv", Targets: "a", Kinds: "a"}, nil, `-kinds: "a" is not name=kind`},
		{Choice{Data: "planted", CelebA: "dir"}, nil, "not both"},
		{Choice{Targets: "a", Glyphs: 200}, nil, "-targets needs -data FILE.csv"},
		{Choice{Glyphs: 50}, nil, "-glyphs 50"},
		{Choice{Data: "planted"}, map[string]bool{"glyph-size": true}, "-glyph-size applies to the built-in glyph default only"},
	} {
		_, err := c.c.TrainingSource(1, c.given)
		var se *data.SpecError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &se) {
			t.Errorf("%+v: got %v, want a SpecError with %q", c.c, err, c.want)
		}
	}
}

// TestChoiceOver checks that the flags given change a recorded source of
// their kind field by field, and name a new source otherwise.
func TestChoiceOver(t *testing.T) {
	rec := Spec{CSV: &CSVSpec{Path: "t.csv", Targets: []string{"a"}, Features: []string{"x"}, SplitSeed: 3, ValFraction: 0.2, TestFraction: 0.1}}
	c := Choice{Data: "other.csv", Targets: "a,b", SplitSeed: 9, Glyphs: 200}
	got, err := c.Over(rec, map[string]bool{"targets": true, "seed": true}, 1)
	if err != nil || !reflect.DeepEqual(got.CSV.Targets, []string{"a", "b"}) || got.CSV.SplitSeed != 3 || got.CSV.Path != "t.csv" {
		t.Errorf("targets over CSV: got %+v, %v", got.CSV, err)
	}
	if rec.CSV.Targets[0] != "a" || len(rec.CSV.Targets) != 1 {
		t.Errorf("Over changed the record: %+v", rec.CSV)
	}
	if got, err := c.Over(rec, map[string]bool{"seed": true}, 1); err != nil || !reflect.DeepEqual(got, rec) {
		t.Errorf("no data flag: got %+v, %v; want the record", got, err)
	}
	g := Spec{Glyphs: &GlyphsSpec{N: 4000, Size: 16, Seed: 1}}
	if got, err := (Choice{Data: "planted"}).Over(g, map[string]bool{"data": true}, 1); err != nil || got.Name != "planted" {
		t.Errorf("a name over the glyphs: got %+v, %v", got, err)
	}
	if _, err := (Choice{Targets: "a"}).Over(g, map[string]bool{"targets": true}, 1); err == nil || !strings.Contains(err.Error(), "-targets needs -data") {
		t.Errorf("-targets over the glyphs: got %v", err)
	}
}

// AddTargets appends the tasks -targets lacks, and leaves a choice
// without -targets alone.
func TestAddTargets(t *testing.T) {
	c := Choice{Targets: "a, b"}
	c.AddTargets([]string{"b", "r"})
	if c.Targets != "a,b,r" {
		t.Errorf("targets %q, want a,b,r", c.Targets)
	}
	var none Choice
	if none.AddTargets([]string{"r"}); none.Targets != "" {
		t.Errorf("targets %q without -targets", none.Targets)
	}
}
