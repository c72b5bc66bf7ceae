// Package csvdata loads a user's table with many target columns as a
// multi-task data set (data.Dataset).
//
// The file is a comma-separated table with a header line of unique column
// names. The target columns become tasks; the feature columns (by default
// every other column) become the input vector. Columns that are neither are
// never parsed, so they may hold text such as identifiers.
//
// Task kinds are inferred per target from its distinct values: exactly two
// integer values are a Binary task ({0,1} kept as is, any other pair such as
// {-1,1} mapped to 0,1 in sorted order), 3 to MaxInferredClasses integer
// values a MultiClass task with the values remapped to 0..C-1 in sorted
// order, anything else a Regression task. Options.Kinds overrides the
// inference. The remapping is reported by Notes (and so by `tag data
// describe`).
//
// Split: each data line is assigned to train, validation or test by a
// seeded 64-bit FNV-1a hash of (Options.Seed, the line's text without its
// line ending), compared against the fractions. The assignment of a line
// depends on nothing else, so appending rows to the file never moves old
// rows between splits, and identical lines always share a split.
//
// Features are standardized (x - mean) / std with the mean and population
// standard deviation of the training split only, so that no information
// from validation or test rows leaks into the inputs.
//
// The file is streamed: one pass, with numbers parsed in place from the read
// buffer and stored as flat float32 matrices per split.
package csvdata

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
)

// MaxInferredClasses is the largest number of distinct integer values for
// which a target is inferred to be a MultiClass task; a target with more is
// a Regression task unless Options.Kinds says otherwise.
const MaxInferredClasses = 20

// MaxClasses is the largest number of classes a target declared MultiClass
// through Options.Kinds may have.
const MaxClasses = 1000

// Options selects the columns and the split of a CSV data set.
type Options struct {
	// Targets names the target columns, in task order. Required.
	Targets []string
	// Features names the input columns, in input order; empty means every
	// column that is not a target.
	Features []string
	// Kinds overrides the inferred kind of the named targets.
	Kinds map[string]data.Kind
	// Seed keys the hash that assigns rows to splits.
	Seed uint64
	// ValFraction and TestFraction are the expected fractions of rows in
	// the validation and test splits; zero means 0.1 each.
	ValFraction, TestFraction float64
}

// Dataset is a CSV file loaded in memory. It implements data.Dataset,
// data.TargetFiller, data.Noter and data.Fingerprinter, and is safe for
// concurrent use.
type Dataset struct {
	table.Table
	path     string
	tasks    []data.Task
	features []string
	// classes[t] lists the original values of classification task t in
	// class order; nil for a Regression task.
	classes [][]float64
	// mean and std are the training statistics used to standardize each
	// feature.
	mean, std []float64
	seed      uint64
	val, test float64
	rows      int
	// digest chains the hashes of every data line in file order: it
	// changes when any line (or the seed) does.
	digest uint64
}

// Name is the file path.
func (d *Dataset) Name() string { return d.path }

// Tasks lists the target columns as tasks.
func (d *Dataset) Tasks() []data.Task { return slices.Clone(d.tasks) }

// InputShape is [number of features].
func (d *Dataset) InputShape() []int { return []int{len(d.features)} }

// Features lists the feature columns in input order.
func (d *Dataset) Features() []string { return slices.Clone(d.features) }

// Classes returns the original values of the classes of task t in class
// order (class c stands for value Classes(t)[c]); nil for Regression tasks.
func (d *Dataset) Classes(t int) []float64 { return slices.Clone(d.classes[t]) }

// Standardization returns the training-split mean and standard deviation
// used to standardize feature f (std is 1 for a feature constant in the
// training split).
func (d *Dataset) Standardization(f int) (mean, std float64) { return d.mean[f], d.std[f] }

// Fingerprint stands for the file's rows, its feature columns and its
// split (seed and fractions), not for its target list (data.Fingerprinter):
// the same file opened with other or more targets has the same
// fingerprint, so that a run on some of its targets can be continued with
// others. The rows are covered by the chained hash of every data line
// (all columns, in file order).
func (d *Dataset) Fingerprint() string {
	return fmt.Sprintf("csv rows %d content %016x features %q split seed %d validation %g test %g",
		d.rows, d.digest, d.features, d.seed, d.val, d.test)
}

