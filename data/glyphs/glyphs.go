// Package glyphs renders a CelebA-like multi-task image data set from
// fonts: every example is one character drawn in a random font, scaled to a
// random ink box, slightly rotated, placed at a random position on a black
// square, and labelled with eighteen binary attributes of what was drawn.
//
// The default tasks (DefaultTasks) form three families of three. Within a
// family the tasks are overlapping cuts of one two-dimensional quantity, so
// a network that learns the family's features serves all of its tasks;
// different families need different features, and a narrow shared trunk
// cannot hold all of them (compare data/planted, whose families are cuts of
// orthogonal latent planes):
//
//   - place, from the ink box centre (x, y): left (x below the image
//     centre), high (y above it) and upper_left (x+y below that of the
//     centre);
//   - scale, from the ink box width w and height h, both log-uniform: wide
//     (w above the middle of its range), tall (h above it) and large (w·h
//     above the square of that middle);
//   - shape, from which of the eight capitals of DefaultChars is drawn:
//     vowel, symmetric (SymmetricChars) and straight (StraightChars).
//
// The other attributes are kept for custom task lists: style from the font
// (bold, italic, monospace, smallcaps) and identity from the character
// (uppercase, digit, round, has_ascender and has_descender, measured from
// the font's outline: ink higher than the letter x by more than
// AscenderMargin em, or lower than the baseline by more than
// DescenderMargin em, so a small-caps "g" has none). Because every glyph
// is scaled to its ink box, the ascender attributes are properties of the
// character, not of the image's layout; uppercase and digit are constant on
// the default alphabet (Options.Chars = AllChars varies them).
//
// Fonts: the ten Go fonts of golang.org/x/image/font/gofont (regular, bold,
// italic, bold italic, the four mono variants, small caps and small caps
// italic). Options.SystemFonts adds Debian's DejaVu fonts when installed;
// it is off by default because the data set would then depend on the
// machine. Every glyph is rasterized once per process at 64 pixels per em
// and cropped to its ink; an example resamples that mask with 4×4 bilinear
// samples per pixel. Every random choice of example i comes from a
// generator seeded with (Options.Seed, i), so the data are the same for a
// seed whatever the number of rendering workers.
//
// Images are rendered eagerly by New with one worker per CPU and kept as
// uint8 pixels; Fill converts them to float32 in [0,1].
package glyphs

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
)

// AllChars are the characters the data set can draw (Options.Chars).
const AllChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// DefaultChars is the alphabet drawn by default: eight capitals of distinct
// shapes, few enough that a small network can tell them apart, on which the
// shape attributes vowel, symmetric and straight are overlapping cuts.
const DefaultChars = "ACILOSTX"

// Vowels are the characters labelled vowel.
const Vowels = "AEIOUaeiou"

// RoundChars are the characters labelled round: their outline is circular
// or has a closed bowl.
const RoundChars = "BCDGOPQSabcdegopqs0689"

// SymmetricChars are the characters labelled symmetric: their capital form
// is symmetric about a vertical axis (in an upright font).
const SymmetricChars = "AHIMOTUVWXYilovwx08"

// StraightChars are the characters labelled straight: drawn with straight
// strokes only, no curve.
const StraightChars = "AEFHIKLMNTVWXYZiklvwxz147"

// AscenderMargin and DescenderMargin (in ems) decide has_ascender and
// has_descender from the measured outline of the glyph in its font.
const (
	AscenderMargin  = 0.12
	DescenderMargin = 0.08
)

// Attributes are the labels of every example, in this order.
var Attributes = []string{
	"bold", "italic", "monospace", "smallcaps",
	"uppercase", "digit", "vowel", "round", "has_ascender", "has_descender",
	"large", "left",
	"high", "upper_left", "wide", "tall", "symmetric", "straight",
}

// DefaultTasks returns the nine attributes that `tag run` uses by default:
// three families of three tasks that are overlapping cuts of one
// two-dimensional quantity each: where the ink box is (left, upper_left,
// high), how big it is (wide, large, tall) and which character is drawn
// (vowel, symmetric, straight).
func DefaultTasks() []string {
	return []string{"left", "upper_left", "high", "wide", "large", "tall", "vowel", "symmetric", "straight"}
}

