// Package glyphs renders a CelebA-like multi-task image data set from
// fonts: every example is one character drawn in a random font with random
// size, position, rotation and ink, on a black square, and labelled with
// twelve binary attributes of what was drawn.
//
// The attributes come in three families that a shared network can learn to
// different degrees at once:
//
//   - style, from the font: bold, italic, monospace, smallcaps;
//   - identity, from the character: uppercase, digit, vowel, round (a
//     closed or circular outline, see RoundChars), has_ascender and
//     has_descender (measured from the font's outline: ink higher than the
//     letter x by more than AscenderMargin em, or lower than the baseline
//     by more than DescenderMargin em, so a small-caps "g" has none);
//   - geometry, from the placement: large (font size above the middle of
//     its range) and left (ink centre left of the image centre).
//
// Style tasks share stroke-level features, identity tasks share shape
// features, geometry tasks need position information that translation-
// invariant features discard: tasks within a family help each other and
// tasks across families compete for a small trunk. The attributes are
// correlated but distinct (a digit always has an ascender; a small-caps
// glyph never has a descender; smallcaps fonts are never bold).
//
// Fonts: the ten Go fonts of golang.org/x/image/font/gofont (regular, bold,
// italic, bold italic, the four mono variants, small caps and small caps
// italic). Options.SystemFonts adds Debian's DejaVu fonts when installed;
// it is off by default because the data set would then depend on the
// machine. Every random choice of example i comes from a generator seeded
// with (Options.Seed, i), so the data are the same for a seed whatever the
// number of rendering workers.
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

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
)

// chars are the characters drawn, chosen uniformly.
const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Vowels are the characters labelled vowel.
const Vowels = "AEIOUaeiou"

// RoundChars are the characters labelled round: their outline is circular
// or has a closed bowl.
const RoundChars = "BCDGOPQSabcdegopqs0689"

// AscenderMargin and DescenderMargin (in ems) decide has_ascender and
// has_descender from the measured outline of the glyph in its font.
const (
	AscenderMargin  = 0.12
	DescenderMargin = 0.08
)

// Attributes are the twelve labels of every example, in this order.
var Attributes = []string{
	"bold", "italic", "monospace", "smallcaps",
	"uppercase", "digit", "vowel", "round", "has_ascender", "has_descender",
	"large", "left",
}

// DefaultTasks returns the nine attributes that `tag run` uses by default:
// three style, four identity and two geometry tasks.
func DefaultTasks() []string {
	return []string{"bold", "italic", "monospace", "uppercase", "digit", "has_ascender", "has_descender", "large", "left"}
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
	// empty means all twelve Attributes.
	Tasks []string
	// SystemFonts adds Debian's DejaVu fonts when they are installed.
	SystemFonts bool
}

// params are the random choices behind one example.
type params struct {
	face   int     // index into the typefaces
	char   int     // index into chars
	sizePx int     // font size (pixels per em)
	cx, cy float64 // ink centre in pixels
	angle  float64 // rotation in radians, counter-clockwise
	ink    float64 // brightness of the glyph in (0,1]
}

// Dataset is a rendered glyph data set. It implements data.Dataset,
// data.TargetFiller and data.Noter and is safe for concurrent use.
type Dataset struct {
	opt    Options
	faces  []*typeface
	tasks  []data.Task
	attr   []int // attribute index of each task
	params []params
	labels []uint8 // len(Attributes) per example
	pix    []uint8 // Size*Size per example
	start  [4]int  // first example of each split; start[3] = N
	minPx  int
	maxPx  int
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
	if opt.N < 0 {
		return nil, fmt.Errorf("glyphs: N = %d examples, want a positive number", opt.N)
	}
	if opt.Size < 12 {
		return nil, fmt.Errorf("glyphs: Size = %d pixels, want at least 12", opt.Size)
	}
	d := &Dataset{opt: opt}
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
	d.minPx = int(math.Round(0.45 * float64(opt.Size)))
	d.maxPx = int(math.Round(0.9 * float64(opt.Size)))
	d.params = make([]params, opt.N)
	d.labels = make([]uint8, opt.N*len(Attributes))
	for i := range d.params {
		d.params[i] = d.draw(i)
		d.label(d.params[i], d.labels[i*len(Attributes):(i+1)*len(Attributes)])
	}
	d.pix = make([]uint8, opt.N*opt.Size*opt.Size)
	if err := d.renderAll(); err != nil {
		return nil, err
	}
	return d, nil
}

