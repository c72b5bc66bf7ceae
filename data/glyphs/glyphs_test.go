package glyphs

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/tagroup/tag/data"
)

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// fillAll returns the inputs and targets of a whole split.
func fillAll(t *testing.T, ds data.Dataset, s data.Split) ([]float32, []float32) {
	t.Helper()
	n := ds.Len(s)
	x := make([]float32, n*data.InputSize(ds))
	y := make([]float32, n*len(ds.Tasks()))
	if err := ds.Fill(s, allIndices(n), x, y); err != nil {
		t.Fatal(err)
	}
	return x, y
}

// TestAttributesMatchParameters recomputes every label from the rendering
// parameters with independent rules (font names, unicode classes, letter
// shapes listed here, box geometry).
func TestAttributesMatchParameters(t *testing.T) {
	tests := []struct {
		chars string
		seed  uint64
	}{
		{"", 5},
		{AllChars, 6},
	}
	for _, tc := range tests {
		d, err := newDataset(Options{N: 1200, Seed: tc.seed, Chars: tc.chars})
		if err != nil {
			t.Fatal(err)
		}
		set := func(s string) map[rune]bool {
			m := map[rune]bool{}
			for _, c := range s {
				m[c] = true
			}
			return m
		}
		round := set("OQCGDSBPocesabdgpq0689")
		symmetric := set("AHIMOTUVWXYvwxilo80")
		straight := set("EFHIKLMNTVWXYZAvwxzikl147")
		base := 0
		for s := data.Train; s <= data.Test; s++ {
			_, y := fillAll(t, d, s)
			for i := range d.Len(s) {
				p := d.params[base+i]
				font := d.faces[p.face].name
				c := rune(AllChars[p.char])
				mid := float64(d.opt.Size) * math.Sqrt(0.3*0.7)
				half := float64(d.opt.Size) / 2
				want := map[string]bool{
					"bold":       strings.Contains(font, "Bold"),
					"italic":     strings.Contains(font, "Italic"),
					"monospace":  strings.Contains(font, "Mono"),
					"smallcaps":  strings.Contains(font, "Smallcaps"),
					"uppercase":  unicode.IsUpper(c),
					"digit":      unicode.IsDigit(c),
					"vowel":      strings.ContainsRune("aeiouAEIOU", c),
					"round":      round[c],
					"large":      math.Log(p.w)+math.Log(p.h) > 2*math.Log(mid),
					"left":       p.cx < half,
					"high":       p.cy < half,
					"upper_left": (p.cx-half)+(p.cy-half) < 0,
					"wide":       p.w > mid,
					"tall":       p.h > mid,
					"symmetric":  symmetric[c],
					"straight":   straight[c],
				}
				if len(want) != len(Attributes)-2 {
					t.Fatalf("%d rules for %d attributes", len(want), len(Attributes))
				}
				for a, name := range Attributes {
					w, ok := want[name]
					if !ok {
						continue
					}
					if got := y[i*len(Attributes)+a] == 1; got != w {
						t.Fatalf("%v example %d (%q in %s): %s = %v, want %v", s, i, c, font, name, got, w)
					}
				}
				if tc.chars == "" && !strings.ContainsRune(DefaultChars, c) {
					t.Fatalf("example %d draws %q, not in the default alphabet", i, c)
				}
			}
			base += d.Len(s)
		}
	}
}

