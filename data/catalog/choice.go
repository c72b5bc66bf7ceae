package catalog

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/csvdata"
)

// Choice is a data set as the data flags of a command name it: a built-in
// name or a CSV file (-data) with the CSV options, a CelebA folder with its
// options, or, for the training commands, the built-in glyph default when
// neither is given; and the tasks to use. The fields hold the flags' values
// as given (lists comma-separated); each field's flag is named beside it,
// and the errors of its methods name the flags (bad input, data.SpecError).
type Choice struct {
	Data         string  // -data: a built-in name (with its options) or a CSV file
	Targets      string  // -targets: CSV target columns
	Features     string  // -features: CSV feature columns (default: every non-target column)
	Kinds        string  // -kinds: CSV kind overrides, name=kind,...
	SplitSeed    uint64  // -data-seed: CSV row split
	ValFraction  float64 // -val-fraction (0: 0.1)
	TestFraction float64 // -test-fraction (0: 0.1)
	CelebA       string  // -celeba: CelebA folder
	Attributes   string  // -attributes: CelebA attributes
	Size         int     // -size: CelebA image side
	Limit        int     // -limit: CelebA images used (0: all)
	Cache        string  // -cache: CelebA decoded-image cache folder
	Glyphs       int     // -glyphs: examples of the glyph default
	GlyphSize    int     // -glyph-size: image side of the glyph default
	Tasks        string  // -tasks: the tasks to use (default: every task)
}

// SourceFlags are the flags that choose the data source (every field of
// Choice but Tasks), as Over reads the set of flags given.
var SourceFlags = []string{"data", "targets", "features", "kinds", "data-seed", "val-fraction", "test-fraction",
	"celeba", "attributes", "size", "limit", "cache", "glyphs", "glyph-size"}

// AddTargets adds tasks to the target columns Targets names, those it
// lacks (nothing when Targets is empty): a run continued for more tasks
// reads them as further target columns of its CSV file.
func (c *Choice) AddTargets(tasks []string) {
	if c.Targets == "" {
		return
	}
	targets := SplitList(c.Targets)
	for _, t := range tasks {
		if !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	c.Targets = strings.Join(targets, ",")
}

// SplitList splits a comma-separated list (of tasks, columns, methods),
// dropping blanks: the form in which commands take lists of names.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// badChoice formats a refusal of the data flags.
func badChoice(format string, args ...any) error {
	return &data.SpecError{Err: fmt.Errorf(format, args...)}
}

// Source returns the data source c names: Data (a registered name or a CSV
// file), or the CelebA folder when Data is empty. A CSV source records its
// validation and test fractions as used (0.1 when not given).
func (c Choice) Source() (Spec, error) {
	if c.CelebA != "" {
		if c.Data != "" {
			return Spec{}, badChoice("give either a data set or --celeba, not both")
		}
		return Spec{CelebA: &CelebASpec{Dir: c.CelebA, Attributes: SplitList(c.Attributes), Size: c.Size,
			Limit: c.Limit, Cache: c.Cache}}, nil
	}
	if c.Data == "" {
		return Spec{}, badChoice("no data set given (a name from 'tag data list', a CSV file with --targets, or --celeba DIR)")
	}
	if !isCSV(c.Data) {
		name, _, _ := strings.Cut(c.Data, ":")
		if _, err := data.Find(name); err != nil {
			return Spec{}, badChoice("-data: %v", err)
		}
		return Spec{Name: c.Data}, nil
	}
	if c.Targets == "" {
		return Spec{}, badChoice("%s: a CSV file needs --targets", c.Data)
	}
	kinds, err := c.kindMap()
	if err != nil {
		return Spec{}, err
	}
	s := &CSVSpec{Path: c.Data, Targets: SplitList(c.Targets), Features: SplitList(c.Features), Kinds: kinds,
		SplitSeed: c.SplitSeed, ValFraction: c.ValFraction, TestFraction: c.TestFraction}
	if s.ValFraction == 0 {
		s.ValFraction = 0.1
	}
	if s.TestFraction == 0 {
		s.TestFraction = 0.1
	}
	return Spec{CSV: s}, nil
}

// Open opens the data set Source names.
func (c Choice) Open() (data.Dataset, error) {
	s, err := c.Source()
	if err != nil {
		return nil, err
	}
	return s.Open()
}

// TrainingSource is the source of a training command: Source, or the glyph
// default rendered with seed when neither Data nor CelebA is given. given
// holds the names of the flags given on the command line.
func (c Choice) TrainingSource(seed uint64, given map[string]bool) (Spec, error) {
	if c.Data != "" || c.CelebA != "" {
		for _, name := range []string{"glyphs", "glyph-size"} {
			if given[name] {
				return Spec{}, badChoice("-%s applies to the built-in glyph default only (no -data, no -celeba)", name)
			}
		}
		return c.Source()
	}
	if c.Targets != "" {
		return Spec{}, badChoice("-targets needs -data FILE.csv")
	}
	if c.Glyphs < 100 {
		return Spec{}, badChoice("-glyphs %d: want at least 100 examples", c.Glyphs)
	}
	return Spec{Glyphs: &GlyphsSpec{N: c.Glyphs, Size: c.GlyphSize, Seed: seed}}, nil
}

// Load opens the data set of a training command (TrainingSource with seed
// and given) with open, and returns it with the tasks to use (TaskNames)
// and its source.
func (c Choice) Load(seed uint64, given map[string]bool, open func(Spec) (data.Dataset, error)) (data.Dataset, []string, Spec, error) {
	src, err := c.TrainingSource(seed, given)
	if err != nil {
		return nil, nil, src, err
	}
	ds, err := open(src)
	if err != nil {
		return nil, nil, src, err
	}
	tasks, err := c.TaskNames(ds)
	return ds, tasks, src, err
}

// TaskNames returns the tasks of ds that c chooses: every task, or those
// of Tasks, each checked against ds.
func (c Choice) TaskNames(ds data.Dataset) ([]string, error) {
	if c.Tasks != "" {
		tasks := SplitList(c.Tasks)
		for _, t := range tasks {
			if _, err := data.TaskIndex(ds, t); err != nil {
				return nil, badChoice("-tasks: %v", err)
			}
		}
		return tasks, nil
	}
	var tasks []string
	for _, t := range ds.Tasks() {
		tasks = append(tasks, t.Name)
	}
	return tasks, nil
}

// CheckSplits refuses a data set with an empty training, validation or
// test split: training needs examples in all three.
func CheckSplits(ds data.Dataset) error {
	splits := []data.Split{data.Train, data.Validation, data.Test}
	for _, s := range splits {
		if ds.Len(s) == 0 {
			return badChoice("%s: the %s split is empty (%d training, %d validation, %d test examples); training needs all three: give more rows or other -val-fraction/-test-fraction",
				ds.Name(), s, ds.Len(splits[0]), ds.Len(splits[1]), ds.Len(splits[2]))
		}
	}
	return nil
}

// isCSV reports whether spec names a file (rather than a built-in data
// set).
func isCSV(spec string) bool {
	fi, err := os.Stat(spec)
	return err == nil && fi.Mode().IsRegular() || strings.HasSuffix(strings.ToLower(spec), ".csv")
}

// kindMap parses Kinds into target name → kind name, checking each kind.
func (c Choice) kindMap() (map[string]string, error) {
	var kinds map[string]string
	for _, kv := range SplitList(c.Kinds) {
		name, kind, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, badChoice("-kinds: %q is not name=kind", kv)
		}
		k, err := data.ParseKind(strings.TrimSpace(kind))
		if err != nil {
			return nil, badChoice("-kinds: %s: %v", name, err)
		}
		if kinds == nil {
			kinds = map[string]string{}
		}
		kinds[strings.TrimSpace(name)] = k.String()
	}
	return kinds, nil
}