// draw makes the random choices of example i.
func (d *Dataset) draw(i int) params {
	r := rand.New(rand.NewPCG(d.opt.Seed, uint64(i)))
	s := float64(d.opt.Size)
	return params{
		face:   r.IntN(len(d.faces)),
		char:   r.IntN(len(chars)),
		sizePx: d.minPx + r.IntN(d.maxPx-d.minPx+1),
		cx:     s * (0.3 + 0.4*r.Float64()),
		cy:     s * (0.35 + 0.3*r.Float64()),
		angle:  (r.Float64()*2 - 1) * 12 * math.Pi / 180,
		ink:    0.6 + 0.4*r.Float64(),
	}
}

// label writes the attributes of p into out (len(Attributes) values).
func (d *Dataset) label(p params, out []uint8) {
	tf := d.faces[p.face]
	c := rune(chars[p.char])
	b := func(v bool) uint8 {
		if v {
			return 1
		}
		return 0
	}
	s := float64(d.opt.Size)
	copy(out, []uint8{
		b(tf.bold), b(tf.italic), b(tf.mono), b(tf.smallcaps),
		b(c >= 'A' && c <= 'Z'), b(c >= '0' && c <= '9'),
		b(strings.ContainsRune(Vowels, c)), b(strings.ContainsRune(RoundChars, c)),
		b(tf.top[p.char] > tf.xTop+AscenderMargin), b(tf.bottom[p.char] > DescenderMargin),
		b(2*p.sizePx > d.minPx+d.maxPx), b(p.cx < s/2),
	})
}

// renderAll renders every example with one worker per CPU.
func (d *Dataset) renderAll() error {
	workers := min(runtime.GOMAXPROCS(0), max(1, d.opt.N/64))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			r := renderer{d: d, faces: map[[2]int]font.Face{}}
			defer r.close()
			for i := w; i < d.opt.N; i += workers {
				if err := r.render(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// renderer draws examples; it owns font faces, which are not safe for
// concurrent use.
type renderer struct {
	d     *Dataset
	faces map[[2]int]font.Face
}

func (r *renderer) close() {
	for _, f := range r.faces {
		f.Close()
	}
}

// render draws example i into its slot of d.pix: the glyph's ink box centre
// goes to (cx, cy), rotated by angle about that centre, sampled bilinearly
// from the rasterized glyph.
func (r *renderer) render(i int) error {
	d := r.d
	p := d.params[i]
	key := [2]int{p.face, p.sizePx}
	face, ok := r.faces[key]
	if !ok {
		var err error
		face, err = opentype.NewFace(d.faces[p.face].font, &opentype.FaceOptions{Size: float64(p.sizePx), DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return fmt.Errorf("glyphs: font %s at %d px: %w", d.faces[p.face].name, p.sizePx, err)
		}
		r.faces[key] = face
	}
	c := rune(chars[p.char])
	dr, m, _, _, ok := face.Glyph(fixed.Point26_6{}, c)
	mask, isAlpha := m.(*image.Alpha)
	if !ok || !isAlpha {
		return fmt.Errorf("glyphs: font %s cannot draw %q", d.faces[p.face].name, c)
	}
	// Ink centre of the glyph in mask pixel coordinates.
	gx := float64(dr.Dx()) / 2
	gy := float64(dr.Dy()) / 2
	sin, cos := math.Sincos(p.angle)
	n := d.opt.Size
	out := d.pix[i*n*n : (i+1)*n*n]
	for v := range n {
		dy := float64(v) + 0.5 - p.cy
		for u := range n {
			dx := float64(u) + 0.5 - p.cx
			// Rotate the destination offset back into the glyph frame.
			sx := cos*dx - sin*dy + gx - 0.5
			sy := sin*dx + cos*dy + gy - 0.5
			a := bilinear(mask, sx, sy)
			out[v*n+u] = uint8(math.Round(a * p.ink))
		}
	}
	return nil
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
		fmt.Sprintf("characters %s; size %d..%d px (large above %g); ink centre x in [0.3,0.7]·size (left below 0.5); rotation ±12°",
			chars, d.minPx, d.maxPx, float64(d.minPx+d.maxPx)/2),
		"split by index: first 80% train, next 10% validation, last 10% test",
	}
}