// Options configure New. Zero values select the defaults.
type Options struct {
	// N is the number of examples (default 6000), split 80/10/10 in index
	// order into train, validation and test.
	N int
	// Size is the side of the square images in pixels (default 32, at
	// least 12).
	Size int
	// Seed selects the random draws.
	Seed uint64
	// Tasks restricts the data set to these attributes, in this order;
	// empty means all Attributes.
	Tasks []string
	// Chars are the characters drawn, chosen uniformly: distinct
	// characters of AllChars (default DefaultChars; AllChars gives the
	// attributes uppercase, digit and the ascenders their full range).
	Chars string
	// SystemFonts adds Debian's DejaVu fonts when they are installed.
	SystemFonts bool
}

// Geometry of the ink box, in fractions of the image side: its width and
// height are log-uniform in [boxMin, boxMax] and its centre uniform within
// shift of the image centre (so the box stays inside the image).
const (
	boxMin = 0.3
	boxMax = 0.7
	shift  = 0.12
	// maxAngle is the largest rotation, in degrees.
	maxAngle = 6
)

// params are the random choices behind one example.
type params struct {
	face   int     // index into the typefaces
	char   int     // index into AllChars
	w, h   float64 // ink box width and height in pixels, before rotation
	cx, cy float64 // ink box centre in pixels
	angle  float64 // rotation in radians, counter-clockwise
	ink    float64 // brightness of the glyph in (0,1]
}

// Dataset is a rendered glyph data set. It implements data.Dataset,
// data.TargetFiller and data.Noter and is safe for concurrent use.
type Dataset struct {
	opt    Options
	chars  []int // indices into AllChars of the characters drawn
	faces  []*typeface
	tasks  []data.Task
	attr   []int // attribute index of each task
	params []params
	labels []uint8 // len(Attributes) per example
	pix    []uint8 // Size*Size per example
	start  [4]int  // first example of each split; start[3] = N
}

// New renders the data set described by opt.
func New(opt Options) (data.Dataset, error) {
	return newDataset(opt)
}

func newDataset(opt Options) (*Dataset, error) {
	if opt.N == 0 {
		opt.N = 6000
	}
	if opt.Size == 0 {
		opt.Size = 32
	}
	if opt.Chars == "" {
		opt.Chars = DefaultChars
	}
	if opt.N < 0 {
		return nil, fmt.Errorf("glyphs: N = %d examples, want a positive number", opt.N)
	}
	if opt.Size < 12 {
		return nil, fmt.Errorf("glyphs: Size = %d pixels, want at least 12", opt.Size)
	}
	d := &Dataset{opt: opt}
	for _, c := range opt.Chars {
		i := strings.IndexRune(AllChars, c)
		if i < 0 {
			return nil, fmt.Errorf("glyphs: character %q is not one of %s", c, AllChars)
		}
		if slices.Contains(d.chars, i) {
			return nil, fmt.Errorf("glyphs: character %q listed twice", c)
		}
		d.chars = append(d.chars, i)
	}
	if len(opt.Tasks) == 0 {
		opt.Tasks = Attributes
	}
	for _, name := range opt.Tasks {
		a := slices.Index(Attributes, name)
		if a < 0 {
			return nil, fmt.Errorf("glyphs: unknown task %q (attributes: %s)", name, strings.Join(Attributes, ", "))
		}
		if slices.Contains(d.attr, a) {
			return nil, fmt.Errorf("glyphs: task %q listed twice", name)
		}
		d.attr = append(d.attr, a)
		d.tasks = append(d.tasks, data.Task{Name: name, Kind: data.Binary, Classes: 2})
	}
	var err error
	if d.faces, err = loadFaces(opt.SystemFonts); err != nil {
		return nil, err
	}
	nv := opt.N / 10
	d.start = [4]int{0, opt.N - 2*nv, opt.N - nv, opt.N}
	d.params = make([]params, opt.N)
	d.labels = make([]uint8, opt.N*len(Attributes))
	for i := range d.params {
		d.params[i] = d.draw(i)
		d.label(d.params[i], d.labels[i*len(Attributes):(i+1)*len(Attributes)])
	}
	d.pix = make([]uint8, opt.N*opt.Size*opt.Size)
	d.renderAll()
	return d, nil
}

