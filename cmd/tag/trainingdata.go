package main

import (
	"flag"
	"fmt"
	"io"
	"sync"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/csvdata"
	"github.com/tagroup/tag/data/glyphs"
)

// Built-in default data of the training commands: glyph images, sized so
// that every method of the default run (about 100 small networks, HOA's 45
// included) finishes in a few minutes on two cores.
const (
	defaultGlyphN    = 4000
	defaultGlyphSize = 16
)

// trainingData are the flags with which `tag run` and `tag affinity` choose
// their data and tasks: every data flag (a CSV file, a built-in name,
// CelebA), the size of the built-in glyph default, and -tasks.
type trainingData struct {
	*dataFlags
	spec, tasks       string
	glyphN, glyphSize int
}

// addTrainingDataFlags defines the data flags of the training commands.
func addTrainingDataFlags(fs *flag.FlagSet) *trainingData {
	f := &trainingData{dataFlags: addDataFlags(fs)}
	fs.StringVar(&f.spec, "data", "", "data set: a CSV `FILE` (with -targets) or a built-in name from 'tag data list', with options where it takes them (planted:families=30,size=10) (default: glyph images, see -glyphs)")
	fs.IntVar(&f.glyphN, "glyphs", defaultGlyphN, "examples of the built-in glyph data used when neither -data nor -celeba is given")
	fs.IntVar(&f.glyphSize, "glyph-size", defaultGlyphSize, "image side in pixels of the built-in glyph data")
	fs.StringVar(&f.tasks, "tasks", "", "comma-separated `TASKS` to use (default: every task of the data; the glyph default is its 9 default attributes)")
	return f
}

// load opens the data set the flags name (the glyph default when none is
// named, rendered with seed) and returns it with the tasks to use. Errors
// are input errors naming the flag.
func (f *trainingData) load(seed uint64, stderr io.Writer) (data.Dataset, []string, error) {
	var ds data.Dataset
	if f.spec == "" && f.celebaDir == "" {
		if f.targets != "" {
			return nil, nil, badInputf("-targets needs -data FILE.csv")
		}
		if f.glyphN < 100 {
			return nil, nil, badInputf("-glyphs %d: want at least 100 examples", f.glyphN)
		}
		fmt.Fprintf(stderr, "rendering %d glyph images...\n", f.glyphN)
		var err error
		if ds, err = glyphs.New(glyphs.Options{N: f.glyphN, Size: f.glyphSize, Seed: seed, Tasks: glyphs.DefaultTasks()}); err != nil {
			return nil, nil, badInputf("-glyphs/-glyph-size: %v", err)
		}
	} else {
		var err error
		if ds, err = f.open(f.spec); err != nil {
			return nil, nil, err
		}
	}
	var tasks []string
	for _, t := range ds.Tasks() {
		tasks = append(tasks, t.Name)
	}
	if f.tasks != "" {
		tasks = splitList(f.tasks)
		for _, t := range tasks {
			if _, err := data.TaskIndex(ds, t); err != nil {
				return nil, nil, badInputf("-tasks: %v", err)
			}
		}
	}
	return ds, tasks, nil
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
