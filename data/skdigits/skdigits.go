// Package skdigits is the handwritten-digit set that scikit-learn bundles
// (E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits",
// UCI Machine Learning Repository, 1998, CC BY 4.0), as installed by
// Debian's python3-sklearn package (scikit-learn is BSD-3-Clause):
// 1797 digits of 8×8 pixels counting the set pixels of 4×4 blocks of a
// 32×32 bitmap (0..16), written by 13 people, in the gzip-compressed CSV
// file sklearn/datasets/data/digits.csv.gz (64 pixel counts then the digit
// per line, no header).
//
// The file is converted when the data set is opened; nothing is
// downloaded. Tasks are binary attributes of the digit's value
// (mnist.DigitAttributes: even, greater_than_4, prime, closed_loop,
// multiple_of_3, fibonacci), as for mnist-attributes: a small real data
// set of a different scanner, resolution and writers than MNIST.
// Inputs are [8, 8, 1] images scaled to [0, 1] (count/16).
//
// Split: a permutation of the rows drawn from Options.Seed puts 10% of the
// rows (rounded down) in test, the next 10% in validation and the rest in
// train; each split keeps the file's order.
package skdigits

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
	"github.com/tagroup/tag/data/mnist"
)

// DefaultPath is where python3-sklearn installs the digits file.
const DefaultPath = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"

// Package is the Debian package that ships DefaultPath.
const Package = "python3-sklearn"

// side is the side of a digit image; maxCount the largest pixel value.
const (
	side     = 8
	maxCount = 16
)

// Options configure the data set; zero values select defaults.
type Options struct {
	// Path is the digits.csv.gz file (default DefaultPath).
	Path string
	// Seed draws the split.
	Seed uint64
}

// Dataset is the digit-attribute data set; it implements data.Dataset,
// data.TargetFiller and data.Noter and is safe for concurrent use.
type Dataset struct {
	table.Table
	opt   Options
	tasks []data.Task
	rows  int
}

// New reads the digits file and labels each digit with the named
// attributes of mnist.DigitAttributes (all of them when tasks is empty).
// A missing file is an error that names the Debian package to install; a
// malformed line is an error naming the file and line.
func New(opt Options, tasks ...string) (*Dataset, error) {
	if opt.Path == "" {
		opt.Path = DefaultPath
	}
	taskList, has, err := mnist.AttributeRows("sklearn-digits", mnist.DigitAttributes, tasks)
	if err != nil {
		return nil, err
	}
	d := &Dataset{opt: opt, tasks: taskList}
	pix, labels, err := read(opt.Path)
	if err != nil {
		return nil, err
	}
	d.rows = len(labels)
	d.Table = table.Table{Label: d.Name(), InSize: side * side, NTasks: len(taskList)}
	split := Assign(len(labels), opt.Seed)
	for i, s := range split {
		for _, p := range pix[i*side*side : (i+1)*side*side] {
			d.X[s] = append(d.X[s], float32(p)/maxCount)
		}
		for t := range has {
			d.Y[s] = append(d.Y[s], has[t][labels[i]])
		}
	}
	return d, nil
}

// Assign returns the split of each of n rows under seed: a permutation
// drawn from seed puts its first n/10 rows in test, the next n/10 in
// validation and the rest in train.
func Assign(n int, seed uint64) []data.Split {
	out := make([]data.Split, n)
	perm := rand.New(rand.NewPCG(seed, 0x736b646967697473)).Perm(n)
	for k, i := range perm {
		switch {
		case k < n/10:
			out[i] = data.Test
		case k < 2*(n/10):
			out[i] = data.Validation
		default:
			out[i] = data.Train
		}
	}
	return out
}

// read parses the gzip-compressed CSV of pixel counts and labels.
func read(path string) (pix []uint8, labels []uint8, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("sklearn-digits: %s not found (install the Debian package: apt-get install %s)", path, Package)
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	sc := bufio.NewScanner(zr)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if len(fields) != side*side+1 {
			return nil, nil, fmt.Errorf("%s:%d: %d fields, want %d (64 pixel counts and the digit)", path, line, len(fields), side*side+1)
		}
		for k, s := range fields {
			v, err := strconv.Atoi(strings.TrimSpace(s))
			limit := maxCount
			if k == side*side {
				limit = 9
			}
			if err != nil || v < 0 || v > limit {
				return nil, nil, fmt.Errorf("%s:%d: field %d is %q, want a whole number 0..%d", path, line, k+1, s, limit)
			}
			if k == side*side {
				labels = append(labels, uint8(v))
			} else {
				pix = append(pix, uint8(v))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(labels) < 10 {
		return nil, nil, fmt.Errorf("%s: %d digits, want at least 10", path, len(labels))
	}
	return pix, labels, nil
}

// Name describes the data set.
func (d *Dataset) Name() string { return fmt.Sprintf("sklearn-digits(seed=%d)", d.opt.Seed) }

// Tasks lists the chosen attributes.
func (d *Dataset) Tasks() []data.Task { return slices.Clone(d.tasks) }

// InputShape is [8, 8, 1].
func (d *Dataset) InputShape() []int { return []int{side, side, 1} }

// Notes says where the data came from, under which licence, and how it
// was split.
func (d *Dataset) Notes() []string {
	return []string{
		fmt.Sprintf("%d digits from %s (Debian package %s, BSD-3-Clause; data: Alpaydin & Kaynak, UCI, CC BY 4.0)", d.rows, d.opt.Path, Package),
		fmt.Sprintf("split by a permutation drawn from seed %d: test %d, validation %d, train %d rows", d.opt.Seed, d.Len(data.Test), d.Len(data.Validation), d.Len(data.Train)),
		"pixel counts 0..16 scaled to [0, 1]",
	}
}