// draw makes the random choices of example i.
func (d *Dataset) draw(i int) params {
	r := rand.New(rand.NewPCG(d.opt.Seed, uint64(i)))
	s := float64(d.opt.Size)
	logUniform := func() float64 { return s * boxMin * math.Pow(boxMax/boxMin, r.Float64()) }
	return params{
		face:  r.IntN(len(d.faces)),
		char:  d.chars[r.IntN(len(d.chars))],
		w:     logUniform(),
		h:     logUniform(),
		cx:    s * (0.5 + shift*(2*r.Float64()-1)),
		cy:    s * (0.5 + shift*(2*r.Float64()-1)),
		angle: (r.Float64()*2 - 1) * maxAngle * math.Pi / 180,
		ink:   0.7 + 0.3*r.Float64(),
	}
}

// midBox is the middle (geometric mean) of the ink box side range, in
// pixels: wide and tall compare the box sides with it, large the box area
// with its square.
func (d *Dataset) midBox() float64 {
	return float64(d.opt.Size) * math.Sqrt(boxMin*boxMax)
}

// label writes the attributes of p into out (len(Attributes) values).
func (d *Dataset) label(p params, out []uint8) {
	tf := d.faces[p.face]
	c := rune(AllChars[p.char])
	b := func(v bool) uint8 {
		if v {
			return 1
		}
		return 0
	}
	half, mid := float64(d.opt.Size)/2, d.midBox()
	copy(out, []uint8{
		b(tf.bold), b(tf.italic), b(tf.mono), b(tf.smallcaps),
		b(c >= 'A' && c <= 'Z'), b(c >= '0' && c <= '9'),
		b(strings.ContainsRune(Vowels, c)), b(strings.ContainsRune(RoundChars, c)),
		b(tf.top[p.char] > tf.xTop+AscenderMargin), b(tf.bottom[p.char] > DescenderMargin),
		b(p.w*p.h > mid*mid), b(p.cx < half),
		b(p.cy < half), b(p.cx+p.cy < 2*half), b(p.w > mid), b(p.h > mid),
		b(strings.ContainsRune(SymmetricChars, c)), b(strings.ContainsRune(StraightChars, c)),
	})
}

// renderAll renders every example with one worker per CPU.
func (d *Dataset) renderAll() {
	workers := min(runtime.GOMAXPROCS(0), max(1, d.opt.N/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < d.opt.N; i += workers {
				d.render(i)
			}
		})
	}
	wg.Wait()
}

// samples is the number of samples per pixel side: each output pixel
// averages samples² bilinear samples of the glyph mask.
const samples = 4

// render draws example i into its slot of d.pix: the glyph's ink box is
// scaled to w×h pixels, rotated by angle about its centre and centred on
// (cx, cy); every pixel averages samples² bilinear samples of the mask.
func (d *Dataset) render(i int) {
	n := d.opt.Size
	d.renderInto(d.params[i], d.pix[i*n*n:(i+1)*n*n], false)
}

// renderInto draws p into out (Size² zero pixels). Unless full is set it
// visits only the pixels near the rotated box, as the others get no ink.
func (d *Dataset) renderInto(p params, out []uint8, full bool) {
	mask := d.faces[p.face].masks[p.char]
	mw, mh := float64(mask.Rect.Dx()), float64(mask.Rect.Dy())
	kx, ky := mw/p.w, mh/p.h
	sin, cos := math.Sincos(p.angle)
	n := d.opt.Size
	// Only pixels near the rotated box can have ink: its half extents,
	// plus a pixel for the bilinear spread.
	ex := (p.w*math.Abs(cos)+p.h*math.Abs(sin))/2 + 1
	ey := (p.w*math.Abs(sin)+p.h*math.Abs(cos))/2 + 1
	clip := func(x float64) int { return min(n, max(0, int(x))) }
	u0, u1, v0, v1 := clip(p.cx-ex), clip(p.cx+ex+1), clip(p.cy-ey), clip(p.cy+ey+1)
	if full {
		u0, u1, v0, v1 = 0, n, 0, n
	}
	for v := v0; v < v1; v++ {
		for u := u0; u < u1; u++ {
			var sum float64
			for sv := range samples {
				dy := float64(v) + (float64(sv)+0.5)/samples - p.cy
				for su := range samples {
					dx := float64(u) + (float64(su)+0.5)/samples - p.cx
					// Rotate the offset back into the box frame, then
					// scale it to mask pixels.
					bx := cos*dx - sin*dy
					by := sin*dx + cos*dy
					sum += bilinear(mask, bx*kx+mw/2-0.5, by*ky+mh/2-0.5)
				}
			}
			out[v*n+u] = uint8(math.Round(sum / (samples * samples) * p.ink))
		}
	}
}

