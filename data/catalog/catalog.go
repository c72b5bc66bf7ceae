// Package catalog holds one record per built-in data set (Records): how
// to open it with its default options, the hint for its training recipe,
// its known or planted task structure and the expected time of `tag run
// -data NAME`. It registers every record with data.Register so that the
// data sets can be listed and opened by name (data.Sources, data.Open).
// Import it for its side effect where only the names are needed:
//
//	import _ "github.com/tagroup/tag/data/catalog"
//
// It is a separate package because the registry in package data must not
// import the sources, which import data. Spec says how a run opens its
// data: a built-in name, a CSV file, the glyphs or a CelebA folder.
package catalog

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/data/mnist"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/data/skdigits"
	"github.com/tagroup/tag/data/weka"
)

// Record is what the project knows about one built-in data set.
type Record struct {
	// Name is the name on the command line (-data NAME).
	Name string
	// Summary is the one-line description of `tag data list`.
	Summary string
	// Open builds the data set with its default options.
	Open func() (data.Dataset, error)
	// Options and OpenWith, for a data set that takes options after its
	// name (NAME:key=value,...): the defaults shown, and the opening with
	// options.
	Options  string
	OpenWith func(options string) (data.Dataset, error)
	// TrunkWidth is the recipe hint: the width of the one-layer ReLU trunk
	// of the tuned narrow recipe (gomlxtrainer.Narrow), so that tasks compete
	// for it; 0 for mtl.DefaultConfig.
	TrunkWidth int
	// Structure is the known or planted grouping of the tasks, "" when
	// none is known.
	Structure string
	// PlantedBudget is the number of groups the data were generated from
	// (0: none planted): there TAG must beat random groupings.
	PlantedBudget int
	// RunTime is the expected wall time of `tag run -data NAME` with its
	// defaults (3 seeds) on a 2-core machine built with GOEXPERIMENT=simd;
	// docs/run-times.md says how each was measured.
	RunTime string
	// owns reports whether a data set was built by this record's source
	// (with any options), for RecipeWidth.
	owns func(data.Dataset) bool
	// width, when set, is the recipe hint for a data set this record owns
	// (with its options); TrunkWidth is then the hint of its defaults.
	width func(data.Dataset) int
}

// DefaultGlyphs are the glyph images of `tag run` without a data flag and
// of `tag run -data glyphs`: sized so that every method of the default run
// (about 100 small networks, HOA's 45 included) finishes in a few minutes
// on two cores.
var DefaultGlyphs = GlyphsSpec{N: 4000, Size: 16, Seed: 1}

// PairsLimit caps each split of the registered mnist-pairs set (10000
// training, 10000 validation and 10000 test images).
const PairsLimit = 10000

// FashionLimit caps each split of the registered fashion-mnist set, so that
// a run with every method stays affordable on CPUs (10000 training,
// 10000 validation and 10000 test images).
const FashionLimit = 10000

func isGlyphs(ds data.Dataset) bool  { _, ok := ds.(*glyphs.Dataset); return ok }
func isPlanted(ds data.Dataset) bool { _, ok := ds.(*planted.Dataset); return ok }

