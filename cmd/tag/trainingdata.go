package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tagroup/tag/data"
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
	fs.StringVar(&f.spec, "data", "", "data set: a CSV `FILE` (with -targets) or a built-in name from 'tag data list' (default: glyph images, see -glyphs)")
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