// Notes reports the split rule, the standardization and every class
// remapping.
func (d *Dataset) Notes() []string {
	notes := []string{
		fmt.Sprintf("content digest %016x (of every data line, in order, with the split seed)", d.digest),
		fmt.Sprintf("%d rows split by FNV-1a hash of (seed %d, line text): expected fractions train %.2f, validation %.2f, test %.2f; appended rows never move old rows",
			d.rows, d.seed, 1-d.val-d.test, d.val, d.test),
		fmt.Sprintf("%d features standardized with training-split mean and std", len(d.features)),
	}
	for f, s := range d.std {
		if s == 1 && d.constantInTrain(f) {
			notes = append(notes, fmt.Sprintf("feature %q is constant in the training split: it is 0 after standardization", d.features[f]))
		}
	}
	for t, cl := range d.classes {
		if cl == nil {
			continue
		}
		parts := make([]string, len(cl))
		for c, v := range cl {
			parts[c] = fmt.Sprintf("%d=%s", c, strconv.FormatFloat(v, 'g', -1, 64))
		}
		notes = append(notes, fmt.Sprintf("task %q classes: %s", d.tasks[t].Name, strings.Join(parts, ", ")))
	}
	return notes
}

func (d *Dataset) constantInTrain(f int) bool {
	X := d.X[data.Train]
	for i := f; i < len(X); i += len(d.features) {
		if X[i] != 0 {
			return false
		}
	}
	return true
}

// column roles while parsing.
const unused = -1

// targetStats tracks the distinct values of one target column.
type targetStats struct {
	distinct map[float64]struct{}
	limit    int // stop recording distinct values beyond this many
	integral bool
	first    float64
	constant bool
}

func (s *targetStats) add(v float64, n int) {
	if n == 0 {
		s.first = v
		s.constant = true
	} else if v != s.first {
		s.constant = false
	}
	if v != math.Trunc(v) {
		s.integral = false
	}
	if len(s.distinct) <= s.limit {
		s.distinct[v] = struct{}{}
	}
}

// Load reads the CSV file at path as a multi-task data set (see the package
// comment for the rules). Errors name the file, and the line and column
// where one is at fault.
func Load(path string, opt Options) (data.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &data.FileError{File: path, Err: err}
	}
	defer f.Close()
	return load(f, path, opt)
}

// LoadReader is Load for a table read from r, such as one converted in
// memory from another format: name stands for the file in errors and is
// the data set's Name.
func LoadReader(r io.Reader, name string, opt Options) (*Dataset, error) {
	return load(r, name, opt)
}