// TestAscendersDescenders checks the measured outline rule against the
// typographic classes of the Latin alphabet.
func TestAscendersDescenders(t *testing.T) {
	faces, err := loadFaces(false)
	if err != nil {
		t.Fatal(err)
	}
	has := func(f *typeface, c rune) (asc, desc bool) {
		i := strings.IndexRune(AllChars, c)
		return f.top[i] > f.xTop+AscenderMargin, f.bottom[i] > DescenderMargin
	}
	for _, f := range faces {
		for _, c := range AllChars {
			asc, desc := has(f, c)
			switch {
			case strings.ContainsRune("ABCDEFGHIKLMNOPRSTUVWXYZ0123456789", c) && !asc:
				t.Errorf("%s: %q has no ascender", f.name, c)
			case strings.ContainsRune("acemnorsuvwxz", c) && (asc || desc):
				t.Errorf("%s: x-height letter %q has ascender %v descender %v", f.name, c, asc, desc)
			case !f.smallcaps && strings.ContainsRune("bdfhklt", c) && !asc:
				t.Errorf("%s: %q has no ascender", f.name, c)
			case !f.smallcaps && strings.ContainsRune("gpqy", c) && !desc:
				t.Errorf("%s: %q has no descender", f.name, c)
			case f.smallcaps && unicode.IsLower(c) && asc:
				t.Errorf("%s: small capital %q rises above x-height", f.name, c)
			case strings.ContainsRune("ABCDEFGHIKLMNOPRSTUVWXZbdfhiklt0123456789", c) && desc:
				t.Errorf("%s: %q has a descender", f.name, c)
			}
		}
	}
}

