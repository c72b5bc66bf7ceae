// Package weka reads example data sets shipped by Debian's weka package
// (University of Waikato, GPL-2+) in Weka's ARFF format, and builds
// multi-task data sets from them. Nothing is downloaded: the files are
// converted when the data set is opened.
//
// Supermarket (supermarket.arff): 4627 shopping baskets of a New Zealand
// supermarket, one binary column per department (1 when the basket holds
// an item of that department; ARFF writes "t" or "?") and a nominal column
// total (low or high, the basket's value below or above 100 dollars). The
// multi-task data set predicts whether a basket holds items of several
// departments (DefaultTargets: fruit, vegetables, milk and cream, ...)
// from every other column that is set in some basket (departments never
// visited are left out): market-basket prediction, real multi-label
// tabular data. The table goes through csvdata (split by a seeded hash of
// each row, features standardized on the training split, the same notes
// and leakage check).
package weka

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/tagroup/tag/data/csvdata"
)

// SupermarketPath is where the weka package installs supermarket.arff.
const SupermarketPath = "/usr/share/doc/weka/examples/supermarket.arff"

// Package is the Debian package that ships the files.
const Package = "weka"

// DefaultTargets are the departments predicted by default: eight common
// ones (in 36% to 64% of the baskets) from different aisles.
var DefaultTargets = []string{"fruit", "vegetables", "milk-cream", "frozen foods", "biscuits", "party snack foods", "pet foods", "beef"}

// Options configure the Supermarket data set; zero values select defaults.
type Options struct {
	// Path is the ARFF file (default SupermarketPath).
	Path string
	// Targets are the departments to predict (default DefaultTargets);
	// every other column set in some basket is a feature.
	Targets []string
	// Seed keys the row split (see csvdata).
	Seed uint64
}

// Supermarket opens the supermarket baskets as a multi-task data set (see
// the package comment). A missing file is an error that names the Debian
// package to install; a malformed line is an error naming the file and
// line.
func Supermarket(opt Options) (*csvdata.Dataset, error) {
	if opt.Path == "" {
		opt.Path = SupermarketPath
	}
	if len(opt.Targets) == 0 {
		opt.Targets = DefaultTargets
	}
	f, err := os.Open(opt.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("supermarket: %s not found (install the Debian package: apt-get install %s)", opt.Path, Package)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var table bytes.Buffer
	names, nonzero, err := convert(&table, f, opt.Path)
	if err != nil {
		return nil, err
	}
	// Departments never visited carry no information: only the columns
	// that are sometimes set become features.
	var features []string
	for k, n := range names {
		if nonzero[k] > 0 && !slices.Contains(opt.Targets, n) {
			features = append(features, n)
		}
	}
	return csvdata.LoadReader(&table, opt.Path, csvdata.Options{Targets: opt.Targets, Features: features, Seed: opt.Seed})
}

// ToCSV converts an ARFF file whose attributes are all nominal into a CSV
// table with a header line: each value is written as its index in the
// attribute's list of values, except that a missing value ("?") of an
// attribute with a single value (such as {t}, a set membership) is 0 and
// that value 1. A missing value of any other attribute, a numeric or
// string attribute, or a value outside the list is an error naming name
// and the line. Comments (%) and blank lines are skipped.
func ToCSV(w io.Writer, r io.Reader, name string) error {
	_, _, err := convert(w, r, name)
	return err
}

// convert is ToCSV that also returns the attribute names and, per
// attribute, the number of rows whose value is not 0.
func convert(w io.Writer, r io.Reader, name string) (names []string, nonzero []int, err error) {
	var attrs []nominal
	cw := csv.NewWriter(w)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line, inData := 0, false
	row := []string{}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '%' {
			continue
		}
		lower := strings.ToLower(text)
		switch {
		case !inData && strings.HasPrefix(lower, "@relation"):
		case !inData && strings.HasPrefix(lower, "@attribute"):
			a, err := parseAttribute(strings.TrimSpace(text[len("@attribute"):]))
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			attrs = append(attrs, a)
		case !inData && strings.HasPrefix(lower, "@data"):
			if len(attrs) == 0 {
				return nil, nil, fmt.Errorf("%s:%d: @data before any @attribute", name, line)
			}
			names = make([]string, len(attrs))
			for k, a := range attrs {
				names[k] = a.name
			}
			nonzero = make([]int, len(attrs))
			if err := cw.Write(names); err != nil {
				return nil, nil, err
			}
			inData = true
		case !inData:
			return nil, nil, fmt.Errorf("%s:%d: unexpected line before @data: %.40q", name, line, text)
		default:
			fields := strings.Split(text, ",")
			if len(fields) != len(attrs) {
				return nil, nil, fmt.Errorf("%s:%d: %d values, want %d (one per @attribute)", name, line, len(fields), len(attrs))
			}
			row = row[:0]
			for k, v := range fields {
				v = strings.Trim(strings.TrimSpace(v), "'")
				a := attrs[k]
				idx := -1
				if v == "?" && len(a.values) == 1 {
					idx = 0
				} else {
					for i, s := range a.values {
						if s == v {
							idx = i
							if len(a.values) == 1 {
								idx = 1
							}
						}
					}
				}
				if idx < 0 {
					return nil, nil, fmt.Errorf("%s:%d: attribute %q: value %q is not one of {%s}", name, line, a.name, v, strings.Join(a.values, ", "))
				}
				if idx != 0 {
					nonzero[k]++
				}
				row = append(row, fmt.Sprint(idx))
			}
			if err := cw.Write(row); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if !inData {
		return nil, nil, fmt.Errorf("%s: no @data section", name)
	}
	cw.Flush()
	return names, nonzero, cw.Error()
}

// nominal is a parsed @attribute line.
type nominal struct {
	name   string
	values []string
}

// parseAttribute parses "'name' {v1, v2}" or "name {v1,v2}" (a trailing
// % comment allowed); other attribute types are errors.
func parseAttribute(s string) (nominal, error) {
	var a nominal
	if strings.HasPrefix(s, "'") || strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return a, fmt.Errorf("unterminated attribute name in %q", s)
		}
		a.name, s = s[1:1+end], strings.TrimSpace(s[2+end:])
	} else {
		name, rest, _ := strings.Cut(s, " ")
		a.name, s = name, strings.TrimSpace(rest)
	}
	if !strings.HasPrefix(s, "{") {
		return a, fmt.Errorf("attribute %q: only nominal attributes ({...}) are supported, got %q", a.name, s)
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return a, fmt.Errorf("attribute %q: unterminated value list", a.name)
	}
	for _, v := range strings.Split(s[1:end], ",") {
		if v = strings.Trim(strings.TrimSpace(v), "'"); v != "" {
			a.values = append(a.values, v)
		}
	}
	if len(a.values) == 0 {
		return a, fmt.Errorf("attribute %q: empty value list", a.name)
	}
	return a, nil
}