func load(r io.Reader, path string, opt Options) (*Dataset, error) {
	val, test := opt.ValFraction, opt.TestFraction
	if val == 0 {
		val = 0.1
	}
	if test == 0 {
		test = 0.1
	}
	if val < 0 || test < 0 || val+test >= 1 {
		return nil, fileError(path, 0, "validation fraction %g and test fraction %g must be non-negative with a sum below 1", val, test)
	}
	if len(opt.Targets) == 0 {
		return nil, fileError(path, 0, "no target columns given")
	}
	br := bufio.NewReaderSize(r, 1<<20)
	lr := lineReader{r: br}
	header, err := lr.next()
	if err == io.EOF {
		return nil, fileError(path, 0, "empty file (no header line)")
	}
	if err != nil {
		return nil, fileError(path, 0, "%w", err)
	}
	names, err := parseHeader(header)
	if err != nil {
		return nil, fileError(path, 1, "header: %w", err)
	}
	colOf := make(map[string]int, len(names))
	for c, n := range names {
		if n == "" {
			return nil, fileError(path, 1, "column %d has an empty name", c+1)
		}
		if prev, dup := colOf[n]; dup {
			return nil, fileError(path, 1, "column %d %q has the same name as column %d", c+1, n, prev+1)
		}
		colOf[n] = c
	}
	d := &Dataset{path: path, seed: opt.Seed, val: val, test: test}
	// role[c] >= 0 is a feature index; role[c] <= -2 is target -(role+2).
	role := make([]int, len(names))
	for c := range role {
		role[c] = unused
	}
	lookup := func(what, n string) (int, error) {
		c, ok := colOf[n]
		if !ok {
			return 0, fileError(path, 1, "no %s column %q in the header (columns: %s)", what, n, strings.Join(names, ", "))
		}
		if role[c] != unused {
			return 0, fileError(path, 1, "column %d %q is named twice in the targets and features", c+1, n)
		}
		return c, nil
	}
	targetCols := make([]int, len(opt.Targets))
	for t, n := range opt.Targets {
		c, err := lookup("target", n)
		if err != nil {
			return nil, err
		}
		role[c] = -2 - t
		targetCols[t] = c
	}
	for n := range opt.Kinds {
		if !slices.Contains(opt.Targets, n) {
			return nil, fileError(path, 0, "a kind is given for %q, which is not a target (targets: %s)", n, strings.Join(opt.Targets, ", "))
		}
	}
	if len(opt.Features) > 0 {
		for _, n := range opt.Features {
			c, err := lookup("feature", n)
			if err != nil {
				return nil, err
			}
			role[c] = len(d.features)
			d.features = append(d.features, n)
		}
	} else {
		for c, n := range names {
			if role[c] == unused {
				role[c] = len(d.features)
				d.features = append(d.features, n)
			}
		}
	}
	if len(d.features) == 0 {
		return nil, fileError(path, 0, "no feature columns (every column is a target)")
	}
	nf, nt := len(d.features), len(opt.Targets)
	stats := make([]targetStats, nt)
	for t, n := range opt.Targets {
		limit := MaxInferredClasses
		if k, ok := opt.Kinds[n]; ok && k == data.MultiClass {
			limit = MaxClasses
		}
		stats[t] = targetStats{distinct: map[float64]struct{}{}, limit: limit, integral: true}
	}
	d.Table = table.Table{Label: path, InSize: nf, NTasks: nt}
	xrow := make([]float32, nf)
	yrow := make([]float32, nt)
	seedHash := seedState(opt.Seed)
	lineNo := 1
	var fields [][]byte
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		lineNo++
		if err != nil {
			return nil, fileError(path, lineNo, "%w", err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fields, err = splitFields(fields[:0], line)
		if err != nil {
			return nil, fileError(path, lineNo, "%w", err)
		}
		if len(fields) != len(names) {
			return nil, fileError(path, lineNo, "%d fields, the header has %d columns", len(fields), len(names))
		}
		for col, field := range fields {
			ro := role[col]
			if ro == unused {
				continue
			}
			v, err := parseField(field)
			if err != nil {
				return nil, fileError(path, lineNo, "column %d %q: %w", col+1, names[col], err)
			}
			if ro >= 0 {
				xrow[ro] = float32(v)
			} else {
				t := -2 - ro
				stats[t].add(v, d.rows)
				yrow[t] = float32(v)
			}
		}
		h := hashLine(seedHash, line)
		d.digest = mix64(d.digest ^ h)
		s := splitOf(h, val, test)
		d.X[s] = append(d.X[s], xrow...)
		d.Y[s] = append(d.Y[s], yrow...)
		d.rows++
	}
	if d.rows == 0 {
		return nil, fileError(path, 0, "no data rows after the header")
	}
	if d.Len(data.Train) == 0 {
		return nil, fileError(path, 0, "none of the %d rows fell in the training split", d.rows)
	}
	d.tasks = make([]data.Task, nt)
	d.classes = make([][]float64, nt)
	for t, n := range opt.Targets {
		st := &stats[t]
		where := fmt.Sprintf("target column %d %q", targetCols[t]+1, n)
		if st.constant {
			return nil, fileError(path, 0, "%s is constant: all %d rows have the value %s", where, d.rows, strconv.FormatFloat(st.first, 'g', -1, 64))
		}
		task, classes, err := decideKind(n, st, opt.Kinds)
		if err != nil {
			return nil, fileError(path, 0, "%s: %w", where, err)
		}
		d.tasks[t], d.classes[t] = task, classes
	}
	d.remapClasses()
	d.standardize()
	return d, nil
}

// decideKind infers or checks the kind of a target from its statistics and
// returns the class values in class order for a classification task.
func decideKind(name string, st *targetStats, kinds map[string]data.Kind) (data.Task, []float64, error) {
	values := make([]float64, 0, len(st.distinct))
	for v := range st.distinct {
		values = append(values, v)
	}
	slices.Sort(values)
	kind, given := kinds[name]
	if !given {
		switch {
		case st.integral && len(values) == 2:
			kind = data.Binary
		case st.integral && len(values) <= MaxInferredClasses:
			kind = data.MultiClass
		default:
			kind = data.Regression
		}
	}
	if kind == data.Binary || kind == data.MultiClass {
		for k := 1; k < len(values); k++ {
			if float32(values[k-1]) == float32(values[k]) {
				return data.Task{}, nil, fmt.Errorf("class values %s and %s are equal in single precision",
					strconv.FormatFloat(values[k-1], 'g', -1, 64), strconv.FormatFloat(values[k], 'g', -1, 64))
			}
		}
	}
	switch kind {
	case data.Binary:
		if len(values) != 2 {
			return data.Task{}, nil, fmt.Errorf("binary needs exactly 2 distinct values, found %s", countString(values, st.limit))
		}
		return data.Task{Name: name, Kind: data.Binary, Classes: 2}, values, nil
	case data.MultiClass:
		if !st.integral {
			return data.Task{}, nil, errors.New("multiclass needs integer values, found a fraction")
		}
		if len(values) > MaxClasses {
			return data.Task{}, nil, fmt.Errorf("multiclass allows at most %d classes, found more", MaxClasses)
		}
		return data.Task{Name: name, Kind: data.MultiClass, Classes: len(values)}, values, nil
	case data.Regression:
		return data.Task{Name: name, Kind: data.Regression}, nil, nil
	}
	return data.Task{}, nil, fmt.Errorf("unknown kind %v", kind)
}

func countString(values []float64, limit int) string {
	if len(values) > limit {
		return fmt.Sprintf("more than %d", limit)
	}
	return strconv.Itoa(len(values))
}

// remapClasses replaces the raw values of classification targets by their
// class indices.
func (d *Dataset) remapClasses() {
	nt := len(d.tasks)
	for s := range d.Y {
		Y := d.Y[s]
		for t, cl := range d.classes {
			if cl == nil {
				continue
			}
			for i := t; i < len(Y); i += nt {
				// Y holds the values rounded to float32, a monotone
				// rounding: compare the class values rounded alike.
				c, _ := slices.BinarySearchFunc(cl, Y[i], func(v float64, y float32) int {
					return cmp.Compare(float32(v), y)
				})
				Y[i] = float32(c)
			}
		}
	}
}

// standardize computes the training mean and std of every feature and
// applies them to every split.
func (d *Dataset) standardize() {
	nf := len(d.features)
	d.mean = make([]float64, nf)
	d.std = make([]float64, nf)
	X := d.X[data.Train]
	n := float64(len(X) / nf)
	for i, v := range X {
		d.mean[i%nf] += float64(v)
	}
	for f := range d.mean {
		d.mean[f] /= n
	}
	for i, v := range X {
		dv := float64(v) - d.mean[i%nf]
		d.std[i%nf] += dv * dv
	}
	for f := range d.std {
		d.std[f] = math.Sqrt(d.std[f] / n)
		if d.std[f] == 0 {
			d.std[f] = 1
		}
	}
	for s := range d.X {
		Xs := d.X[s]
		for i := range Xs {
			f := i % nf
			Xs[i] = float32((float64(Xs[i]) - d.mean[f]) / d.std[f])
		}
	}
}

// parseField parses one numeric field without allocating. Surrounding
// spaces and double quotes are ignored; empty, non-numeric and non-finite
// values are errors.
func parseField(b []byte) (float64, error) {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = bytes.TrimSpace(b[1 : len(b)-1])
	}
	if len(b) == 0 {
		return 0, errors.New("missing value")
	}
	v, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("value %q is not a finite number", string(b))
	}
	return v, nil
}