// bilinear samples the alpha mask at a continuous pixel position (pixel
// (i,j) has its centre at (i,j)); outside the mask the alpha is 0.
func bilinear(m *image.Alpha, x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	ix, iy := int(x0), int(y0)
	at := func(i, j int) float64 {
		if i < 0 || j < 0 || i >= m.Rect.Dx() || j >= m.Rect.Dy() {
			return 0
		}
		return float64(m.Pix[j*m.Stride+i])
	}
	return (1-fy)*((1-fx)*at(ix, iy)+fx*at(ix+1, iy)) + fy*((1-fx)*at(ix, iy+1)+fx*at(ix+1, iy+1))
}

// Name describes the data set and its options.
func (d *Dataset) Name() string {
	if d.opt.Chars != DefaultChars {
		return fmt.Sprintf("glyphs(n=%d,size=%d,seed=%d,chars=%s)", d.opt.N, d.opt.Size, d.opt.Seed, d.opt.Chars)
	}
	return fmt.Sprintf("glyphs(n=%d,size=%d,seed=%d)", d.opt.N, d.opt.Size, d.opt.Seed)
}

// Tasks lists the selected attributes as binary tasks.
func (d *Dataset) Tasks() []data.Task { return slices.Clone(d.tasks) }

// InputShape is [Size, Size, 1].
func (d *Dataset) InputShape() []int { return []int{d.opt.Size, d.opt.Size, 1} }

// Len is the number of examples in split.
func (d *Dataset) Len(split data.Split) int {
	if split < data.Train || split > data.Test {
		return 0
	}
	return d.start[split+1] - d.start[split]
}

// Fill writes the pixels (in [0,1]) and attributes of examples idx of split.
func (d *Dataset) Fill(split data.Split, idx []int, x, y []float32) error {
	n := d.opt.Size * d.opt.Size
	if err := table.CheckFill(d.Name(), split, d.Len(split), idx, x, n, y, len(d.tasks)); err != nil {
		return err
	}
	for k, i := range idx {
		g := d.start[split] + i
		table.UnitBytes(x[k*n:(k+1)*n], d.pix[g*n:(g+1)*n])
	}
	return d.FillTargets(split, idx, y)
}

// FillTargets writes the attributes of examples idx of split.
func (d *Dataset) FillTargets(split data.Split, idx []int, y []float32) error {
	if err := table.CheckFill(d.Name(), split, d.Len(split), idx, nil, 0, y, len(d.tasks)); err != nil {
		return err
	}
	nt, na := len(d.tasks), len(Attributes)
	for k, i := range idx {
		lab := d.labels[(d.start[split]+i)*na:]
		for t, a := range d.attr {
			y[k*nt+t] = float32(lab[a])
		}
	}
	return nil
}

// Image returns example i of split as a grayscale image, for viewing.
func (d *Dataset) Image(split data.Split, i int) (*image.Gray, error) {
	if err := table.CheckIndices(d.Name(), split, d.Len(split), []int{i}); err != nil {
		return nil, err
	}
	n := d.opt.Size
	g := d.start[split] + i
	img := image.NewGray(image.Rect(0, 0, n, n))
	copy(img.Pix, d.pix[g*n*n:(g+1)*n*n])
	return img, nil
}

// Notes lists the fonts and the split rule.
func (d *Dataset) Notes() []string {
	names := make([]string, len(d.faces))
	for i, f := range d.faces {
		names[i] = f.name
	}
	return []string{
		"fonts: " + strings.Join(names, ", "),
		fmt.Sprintf("characters %s; ink box w, h log-uniform in [%g,%g]·size (wide, tall above %.3g px, large area above its square); "+
			"box centre within ±%g·size of the image centre (left, high, upper_left: x, y, x+y below the centre); rotation ±%d°",
			d.opt.Chars, boxMin, boxMax, d.midBox(), shift, maxAngle),
		"split by index: first 80% train, next 10% validation, last 10% test",
	}
}
