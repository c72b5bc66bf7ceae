package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/data/csvdata"
)

// trainingData are the flags with which `tag run` and `tag affinity` choose
// their data and tasks: every data flag (a CSV file, a built-in name,
// CelebA), the size of the built-in glyph default, and -tasks.
type trainingData struct {
	*dataFlags
	fs                *flag.FlagSet
	spec, tasks       string
	glyphN, glyphSize int
}

// addTrainingDataFlags defines the data flags of the training commands.
func addTrainingDataFlags(fs *flag.FlagSet) *trainingData {
	f := &trainingData{dataFlags: addDataFlags(fs), fs: fs}
	fs.StringVar(&f.spec, "data", "", "data set: a CSV `FILE` (with -targets) or a built-in name from 'tag data list', with options where it takes them (planted:families=30,size=10) (default: glyph images, see -glyphs)")
	fs.IntVar(&f.glyphN, "glyphs", catalog.DefaultGlyphs.N, "examples of the built-in glyph data used when neither -data nor -celeba is given")
	fs.IntVar(&f.glyphSize, "glyph-size", catalog.DefaultGlyphs.Size, "image side in pixels of the built-in glyph data")
	fs.StringVar(&f.tasks, "tasks", "", "comma-separated `TASKS` to use (default: every task of the data; the glyph default is its 9 default attributes)")
	return f
}

// source returns the data source the flags name: the glyph default,
// rendered with seed, when none is named. Errors are input errors naming
// the flag.
func (f *trainingData) source(seed uint64) (catalog.Spec, error) {
	if f.spec != "" || f.celebaDir != "" {
		for _, name := range []string{"glyphs", "glyph-size"} {
			if flagSet(f.fs, name) {
				return catalog.Spec{}, badInputf("-%s applies to the built-in glyph default only (no -data, no -celeba)", name)
			}
		}
		return f.dataFlags.source(f.spec)
	}
	if f.targets != "" {
		return catalog.Spec{}, badInputf("-targets needs -data FILE.csv")
	}
	if f.glyphN < 100 {
		return catalog.Spec{}, badInputf("-glyphs %d: want at least 100 examples", f.glyphN)
	}
	return catalog.Spec{Glyphs: &catalog.GlyphsSpec{N: f.glyphN, Size: f.glyphSize, Seed: seed}}, nil
}

// load opens the data set the flags name (the glyph default when none is
// named, rendered with seed) and returns it with the tasks to use and its
// source. Errors are input errors naming the flag.
func (f *trainingData) load(seed uint64, stderr io.Writer) (data.Dataset, []string, catalog.Spec, error) {
	src, err := f.source(seed)
	if err != nil {
		return nil, nil, src, err
	}
	ds, err := f.openSource(src, stderr)
	if err != nil {
		return nil, nil, src, err
	}
	var tasks []string
	for _, t := range ds.Tasks() {
		tasks = append(tasks, t.Name)
	}
	if f.tasks != "" {
		tasks = splitList(f.tasks)
		for _, t := range tasks {
			if _, err := data.TaskIndex(ds, t); err != nil {
				return nil, nil, src, badInputf("-tasks: %v", err)
			}
		}
	}
	return ds, tasks, src, nil
}

// addTargets adds tasks to the target columns -targets names, those it
// lacks (nothing without -targets).
func (f *trainingData) addTargets(tasks []string) {
	if f.targets == "" {
		return
	}
	targets := splitList(f.targets)
	for _, t := range tasks {
		if !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	f.targets = strings.Join(targets, ",")
}

// openSource opens src, saying so on stderr when it renders the glyphs;
// an error in the glyph flags names them.
// A data set with an empty split is refused here, before anything is
// written: training needs examples in all three.
func (f *trainingData) openSource(src catalog.Spec, stderr io.Writer) (data.Dataset, error) {
	var ds data.Dataset
	var err error
	if src.Glyphs == nil {
		ds, err = openSource(src)
	} else {
		fmt.Fprintf(stderr, "rendering %d glyph images...\n", src.Glyphs.N)
		if ds, err = src.Open(); err != nil {
			return nil, badInputf("-glyphs/-glyph-size: %v", err)
		}
	}
	if err != nil {
		return nil, err
	}
	return ds, checkSplits(ds)
}

// checkSplits refuses a data set with an empty training, validation or
// test split.
func checkSplits(ds data.Dataset) error {
	splits := []data.Split{data.Train, data.Validation, data.Test}
	for _, s := range splits {
		if ds.Len(s) == 0 {
			return badInputf("%s: the %s split is empty (%d training, %d validation, %d test examples); training needs all three: give more rows or other -val-fraction/-test-fraction",
				ds.Name(), s, ds.Len(splits[0]), ds.Len(splits[1]), ds.Len(splits[2]))
		}
	}
	return nil
}

// given reports whether any flag of the data source (not -tasks) was set
// on the command line of fs.
func (f *trainingData) given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) {
		if slices.Contains(dataSourceFlags, fl.Name) {
			set[fl.Name] = true
		}
	})
	return set
}