// TestMasks checks the rasterized glyph masks against the outline bounds
// that sfnt measures (top and bottom, in ems): the mask is as tall as the
// outline at maskPx pixels per em, and its border rows and columns have
// ink.
func TestMasks(t *testing.T) {
	faces, err := loadFaces(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range faces {
		for c, r := range AllChars {
			m := f.masks[c]
			w, h := m.Rect.Dx(), m.Rect.Dy()
			if want := (f.top[c] + f.bottom[c]) * maskPx; math.Abs(float64(h)-want) > 2 {
				t.Errorf("%s %q: mask %d px tall, outline %.1f px", f.name, r, h, want)
			}
			edge := func(x0, y0, dx, dy, n int) bool {
				for k := range n {
					if m.Pix[(y0+k*dy)*m.Stride+x0+k*dx] >= inkAlpha {
						return true
					}
				}
				return false
			}
			if !edge(0, 0, 1, 0, w) || !edge(0, h-1, 1, 0, w) || !edge(0, 0, 0, 1, h) || !edge(w-1, 0, 0, 1, h) {
				t.Errorf("%s %q: a border of the %d×%d mask has no ink", f.name, r, w, h)
			}
		}
	}
}

// TestRendering checks that the ink lies where the parameters put it: the
// box around the rendered ink has the centre and the sides that the
// parameters give (up to the pixel grid and the rotation, whose corners
// need not be inked), and large glyphs carry more ink.
func TestRendering(t *testing.T) {
	for _, size := range []int{32, 16} {
		d, err := newDataset(Options{N: 600, Seed: 2, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		n := d.opt.Size
		large := slices.Index(Attributes, "large")
		var inkLarge, inkSmall, nLarge, nSmall float64
		for i, p := range d.params {
			var sum float64
			x0, y0, x1, y1 := n, n, -1, -1
			for v := range n {
				for u := range n {
					a := float64(d.pix[i*n*n+v*n+u]) / 255
					sum += a
					if a > 0 {
						x0, y0, x1, y1 = min(x0, u), min(y0, v), max(x1, u+1), max(y1, v+1)
					}
				}
			}
			if sum == 0 {
				t.Fatalf("size %d example %d has no ink", n, i)
			}
			sin, cos := math.Abs(math.Sin(p.angle)), math.Abs(math.Cos(p.angle))
			tol := 2 + (p.w+p.h)*sin
			checks := []struct {
				what      string
				got, want float64
			}{
				{"centre x", float64(x0+x1) / 2, p.cx},
				{"centre y", float64(y0+y1) / 2, p.cy},
				{"width", float64(x1 - x0), p.w*cos + p.h*sin},
				{"height", float64(y1 - y0), p.w*sin + p.h*cos},
			}
			for _, c := range checks {
				if math.Abs(c.got-c.want) > tol {
					t.Errorf("size %d example %d (%q, angle %.1f°): ink box %s %.1f px, want %.1f ± %.1f",
						n, i, AllChars[p.char], p.angle*180/math.Pi, c.what, c.got, c.want, tol)
				}
			}
			if d.labels[i*len(Attributes)+large] == 1 {
				inkLarge += sum / p.ink
				nLarge++
			} else {
				inkSmall += sum / p.ink
				nSmall++
			}
		}
		if inkLarge/nLarge < 1.5*inkSmall/nSmall {
			t.Errorf("size %d: large glyphs carry %.1f ink on average, small ones %.1f", n, inkLarge/nLarge, inkSmall/nSmall)
		}
		x, _ := fillAll(t, d, data.Train)
		for _, v := range x {
			if v < 0 || v > 1 {
				t.Fatalf("pixel value %v outside [0,1]", v)
			}
		}
	}
}

// TestRenderWindow checks that rendering only the pixels near the box, as
// New does, gives the image that visiting every pixel gives.
func TestRenderWindow(t *testing.T) {
	for _, size := range []int{12, 16, 32} {
		d, err := newDataset(Options{N: 300, Seed: 8, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		n := size * size
		full := make([]uint8, n)
		for i, p := range d.params {
			clear(full)
			d.renderInto(p, full, true)
			if !slices.Equal(full, d.pix[i*n:(i+1)*n]) {
				t.Fatalf("size %d example %d: windowed rendering differs from the full one", size, i)
			}
		}
	}
}

func TestDeterminism(t *testing.T) {
	a, err := newDataset(Options{N: 300, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	b, err := newDataset(Options{N: 300, Seed: 9})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.pix, b.pix) || !slices.Equal(a.labels, b.labels) {
		t.Fatal("same seed, different data (1 worker against many)")
	}
	c, err := newDataset(Options{N: 300, Seed: 10})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.pix, c.pix) {
		t.Fatal("different seeds, same pixels")
	}
}

func TestSplitsAndSubsets(t *testing.T) {
	tests := []struct {
		opt  Options
		want [3]int
	}{
		{Options{N: 1000}, [3]int{800, 100, 100}},
		{Options{N: 95}, [3]int{77, 9, 9}},
		{Options{N: 20, Size: 12}, [3]int{16, 2, 2}},
	}
	for _, tc := range tests {
		ds, err := New(tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		for s := data.Train; s <= data.Test; s++ {
			if ds.Len(s) != tc.want[s] {
				t.Errorf("N=%d: %v has %d examples, want %d", tc.opt.N, s, ds.Len(s), tc.want[s])
			}
		}
		if got, want := ds.InputShape(), []int{max(tc.opt.Size, 32), max(tc.opt.Size, 32), 1}; tc.opt.Size != 12 && !slices.Equal(got, want) {
			t.Errorf("input shape %v, want %v", got, want)
		}
	}
	full, err := New(Options{N: 200, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := New(Options{N: 200, Seed: 4, Tasks: []string{"left", "bold", "has_descender"}})
	if err != nil {
		t.Fatal(err)
	}
	_, yf := fillAll(t, full, data.Validation)
	xs, ys := fillAll(t, sub, data.Validation)
	xf, _ := fillAll(t, full, data.Validation)
	if !slices.Equal(xs, xf) {
		t.Fatal("task subset changed the images")
	}
	cols := []int{11, 0, 9}
	na := len(Attributes)
	for i := range sub.Len(data.Validation) {
		for k, c := range cols {
			if ys[i*3+k] != yf[i*na+c] {
				t.Fatalf("example %d task %d: %v, want %v", i, k, ys[i*3+k], yf[i*na+c])
			}
		}
	}
	defaults, err := New(Options{N: 50, Tasks: DefaultTasks()})
	if err != nil || len(defaults.Tasks()) != 9 {
		t.Fatalf("default tasks: %v, %v", err, defaults)
	}
}

// TestBalance checks that no task is nearly constant: the default tasks on
// the default alphabet, every attribute on all characters.
func TestBalance(t *testing.T) {
	tests := []struct {
		opt    Options
		lo, hi float64
	}{
		{Options{Seed: 1, Tasks: DefaultTasks()}, 0.3, 0.7},
		{Options{Seed: 1, Chars: AllChars}, 0.05, 0.95},
	}
	for _, tc := range tests {
		ds, err := New(tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := data.Summarize(ds)
		if err != nil {
			t.Fatal(err)
		}
		for i, task := range ds.Tasks() {
			if p := sum.Tasks[i][data.Train].ClassFreq[1]; p < tc.lo || p > tc.hi {
				t.Errorf("%s, task %s: positive rate %.3f, want %g..%g", ds.Name(), task.Name, p, tc.lo, tc.hi)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		opt  Options
		want string
	}{
		{Options{Tasks: []string{"bold", "serif"}}, `unknown task "serif"`},
		{Options{Tasks: []string{"bold", "bold"}}, `task "bold" listed twice`},
		{Options{Size: 8}, "Size = 8 pixels"},
		{Options{N: -3}, "N = -3"},
		{Options{Chars: "AB?"}, `character '?' is not one of`},
		{Options{Chars: "ABA"}, `character 'A' listed twice`},
	}
	for _, tc := range tests {
		if _, err := New(tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.opt, err, tc.want)
		}
	}
	ds, _ := New(Options{N: 100})
	if err := ds.Fill(data.Test, []int{10}, make([]float32, 1024), make([]float32, len(Attributes))); err == nil {
		t.Error("index 10 of a 10-example split accepted")
	}
}

func TestSystemFonts(t *testing.T) {
	ds, err := newDataset(Options{N: 100, SystemFonts: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.faces) < len(goFonts) {
		t.Fatalf("%d fonts, want at least the %d Go fonts", len(ds.faces), len(goFonts))
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{Seed: uint64(b.N)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFill(b *testing.B) {
	ds, err := New(Options{N: 2000})
	if err != nil {
		b.Fatal(err)
	}
	idx := data.EpochOrder(ds.Len(data.Train), 1, 0)[:128]
	x := make([]float32, 128*data.InputSize(ds))
	y := make([]float32, 128*len(ds.Tasks()))
	for b.Loop() {
		if err := ds.Fill(data.Train, idx, x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFamilies checks the structure of the default tasks from their labels:
// neighbouring tasks of a family are correlated, tasks of different families
// are not (they depend on independent draws).
func TestFamilies(t *testing.T) {
	ds, err := New(Options{Seed: 3, Tasks: DefaultTasks()})
	if err != nil {
		t.Fatal(err)
	}
	_, y := fillAll(t, ds, data.Train)
	nt := len(ds.Tasks())
	n := len(y) / nt
	corr := func(a, b int) float64 {
		var sa, sb, sab float64
		for i := range n {
			sa += float64(y[i*nt+a])
			sb += float64(y[i*nt+b])
			sab += float64(y[i*nt+a] * y[i*nt+b])
		}
		pa, pb, pab := sa/float64(n), sb/float64(n), sab/float64(n)
		return (pab - pa*pb) / math.Sqrt(pa*(1-pa)*pb*(1-pb))
	}
	family := func(task int) int { return task / 3 }
	for a := range nt {
		for b := a + 1; b < nt; b++ {
			c := corr(a, b)
			switch {
			case family(a) != family(b) && math.Abs(c) > 0.1:
				t.Errorf("%s and %s (different families): correlation %.3f", ds.Tasks()[a].Name, ds.Tasks()[b].Name, c)
			case family(a) == family(b) && b == a+1 && c < 0.3:
				t.Errorf("%s and %s (one family): correlation %.3f", ds.Tasks()[a].Name, ds.Tasks()[b].Name, c)
			}
		}
	}
}