// splitFields appends the comma-separated fields of line to fields. Lines
// without a double quote are split in place without allocating; a line
// with quotes is read with encoding/csv, so a quoted field may hold commas
// (but not line breaks: every record must stand on one line).
func splitFields(fields [][]byte, line []byte) ([][]byte, error) {
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				return append(fields, line), nil
			}
			fields = append(fields, line[:i])
			line = line[i+1:]
		}
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.LazyQuotes = false
	rec, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("column %d: %v (a quoted field must close on the same line)", pe.Column, pe.Err)
		}
		return nil, err
	}
	for _, f := range rec {
		fields = append(fields, []byte(f))
	}
	return fields, nil
}

// parseHeader splits the header line into trimmed column names, honouring
// CSV quoting and dropping a UTF-8 byte order mark.
func parseHeader(line []byte) ([]string, error) {
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(line))
	rec, err := cr.Read()
	if err != nil {
		return nil, err
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	return rec, nil
}

// lineReader returns the lines of a bufio.Reader without their line
// endings. The returned slice is valid until the next call.
type lineReader struct {
	r    *bufio.Reader
	long []byte
}

func (lr *lineReader) next() ([]byte, error) {
	line, err := lr.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, line...)
		}
		line = lr.long
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

// FNV-1a 64-bit parameters.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// seedState is the FNV-1a state after hashing the 8 little-endian bytes of
// seed, from which every line's hash continues.
func seedState(seed uint64) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < 8; i++ {
		h ^= (seed >> (8 * i)) & 0xff
		h *= fnvPrime
	}
	return h
}

// hashLine continues FNV-1a from the seed state over the line and finishes
// with a mixing step so that the top bits are uniform: the result is
// mix64(FNV-1a(seed as 8 little-endian bytes ++ line)).
func hashLine(h uint64, line []byte) uint64 {
	for _, c := range line {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return mix64(h)
}

// mix64 is the SplitMix64 finalizer.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// splitOf maps a uniform 64-bit hash to a split: the lowest test fraction
// of the range is test, the next val fraction validation, the rest train.
func splitOf(h uint64, val, test float64) data.Split {
	u := float64(h>>11) / (1 << 53)
	switch {
	case u < test:
		return data.Test
	case u < test+val:
		return data.Validation
	}
	return data.Train
}

// fileError is bad input in the file path (at line, 0 when the problem is
// not on one line).
func fileError(path string, line int, format string, args ...any) error {
	return &data.FileError{File: path, Line: line, Err: fmt.Errorf(format, args...)}
}