// Over returns rec, the data source a run recorded, with the data flags
// given (the names in given that are SourceFlags) applied: rec itself when
// none was given; otherwise, when the flags given all apply to a source of
// rec's kind (a CSV file, the glyphs, CelebA, a built-in name), rec with
// their values; else the source the flags name on their own
// (TrainingSource with seed). Comparing the result with rec names every
// field in which the flags differ from the record.
func (c Choice) Over(rec Spec, given map[string]bool, seed uint64) (Spec, error) {
	set := map[string]bool{}
	for n := range given {
		if slices.Contains(SourceFlags, n) {
			set[n] = true
		}
	}
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
	case s.CSV != nil && only("data", "targets", "features", "kinds", "data-seed", "val-fraction", "test-fraction") && (!set["data"] || isCSV(c.Data)):
		v := s.CSV
		if set["data"] {
			v.Path = c.Data
		}
		if set["targets"] {
			v.Targets = SplitList(c.Targets)
		}
		if set["features"] {
			v.Features = SplitList(c.Features)
		}
		if set["kinds"] {
			kinds, err := c.kindMap()
			if err != nil {
				return s, err
			}
			v.Kinds = kinds
		}
		if set["data-seed"] {
			v.SplitSeed = c.SplitSeed
		}
		if set["val-fraction"] {
			v.ValFraction = c.ValFraction
		}
		if set["test-fraction"] {
			v.TestFraction = c.TestFraction
		}
		return s, nil
	case s.Glyphs != nil && only("glyphs", "glyph-size"):
		if set["glyphs"] {
			s.Glyphs.N = c.Glyphs
		}
		if set["glyph-size"] {
			s.Glyphs.Size = c.GlyphSize
		}
		return s, nil
	case s.CelebA != nil && only("celeba", "attributes", "size", "limit", "cache"):
		v := s.CelebA
		if set["celeba"] {
			v.Dir = c.CelebA
		}
		if set["attributes"] {
			v.Attributes = SplitList(c.Attributes)
		}
		if set["size"] {
			v.Size = c.Size
		}
		if set["limit"] {
			v.Limit = c.Limit
		}
		if set["cache"] {
			v.Cache = c.Cache
		}
		return s, nil
	case s.Name != "" && only("data") && !isCSV(c.Data):
		return Spec{Name: c.Data}, nil
	}
	if set["targets"] && !set["data"] {
		return s, badChoice("-targets needs -data FILE.csv")
	}
	return c.TrainingSource(seed, given)
}

// Recorded is src as a run records it: a CSV source names its feature
// columns as opened (ds), so that reopening it with more targets keeps the
// same inputs.
func Recorded(src Spec, ds data.Dataset) *Spec {
	s := src.Clone()
	if c, ok := ds.(*csvdata.Dataset); ok && s.CSV != nil {
		s.CSV.Features = c.Features()
	}
	return &s
}