// dataSourceFlags are the flags that choose the data source.
var dataSourceFlags = []string{"data", "targets", "features", "kinds", "data-seed", "val-fraction", "test-fraction",
	"celeba", "attributes", "size", "limit", "cache", "glyphs", "glyph-size"}

// over returns rec, the data source a run recorded, with the data flags
// given on the command line of fs applied: rec itself when none was given;
// otherwise, when the flags given all apply to a source of rec's kind
// (a CSV file, the glyphs, CelebA, a built-in name), rec with their values;
// else the source the flags name on their own. Comparing the result with
// rec names every field in which the flags differ from the record.
func (f *trainingData) over(rec catalog.Spec, fs *flag.FlagSet, seed uint64) (catalog.Spec, error) {
	set := f.given(fs)
	if len(set) == 0 {
		return rec, nil
	}
	only := func(names ...string) bool {
		for n := range set {
			if !slices.Contains(names, n) {
				return false
			}
		}
		return true
	}
	s := rec.Clone()
	switch {
	case s.CSV != nil && only("data", "targets", "features", "kinds", "data-seed", "val-fraction", "test-fraction") && (!set["data"] || isCSV(f.spec)):
		c := s.CSV
		if set["data"] {
			c.Path = f.spec
		}
		if set["targets"] {
			c.Targets = splitList(f.targets)
		}
		if set["features"] {
			c.Features = splitList(f.features)
		}
		if set["kinds"] {
			kinds, err := f.kindMap()
			if err != nil {
				return s, err
			}
			c.Kinds = kinds
		}
		if set["data-seed"] {
			c.SplitSeed = f.seed
		}
		if set["val-fraction"] {
			c.ValFraction = f.val
		}
		if set["test-fraction"] {
			c.TestFraction = f.test
		}
		return s, nil
	case s.Glyphs != nil && only("glyphs", "glyph-size"):
		if set["glyphs"] {
			s.Glyphs.N = f.glyphN
		}
		if set["glyph-size"] {
			s.Glyphs.Size = f.glyphSize
		}
		return s, nil
	case s.CelebA != nil && only("celeba", "attributes", "size", "limit", "cache"):
		c := s.CelebA
		if set["celeba"] {
			c.Dir = f.celebaDir
		}
		if set["attributes"] {
			c.Attributes = splitList(f.attributes)
		}
		if set["size"] {
			c.Size = f.size
		}
		if set["limit"] {
			c.Limit = f.limit
		}
		if set["cache"] {
			c.Cache = f.cache
		}
		return s, nil
	case s.Name != "" && only("data") && !isCSV(f.spec):
		return catalog.Spec{Name: f.spec}, nil
	}
	if set["targets"] && !set["data"] {
		return s, badInputf("-targets needs -data FILE.csv")
	}
	return f.source(seed)
}

// splitPerSeed returns, for -vary-split, the data of each training seed: ds
// (a CSV file, opened with split seed -data-seed) for firstSeed, and the
// same file split with -data-seed + (seed − firstSeed) for later seeds,
// each opened once. Only a CSV file can be split anew.
func (f *trainingData) splitPerSeed(ds data.Dataset, firstSeed uint64) (func(uint64) (data.Dataset, error), error) {
	if _, ok := ds.(*csvdata.Dataset); !ok {
		what := "the built-in glyphs"
		switch {
		case f.celebaDir != "":
			what = "CelebA"
		case f.spec != "":
			what = f.spec
		}
		return nil, badInputf("-vary-split: %s is not a CSV file (-data FILE.csv -targets ...); built-in data sets have fixed splits", what)
	}
	var mu sync.Mutex
	opened := map[uint64]data.Dataset{firstSeed: ds}
	return func(seed uint64) (data.Dataset, error) {
		mu.Lock()
		defer mu.Unlock()
		if d, ok := opened[seed]; ok {
			return d, nil
		}
		g := *f.dataFlags
		g.seed += seed - firstSeed
		d, err := g.open(f.spec)
		if err != nil {
			return nil, err
		}
		opened[seed] = d
		return d, nil
	}, nil
}
