package catalog

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/celeba"
	"github.com/tagroup/tag/data/csvdata"
	"github.com/tagroup/tag/data/glyphs"
)

// Spec says how to open a data set: exactly one of a registered name, a
// CSV file with its columns and split, the glyph generator, or a CelebA
// folder. A run records it so that a later command (an update of the
// run) can open the same data again without the flags that named it.
type Spec struct {
	Name   string      `json:"name,omitempty"`
	CSV    *CSVSpec    `json:"csv,omitempty"`
	Glyphs *GlyphsSpec `json:"glyphs,omitempty"`
	CelebA *CelebASpec `json:"celeba,omitempty"`
}

// CSVSpec is a CSV file opened with csvdata.Load.
type CSVSpec struct {
	Path     string   `json:"path"`
	Targets  []string `json:"targets"`
	Features []string `json:"features,omitempty"`
	// Kinds are the kind overrides by target name (data.ParseKind names).
	Kinds        map[string]string `json:"kinds,omitempty"`
	SplitSeed    uint64            `json:"split_seed"`
	ValFraction  float64           `json:"val_fraction,omitempty"`
	TestFraction float64           `json:"test_fraction,omitempty"`
}

// GlyphsSpec is the glyph generator with its default tasks.
type GlyphsSpec struct {
	N    int    `json:"n"`
	Size int    `json:"size"`
	Seed uint64 `json:"seed"`
}

// CelebASpec is a CelebA folder opened with celeba.Open.
type CelebASpec struct {
	Dir        string   `json:"dir"`
	Attributes []string `json:"attributes,omitempty"`
	Size       int      `json:"size,omitempty"`
	Limit      int      `json:"limit,omitempty"`
	Cache      string   `json:"cache,omitempty"`
}

// Clone returns a deep copy of s.
func (s Spec) Clone() Spec {
	if s.CSV != nil {
		c := *s.CSV
		c.Targets, c.Features, c.Kinds = slices.Clone(c.Targets), slices.Clone(c.Features), maps.Clone(c.Kinds)
		s.CSV = &c
	}
	if s.Glyphs != nil {
		g := *s.Glyphs
		s.Glyphs = &g
	}
	if s.CelebA != nil {
		c := *s.CelebA
		c.Attributes = slices.Clone(c.Attributes)
		s.CelebA = &c
	}
	return s
}

// Open opens the data set s names. Its errors name the file or the value
// at fault. An error in what the user gave (a name, an option, a file or a
// folder) is a *data.SpecError or a *data.FileError; a built-in data set
// that fails to open returns its own error.
func (s Spec) Open() (data.Dataset, error) {
	if s.Name != "" && s.CSV == nil && s.Glyphs == nil && s.CelebA == nil {
		return data.Open(s.Name)
	}
	ds, err := s.open()
	if fe := (*data.FileError)(nil); err != nil && !errors.As(err, &fe) {
		var se *data.SpecError
		if !errors.As(err, &se) {
			err = &data.SpecError{Err: err}
		}
	}
	return ds, err
}

// open is Open without the classification of errors.
func (s Spec) open() (data.Dataset, error) {
	n := 0
	for _, set := range []bool{s.Name != "", s.CSV != nil, s.Glyphs != nil, s.CelebA != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("a data source names exactly one of a data set, a CSV file, the glyphs or a CelebA folder (%d given)", n)
	}
	switch {
	case s.CSV != nil:
		c := s.CSV
		kinds := map[string]data.Kind{}
		for name, kind := range c.Kinds {
			k, err := data.ParseKind(kind)
			if err != nil {
				return nil, fmt.Errorf("kind of %s: %w", name, err)
			}
			kinds[name] = k
		}
		return csvdata.Load(c.Path, csvdata.Options{Targets: c.Targets, Features: c.Features, Kinds: kinds,
			Seed: c.SplitSeed, ValFraction: c.ValFraction, TestFraction: c.TestFraction})
	case s.Glyphs != nil:
		g := s.Glyphs
		return glyphs.New(glyphs.Options{N: g.N, Size: g.Size, Seed: g.Seed, Tasks: glyphs.DefaultTasks()})
	case s.CelebA != nil:
		c := s.CelebA
		return celeba.Open(c.Dir, celeba.Options{Attributes: c.Attributes, Size: c.Size, CacheDir: c.Cache, Limit: c.Limit})
	}
	return data.Open(s.Name)
}

// SplitPerSeed returns, for -vary-split, the data of each training seed:
// ds (s opened) for firstSeed, and s's CSV file split with split seed
// SplitSeed + (seed − firstSeed) for later seeds, each opened once. It
// needs s alone, not the flags that named it: a run continued from a
// recorded source splits it anew as the run that recorded it did. Only a
// CSV file can be split anew.
func (s Spec) SplitPerSeed(ds data.Dataset, firstSeed uint64) (func(uint64) (data.Dataset, error), error) {
	if _, ok := ds.(*csvdata.Dataset); !ok || s.CSV == nil {
		what := "the built-in glyphs"
		switch {
		case s.CelebA != nil:
			what = "CelebA"
		case s.Name != "":
			what = s.Name
		case s.CSV != nil:
			what = s.CSV.Path
		}
		return nil, badChoice("-vary-split: %s is not a CSV file (-data FILE.csv -targets ...); built-in data sets have fixed splits", what)
	}
	var mu sync.Mutex
	opened := map[uint64]data.Dataset{firstSeed: ds}
	return func(seed uint64) (data.Dataset, error) {
		mu.Lock()
		defer mu.Unlock()
		if d, ok := opened[seed]; ok {
			return d, nil
		}
		g := s.Clone()
		g.CSV.SplitSeed += seed - firstSeed
		d, err := g.Open()
		if err != nil {
			return nil, err
		}
		opened[seed] = d
		return d, nil
	}, nil
}

// String describes s in a few words, for messages.
func (s Spec) String() string {
	switch {
	case s.CSV != nil:
		return fmt.Sprintf("%s (targets %s)", s.CSV.Path, strings.Join(s.CSV.Targets, ","))
	case s.Glyphs != nil:
		return fmt.Sprintf("the built-in glyphs (%d images of %d×%d, seed %d)", s.Glyphs.N, s.Glyphs.Size, s.Glyphs.Size, s.Glyphs.Seed)
	case s.CelebA != nil:
		return "CelebA in " + s.CelebA.Dir
	}
	return s.Name
}
