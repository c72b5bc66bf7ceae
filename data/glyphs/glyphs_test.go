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
// parameters with independent rules (font names, unicode classes).
func TestAttributesMatchParameters(t *testing.T) {
	d, err := newDataset(Options{N: 1200, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	round := map[rune]bool{}
	for _, c := range "OQCGDSBPocesabdgpq0689" {
		round[c] = true
	}
	base := 0
	for s := data.Train; s <= data.Test; s++ {
		_, y := fillAll(t, d, s)
		for i := range d.Len(s) {
			p := d.params[base+i]
			font := d.faces[p.face].name
			c := rune(chars[p.char])
			sizes := float64(d.minPx+d.maxPx) / 2
			want := map[string]bool{
				"bold":      strings.Contains(font, "Bold"),
				"italic":    strings.Contains(font, "Italic"),
				"monospace": strings.Contains(font, "Mono"),
				"smallcaps": strings.Contains(font, "Smallcaps"),
				"uppercase": unicode.IsUpper(c),
				"digit":     unicode.IsDigit(c),
				"vowel":     strings.ContainsRune("aeiouAEIOU", c),
				"round":     round[c],
				"large":     float64(p.sizePx) > sizes,
				"left":      p.cx < float64(d.opt.Size)/2,
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
		}
		base += d.Len(s)
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
		i := strings.IndexRune(chars, c)
		return f.top[i] > f.xTop+AscenderMargin, f.bottom[i] > DescenderMargin
	}
	for _, f := range faces {
		for _, c := range chars {
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

// TestRendering checks that the ink lies where the parameters put it.
func TestRendering(t *testing.T) {
	d, err := newDataset(Options{N: 600, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := d.opt.Size
	agreeLeft := 0
	var inkLarge, inkSmall, nLarge, nSmall float64
	for i, p := range d.params {
		var sum, sx, sy float64
		for v := range n {
			for u := range n {
				a := float64(d.pix[i*n*n+v*n+u]) / 255
				sum += a
				sx += a * (float64(u) + 0.5)
				sy += a * (float64(v) + 0.5)
			}
		}
		if sum == 0 {
			t.Fatalf("example %d has no ink", i)
		}
		cx, cy := sx/sum, sy/sum
		if math.Hypot(cx-p.cx, cy-p.cy) > 0.25*float64(n) {
			t.Errorf("example %d: ink centroid (%.1f,%.1f), placed at (%.1f,%.1f)", i, cx, cy, p.cx, p.cy)
		}
		if (cx < float64(n)/2) == (p.cx < float64(n)/2) {
			agreeLeft++
		}
		if d.labels[i*len(Attributes)+10] == 1 {
			inkLarge += sum / p.ink
			nLarge++
		} else {
			inkSmall += sum / p.ink
			nSmall++
		}
	}
	if frac := float64(agreeLeft) / float64(len(d.params)); frac < 0.85 {
		t.Errorf("ink centroid agrees with the left label in %.2f of examples", frac)
	}
	if inkLarge/nLarge < 1.5*inkSmall/nSmall {
		t.Errorf("large glyphs carry %.1f ink on average, small ones %.1f", inkLarge/nLarge, inkSmall/nSmall)
	}
	x, _ := fillAll(t, d, data.Train)
	for _, v := range x {
		if v < 0 || v > 1 {
			t.Fatalf("pixel value %v outside [0,1]", v)
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
	for i := range sub.Len(data.Validation) {
		for k, c := range cols {
			if ys[i*3+k] != yf[i*12+c] {
				t.Fatalf("example %d task %d: %v, want %v", i, k, ys[i*3+k], yf[i*12+c])
			}
		}
	}
	defaults, err := New(Options{N: 50, Tasks: DefaultTasks()})
	if err != nil || len(defaults.Tasks()) != 9 {
		t.Fatalf("default tasks: %v, %v", err, defaults)
	}
}

func TestBalance(t *testing.T) {
	ds, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := data.Summarize(ds)
	if err != nil {
		t.Fatal(err)
	}
	for i, task := range ds.Tasks() {
		if p := sum.Tasks[i][data.Train].ClassFreq[1]; p < 0.05 || p > 0.95 {
			t.Errorf("task %s: positive rate %.3f", task.Name, p)
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
	}
	for _, tc := range tests {
		if _, err := New(tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.opt, err, tc.want)
		}
	}
	ds, _ := New(Options{N: 100})
	if err := ds.Fill(data.Test, []int{10}, make([]float32, 1024), make([]float32, 12)); err == nil {
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
