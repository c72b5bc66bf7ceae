package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
)

// trainingData are the flags with which `tag run`, `tag affinity` and
// `tag update` choose their data and tasks (catalog.Choice): every data
// flag (a CSV file, a built-in name, CelebA), the size of the built-in
// glyph default, and -tasks.
type trainingData struct {
	catalog.Choice
	fs *flag.FlagSet
}

// addTrainingDataFlags defines the data flags of the training commands.
func addTrainingDataFlags(fs *flag.FlagSet) *trainingData {
	f := &trainingData{fs: fs}
	addDataFlags(fs, &f.Choice)
	fs.StringVar(&f.Data, "data", "", "data set: a CSV `FILE` (with -targets) or a built-in name from 'tag data list', with options where it takes them (planted:families=30,size=10) (default: glyph images, see -glyphs)")
	fs.IntVar(&f.Glyphs, "glyphs", catalog.DefaultGlyphs.N, "examples of the built-in glyph data used when neither -data nor -celeba is given")
	fs.IntVar(&f.GlyphSize, "glyph-size", catalog.DefaultGlyphs.Size, "image side in pixels of the built-in glyph data")
	fs.StringVar(&f.Tasks, "tasks", "", "comma-separated `TASKS` to use (default: every task of the data; the glyph default is its 9 default attributes)")
	return f
}

// load opens the data set the flags name (the glyph default when none is
// named, rendered with seed) and returns it with the tasks to use and its
// source. Errors are input errors naming the flag.
func (f *trainingData) load(seed uint64, stderr io.Writer) (data.Dataset, []string, catalog.Spec, error) {
	return f.Load(seed, givenFlags(f.fs), f.opener(stderr))
}

// opener is openSource with stderr, for the library functions that open
// a source.
func (f *trainingData) opener(stderr io.Writer) func(catalog.Spec) (data.Dataset, error) {
	return func(src catalog.Spec) (data.Dataset, error) { return f.openSource(src, stderr) }
}

// openSource opens src, saying so on stderr when it renders the glyphs;
// an error in the glyph flags names them. A data set with an empty split
// is refused here, before anything is written (catalog.CheckSplits).
func (f *trainingData) openSource(src catalog.Spec, stderr io.Writer) (data.Dataset, error) {
	if src.Glyphs != nil {
		fmt.Fprintf(stderr, "rendering %d glyph images...\n", src.Glyphs.N)
	}
	ds, err := src.Open()
	if err != nil && src.Glyphs != nil {
		return nil, badInputf("-glyphs/-glyph-size: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return ds, catalog.CheckSplits(ds)
}
