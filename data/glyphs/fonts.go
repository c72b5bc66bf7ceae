package glyphs

import (
	"fmt"
	"image"
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/gofont/gosmallcaps"
	"golang.org/x/image/font/gofont/gosmallcapsitalic"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// typeface is one font file with the style attributes it stands for.
type typeface struct {
	name                          string
	bold, italic, mono, smallcaps bool
	font                          *sfnt.Font
	// top and bottom[c] are the ink extent of AllChars[c] above and below
	// the baseline, in ems (top is positive upwards, bottom positive
	// downwards).
	top, bottom [len(AllChars)]float64
	// xTop is the height of the letter x, in ems.
	xTop float64
	// masks[c] is AllChars[c] rasterized at maskPx pixels per em and
	// cropped to its ink box.
	masks [len(AllChars)]*image.Alpha
}

// maskPx is the size (pixels per em) at which glyphs are rasterized once;
// examples are resampled from these masks.
const maskPx = 64

// goFonts are the Go fonts, always available: they make the data set the
// same on every machine.
var goFonts = []struct {
	name                          string
	ttf                           []byte
	bold, italic, mono, smallcaps bool
}{
	{"Go Regular", goregular.TTF, false, false, false, false},
	{"Go Bold", gobold.TTF, true, false, false, false},
	{"Go Italic", goitalic.TTF, false, true, false, false},
	{"Go Bold Italic", gobolditalic.TTF, true, true, false, false},
	{"Go Mono", gomono.TTF, false, false, true, false},
	{"Go Mono Bold", gomonobold.TTF, true, false, true, false},
	{"Go Mono Italic", gomonoitalic.TTF, false, true, true, false},
	{"Go Mono Bold Italic", gomonobolditalic.TTF, true, true, true, false},
	{"Go Smallcaps", gosmallcaps.TTF, false, false, false, true},
	{"Go Smallcaps Italic", gosmallcapsitalic.TTF, false, true, false, true},
}

// systemFontDir is where Debian's fonts-dejavu-core installs its files.
const systemFontDir = "/usr/share/fonts/truetype/dejavu/"

// systemFonts are Debian's DejaVu fonts, used only when Options.SystemFonts
// is set and the file exists.
var systemFonts = []struct {
	file                          string
	bold, italic, mono, smallcaps bool
}{
	{"DejaVuSans.ttf", false, false, false, false},
	{"DejaVuSans-Bold.ttf", true, false, false, false},
	{"DejaVuSans-Oblique.ttf", false, true, false, false},
	{"DejaVuSans-BoldOblique.ttf", true, true, false, false},
	{"DejaVuSansMono.ttf", false, false, true, false},
	{"DejaVuSansMono-Bold.ttf", true, false, true, false},
	{"DejaVuSansMono-Oblique.ttf", false, true, true, false},
	{"DejaVuSansMono-BoldOblique.ttf", true, true, true, false},
	{"DejaVuSerif.ttf", false, false, false, false},
	{"DejaVuSerif-Bold.ttf", true, false, false, false},
	{"DejaVuSerif-Italic.ttf", false, true, false, false},
	{"DejaVuSerif-BoldItalic.ttf", true, true, false, false},
}

var (
	goFacesOnce sync.Once
	goFaces     []*typeface
	goFacesErr  error
)

// loadFaces returns the Go fonts, plus the DejaVu fonts found on this
// machine when system is true. Fonts are parsed once per process.
func loadFaces(system bool) ([]*typeface, error) {
	goFacesOnce.Do(func() {
		for _, g := range goFonts {
			tf, err := newTypeface(g.name, g.ttf, g.bold, g.italic, g.mono, g.smallcaps)
			if err != nil {
				goFacesErr = err
				return
			}
			goFaces = append(goFaces, tf)
		}
	})
	if goFacesErr != nil || !system {
		return goFaces, goFacesErr
	}
	faces := append([]*typeface(nil), goFaces...)
	for _, s := range systemFonts {
		b, err := os.ReadFile(systemFontDir + s.file)
		if err != nil {
			continue // not installed: the system fonts are optional
		}
		tf, err := newTypeface(s.file, b, s.bold, s.italic, s.mono, s.smallcaps)
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", systemFontDir, s.file, err)
		}
		faces = append(faces, tf)
	}
	return faces, nil
}

// newTypeface parses a font and measures the ink extent of every character.
func newTypeface(name string, ttf []byte, bold, italic, mono, smallcaps bool) (*typeface, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", name, err)
	}
	tf := &typeface{name: name, bold: bold, italic: italic, mono: mono, smallcaps: smallcaps, font: f}
	var buf sfnt.Buffer
	em := fixed.Int26_6(f.UnitsPerEm())
	measure := func(r rune) (top, bottom float64, err error) {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return 0, 0, fmt.Errorf("font %s has no glyph for %q", name, r)
		}
		b, _, err := f.GlyphBounds(&buf, gi, em, 0)
		if err != nil {
			return 0, 0, fmt.Errorf("font %s, glyph %q: %w", name, r, err)
		}
		return -float64(b.Min.Y) / float64(em), float64(b.Max.Y) / float64(em), nil
	}
	for c, r := range AllChars {
		if tf.top[c], tf.bottom[c], err = measure(r); err != nil {
			return nil, err
		}
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: maskPx, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("font %s at %d px: %w", name, maskPx, err)
	}
	defer face.Close()
	for c, r := range AllChars {
		if tf.masks[c], err = inkMask(face, r); err != nil {
			return nil, fmt.Errorf("font %s: %w", name, err)
		}
	}
	if tf.xTop, _, err = measure('x'); err != nil {
		return nil, err
	}
	return tf, nil
}

// inkMask rasterizes r in face and returns a copy of its alpha mask cropped
// to the pixels with ink (alpha of at least inkAlpha).
func inkMask(face font.Face, r rune) (*image.Alpha, error) {
	dr, m, mp, _, ok := face.Glyph(fixed.Point26_6{}, r)
	if !ok {
		return nil, fmt.Errorf("cannot draw %q", r)
	}
	alpha := func(x, y int) uint8 { // x, y relative to dr.Min
		_, _, _, a := m.At(mp.X+x, mp.Y+y).RGBA()
		return uint8(a >> 8)
	}
	var box image.Rectangle // empty: Union returns the other rectangle
	for y := range dr.Dy() {
		for x := range dr.Dx() {
			if alpha(x, y) >= inkAlpha {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() {
		return nil, fmt.Errorf("%q has no ink", r)
	}
	out := image.NewAlpha(image.Rect(0, 0, box.Dx(), box.Dy()))
	for y := range box.Dy() {
		for x := range box.Dx() {
			out.Pix[y*out.Stride+x] = alpha(box.Min.X+x, box.Min.Y+y)
		}
	}
	return out, nil
}

// inkAlpha is the alpha (of 255) from which a mask pixel counts as ink when
// the ink box is measured.
const inkAlpha = 32