var records = []Record{
	{Name: "glyphs",
		Summary: fmt.Sprintf("%d font-rendered %d×%d characters, 9 default binary attributes in three families (place, scale, shape); the data of a plain `tag run`; no download",
			DefaultGlyphs.N, DefaultGlyphs.Size, DefaultGlyphs.Size),
		// Opened as the source of `tag run` without a data flag is.
		Open: func() (data.Dataset, error) {
			g := DefaultGlyphs
			return Spec{Glyphs: &g}.open()
		},
		// 16 units hold one family far better than all nine tasks (8 and
		// 12 units gave noisier comparisons).
		TrunkWidth: 16, Structure: "three families of three attributes: place, scale, shape (glyphs.DefaultTasks)",
		RunTime: "53 s, measured", owns: isGlyphs},
	{Name: "glyphs-all", Summary: "all 18 glyph attributes on all 62 letters and digits (none constant); no download",
		Open:       func() (data.Dataset, error) { return glyphs.New(glyphs.Options{Seed: 1, Chars: glyphs.AllChars}) },
		TrunkWidth: 16, Structure: "attributes of the rendered character (place, scale, shape, case, ...)",
		RunTime: "2.8 min, measured", owns: isGlyphs},
	{Name: "planted", Summary: "synthetic tabular data: 3 families of 3 binary tasks with a known grouping; " +
		"any size with options, e.g. planted:families=30,size=10,dim=64 (300 tasks f00_t0..f29_t9)",
		Options: "families=3,size=3,dim=max(16,rank·families),rank=2,n=6000,noise=0.05,curvature=0.5,seed=1,regression=false",
		OpenWith: func(options string) (data.Dataset, error) {
			opt, err := planted.ParseSpec(options)
			if err != nil {
				return nil, err
			}
			return planted.New(opt)
		},
		// Three families of rank 2 need about 9 units; 8 make them compete.
		// Other options scale the width with the families (plantedWidth).
		TrunkWidth: 8, Structure: "planted: the tasks of a family share their inputs' directions", PlantedBudget: 3,
		RunTime: "33 s, measured", owns: isPlanted, width: plantedWidth},
	{Name: "multimnist", Summary: "MultiMNIST: two overlapping MNIST digits on 36×36, tasks left_digit and right_digit (10-class); needs the GoMNIST module",
		Open:    func() (data.Dataset, error) { return mnist.NewMultiMNIST(mnist.Options{Seed: 1}) },
		RunTime: "≈20–25 min (default CNN; ETA)"},
	{Name: "mnist-attributes", Summary: "one MNIST digit, 6 binary attributes of its value (even, greater_than_4, prime, ...); needs the GoMNIST module",
		Open:      func() (data.Dataset, error) { return mnist.NewAttributes(mnist.Options{}) },
		Structure: "attributes of the digit's value",
		RunTime:   "≈1.5–2 h (default CNN; ETA; -seeds 1 for a first look)"},
	{Name: "mnist-pairs", Summary: "45 one-versus-one MNIST digit tasks (\"3v8\": 1 for a 3, 0 for an 8; another digit: 1 when nearer to the mean 3 than to the mean 8); " +
		"digits from the GoMNIST module (Apache-2.0; MNIST itself commonly CC BY-SA 3.0), 10000 per split",
		Open:    func() (data.Dataset, error) { return mnist.NewPairs(mnist.Options{Limit: PairsLimit}) },
		RunTime: "not measured (45 tasks: use -methods tag,random -seeds 1 for a first look)"},
	// Real data sets shipped by Debian packages, converted when opened.
	{Name: "fashion-mnist", Summary: "Fashion-MNIST (Zalando, MIT): 28×28 clothing images, 7 binary attributes of the kind (footwear, top, long_sleeves, ...), 10000 per split; needs Debian's dataset-fashion-mnist",
		Open:    func() (data.Dataset, error) { return mnist.NewFashionAttributes(mnist.Options{Limit: FashionLimit}) },
		RunTime: "≈45–60 min (default CNN; ETA)"},
	{Name: "sklearn-digits", Summary: "scikit-learn's 1797 handwritten 8×8 digits (UCI, CC BY 4.0), the 6 digit attributes of mnist-attributes; needs Debian's python3-sklearn",
		Open:    func() (data.Dataset, error) { return skdigits.New(skdigits.Options{Seed: 1}) },
		RunTime: "66 s, measured"},
	{Name: "supermarket", Summary: "4627 shopping baskets (Weka's supermarket.arff, GPL-2+): predict 8 departments (fruit, vegetables, ...) from the 115 other departments ever visited; needs Debian's weka",
		Open:    func() (data.Dataset, error) { return weka.Supermarket(weka.Options{}) },
		RunTime: "3.2 min, measured"},
}

func init() {
	for _, r := range records {
		if r.OpenWith != nil {
			data.RegisterOptions(r.Name, r.Summary, r.Options, r.OpenWith)
		} else {
			data.Register(r.Name, r.Summary, r.Open)
		}
	}
}

// Records returns the record of every built-in data set, in the order of
// `tag data list`.
func Records() []Record { return append([]Record(nil), records...) }

// Lookup returns the record of the built-in data set name (without
// options).
func Lookup(name string) (Record, bool) {
	for _, r := range records {
		if r.Name == name {
			return r, true
		}
	}
	return Record{}, false
}

// RecipeWidth returns the recipe hint of the built-in source that built
// ds, with any options: Record.TrunkWidth, or for planted data a width that
// follows its families (plantedWidth); 0 for other data.
func RecipeWidth(ds data.Dataset) int {
	for _, r := range records {
		if r.owns != nil && r.owns(ds) {
			if r.width != nil {
				return r.width(ds)
			}
			return r.TrunkWidth
		}
	}
	return 0
}

// plantedWidth is the recipe hint of planted data on the principle of the
// default set's 8 units for the 9 features its 3 families of rank 2 need:
// 8/9 of the features every family needs (planted.Dataset.Features,
// rounded down), so that the families still compete for the trunk, and
// never below the default's 8. Default options give 8; 30 families of rank
// 2 on 64 inputs 80 units; 100 families on 64 inputs, whose directions
// overlap, 145.
func plantedWidth(ds data.Dataset) int {
	p, ok := ds.(*planted.Dataset)
	if !ok {
		return 0
	}
	return max(8, p.Features()*8/9)
}

// WriteList prints the registered data sets to w, as `tag data list`
// does: a table of their names, the expected run time of `tag run -data
// NAME` on 2 cores and their summaries, then the options of those that
// take options, with their defaults.
func WriteList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\t`tag run -data NAME` on 2 cores\tdescription")
	for _, s := range data.Sources() {
		t := "unknown"
		if r, ok := Lookup(s.Name); ok && r.RunTime != "" {
			t = r.RunTime
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, t, s.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\ndata sets with options (-data NAME:key=value,...; the defaults shown):")
	for _, s := range data.Sources() {
		if s.Options != "" {
			fmt.Fprintf(w, "  %s:%s\n", s.Name, s.Options)
		}
	}
	return err
}
