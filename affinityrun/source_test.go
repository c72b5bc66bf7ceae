package affinityrun

import (
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/mtl"
)

// Source takes the record's data source, lets the command line repeat it
// (a CSV file's targets with or without the added tasks, in any order),
// names the field of any other value, and refuses an added task that was
// an input column.
func TestUpdateSource(t *testing.T) {
	rec := catalog.Spec{CSV: &catalog.CSVSpec{Path: "f.csv", Targets: []string{"a1", "b1"}, Features: []string{"x0", "x1", "a3"},
		ValFraction: 0.1, TestFraction: 0.1}}
	update := func(added ...string) *Update {
		return &Update{opt: UpdateOptions{From: "A"}, old: &Record{Source: &rec}, rec: UpdateRecord{Added: added}}
	}
	with := func(change func(c *catalog.CSVSpec)) catalog.Spec {
		s := rec.Clone()
		change(s.CSV)
		return s
	}
	for _, c := range []struct {
		name  string
		added []string
		given catalog.Spec
		want  []string // targets of the source returned
		err   string
	}{
		{"record alone", []string{"a2"}, rec, []string{"a1", "b1", "a2"}, ""},
		{"targets as first given, reordered", []string{"a2"}, with(func(c *catalog.CSVSpec) { c.Targets = []string{"b1", "a1"} }), []string{"a1", "b1", "a2"}, ""},
		{"targets with the added", []string{"a2"}, with(func(c *catalog.CSVSpec) { c.Targets = []string{"a2", "a1", "b1"} }), []string{"a1", "b1", "a2"}, ""},
		{"other targets", []string{"a2"}, with(func(c *catalog.CSVSpec) { c.Targets = []string{"a1"} }), nil, "targets"},
		{"other features", []string{"a2"}, with(func(c *catalog.CSVSpec) { c.Features = []string{"x0"} }), nil, "features"},
		{"other split", []string{"a2"}, with(func(c *catalog.CSVSpec) { c.SplitSeed = 2 }), nil, "split_seed 0 there, 2 here"},
		{"an input added", []string{"a3"}, rec, nil, `column "a3" is an input feature`},
		{"another kind of source", []string{"a2"}, catalog.Spec{Name: "planted"}, nil, "csv"},
	} {
		got, err := update(c.added...).Source(c.given)
		if c.err != "" {
			if !IsInput(err) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want an input error with %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got.CSV == nil || !slices.Equal(got.CSV.Targets, c.want) {
			t.Errorf("%s: %+v, %v; want targets %v", c.name, got.CSV, err, c.want)
		}
	}
	if got := rec.CSV.Targets; !slices.Equal(got, []string{"a1", "b1"}) {
		t.Errorf("the record's targets changed: %v", got)
	}
	glyphs := catalog.Spec{Glyphs: &catalog.GlyphsSpec{N: 4000, Size: 16, Seed: 1}}
	u := &Update{opt: UpdateOptions{From: "A"}, old: &Record{Source: &glyphs}}
	other := glyphs.Clone()
	other.Glyphs.N = 500
	if _, err := u.Source(other); err == nil || !strings.Contains(err.Error(), "glyphs.n 4000 there, 500 here") {
		t.Errorf("other glyphs: %v", err)
	}
	if _, err := (&Update{opt: UpdateOptions{From: "A"}, old: &Record{}}).Source(glyphs); !IsInput(err) {
		t.Errorf("a record without a source: %v", err)
	}
}

// Settings start from the record (seed, division by the learning rate,
// data source with the added task, recipe), take -seed and -divide-by-lr
// when given, merge the data flags given into the recorded source, and
// refuse a data flag that differs from the record, naming the field.
func TestUpdateSettings(t *testing.T) {
	rec := catalog.Spec{CSV: &catalog.CSVSpec{Path: "f.csv", Targets: []string{"a1", "b1"}, Features: []string{"x0"}, ValFraction: 0.1, TestFraction: 0.1}}
	old := &Record{Source: &rec, Seed: 3, Config: mtl.Config{Epochs: 4}, Affinity: affinity.Options{Every: 2, DivideByLR: true}}
	u := &Update{opt: UpdateOptions{From: "A"}, old: old, rec: UpdateRecord{Added: []string{"a2"}}}
	s, err := u.Settings(Given{Seed: 1, Data: catalog.Choice{Targets: "b1,a1", SplitSeed: 2}})
	if err != nil || s.Seed != 3 || !s.Affinity.DivideByLR || s.Affinity.Every != 2 || s.Config.Epochs != 4 || !slices.Equal(s.Source.CSV.Targets, []string{"a1", "b1", "a2"}) {
		t.Errorf("nothing given: %+v, %v", s, err)
	}
	s, err = u.Settings(Given{Flags: map[string]bool{"seed": true, "divide-by-lr": true, "targets": true}, Seed: 5, Data: catalog.Choice{Targets: "b1,a1"}})
	if err != nil || s.Seed != 5 || s.Affinity.DivideByLR || !slices.Equal(s.Source.CSV.Targets, []string{"a1", "b1", "a2"}) {
		t.Errorf("-seed, -divide-by-lr=false and the first targets given: %+v, %v", s, err)
	}
	if !old.Affinity.DivideByLR || old.Seed != 3 {
		t.Errorf("Settings changed the record: %+v", old)
	}
	if _, err := u.Settings(Given{Flags: map[string]bool{"data-seed": true}, Data: catalog.Choice{SplitSeed: 2}}); !IsInput(err) || !strings.Contains(err.Error(), "split_seed 0 there, 2 here") {
		t.Errorf("another split: %v", err)
	}
	u.old = &Record{Seed: 3}
	if _, err := u.Settings(Given{}); !IsInput(err) || !strings.Contains(err.Error(), "records no data source") {
		t.Errorf("a record without a source: %v", err)
	}
}
