package celeba

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// allAttributes are the 40 CelebA attribute names in file order.
var allAttributes = strings.Fields(`5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs
Big_Lips Big_Nose Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses
Goatee Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard
Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair
Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young`)

// fixtureColor is the colour of the middle band of image i; the top and
// bottom quarters are black and white, so that only a correct centre crop
// yields a uniform image.
func fixtureColor(i int) color.RGBA {
	return color.RGBA{uint8(40 + 20*i), uint8(200 - 15*i), uint8(60 + 9*i), 255}
}

// fixtureLabel is attribute a of image i.
func fixtureLabel(i, a int) bool { return (i*7+a*3)%5 < 2 }

// makeFixture writes n 24×40 JPEGs in the CelebA layout; image i is in
// split i%3.
func makeFixture(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ImageDir), 0o755); err != nil {
		t.Fatal(err)
	}
	var attr, part strings.Builder
	fmt.Fprintf(&attr, "%d\n%s\n", n, strings.Join(allAttributes, " "))
	for i := range n {
		name := fmt.Sprintf("%06d.jpg", i+1)
		img := image.NewRGBA(image.Rect(0, 0, 24, 40))
		for y := range 40 {
			for x := range 24 {
				c := fixtureColor(i)
				if y < 8 {
					c = color.RGBA{0, 0, 0, 255}
				} else if y >= 32 {
					c = color.RGBA{255, 255, 255, 255}
				}
				img.Set(x, y, c)
			}
		}
		f, err := os.Create(filepath.Join(dir, ImageDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		attr.WriteString(name)
		for a := range allAttributes {
			v := "-1"
			if fixtureLabel(i, a) {
				v = " 1"
			}
			attr.WriteString(" " + v)
		}
		attr.WriteString("\n")
		fmt.Fprintf(&part, "%s %d\n", name, i%3)
	}
	for file, content := range map[string]string{AttrFile: attr.String(), PartitionFile: part.String()} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRoundTripAndCache(t *testing.T) {
	const n = 10
	dir := makeFixture(t, n)
	attrs := []string{"Young", "Bald", "Wearing_Hat"}
	ds, err := Open(dir, Options{Attributes: attrs, Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	check := func(ds data.Dataset) {
		t.Helper()
		for s := data.Train; s <= data.Test; s++ {
			var want []int // images in split s, in file order
			for i := range n {
				if i%3 == int(s) {
					want = append(want, i)
				}
			}
			if ds.Len(s) != len(want) {
				t.Fatalf("%v: %d images, want %d", s, ds.Len(s), len(want))
			}
			for k, i := range want {
				x := make([]float32, 8*8*3)
				y := make([]float32, 3)
				if err := ds.Fill(s, []int{k}, x, y); err != nil {
					t.Fatal(err)
				}
				c := fixtureColor(i)
				for p := range 64 {
					for ch, v := range []uint8{c.R, c.G, c.B} {
						if got := x[3*p+ch]; math.Abs(float64(got)-float64(v)/255) > 0.06 {
							t.Fatalf("%v image %d pixel %d channel %d: %.3f, want %.3f", s, i, p, ch, got, float64(v)/255)
						}
					}
				}
				for a, name := range attrs {
					col := 0
					for j, an := range allAttributes {
						if an == name {
							col = j
						}
					}
					if w := fixtureLabel(i, col); (y[a] == 1) != w {
						t.Fatalf("%v image %d %s: %v, want %v", s, i, name, y[a], w)
					}
				}
			}
		}
	}
	check(ds)
	ds.(*Dataset).Close()
	// The second open must come from the cache: remove the images.
	if err := os.RemoveAll(filepath.Join(dir, ImageDir)); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir, Options{Attributes: attrs, Size: 8})
	if err != nil {
		t.Fatalf("second open did not use the cache: %v", err)
	}
	check(again)
	if _, err := Open(dir, Options{Attributes: attrs, Size: 9}); err == nil || !strings.Contains(err.Error(), "000001.jpg") {
		t.Fatalf("a new size must decode again and fail on the missing images: %v", err)
	}
}

// The cache's place is a note but not part of the data's identity: the
// digest is the same wherever the decoded images are cached.
func TestDigestIgnoresCachePlace(t *testing.T) {
	dir := makeFixture(t, 6)
	var digests []string
	for range 2 {
		ds, err := Open(dir, Options{Size: 4, CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		d, err := data.Digest(ds)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
		ds.(*Dataset).Close()
	}
	if digests[0] != digests[1] {
		t.Errorf("digests %s and %s differ with the cache elsewhere", digests[0], digests[1])
	}
}

func TestDefaultsAndLimit(t *testing.T) {
	dir := makeFixture(t, 9)
	ds, err := Open(dir, Options{Limit: 4, CacheDir: t.TempDir(), Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ds.Tasks()); got != 9 || ds.Tasks()[0].Name != "5_o_Clock_Shadow" {
		t.Fatalf("default tasks %v", ds.Tasks())
	}
	if tot := ds.Len(data.Train) + ds.Len(data.Validation) + ds.Len(data.Test); tot != 4 {
		t.Fatalf("limit 4 gave %d images", tot)
	}
}

func TestErrors(t *testing.T) {
	dir := makeFixture(t, 3)
	attrPath := filepath.Join(dir, AttrFile)
	good, _ := os.ReadFile(attrPath)
	lines := strings.Split(string(good), "\n")
	tests := []struct {
		name string
		attr string
		part string
		opt  Options
		want string
	}{
		{"unknown attribute", "", "", Options{Attributes: []string{"Smiling", "Purple_Hair"}}, AttrFile + `:2: no attribute "Purple_Hair"`},
		{"bad count", "x\n" + strings.Join(lines[1:], "\n"), "", Options{}, AttrFile + `:1: want the image count`},
		{"wrong count", "4\n" + strings.Join(lines[1:], "\n"), "", Options{}, "line 1 announces 4 images, the file lists 3"},
		{"short line", strings.Join(lines[:3], "\n") + "\n000002.jpg 1 1\n", "", Options{}, AttrFile + ":4: 3 fields"},
		{"bad value", strings.Replace(string(good), "000002.jpg -1", "000002.jpg 7", 1), "", Options{}, AttrFile + `:4: column 2 (5_o_Clock_Shadow): value "7"`},
		{"bad partition", "", "000001.jpg 0\n000002.jpg 5\n", Options{}, PartitionFile + `:2: want "IMAGE 0|1|2"`},
		{"missing partition", "", "000001.jpg 0\n000002.jpg 1\n", Options{}, AttrFile + ":5: image 000003.jpg has no line in"},
		{"empty", "\n", "", Options{}, AttrFile + ": empty file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			os.Symlink(filepath.Join(dir, ImageDir), filepath.Join(d, ImageDir))
			attr, part := tc.attr, tc.part
			if attr == "" {
				attr = string(good)
			}
			if part == "" {
				b, _ := os.ReadFile(filepath.Join(dir, PartitionFile))
				part = string(b)
			}
			os.WriteFile(filepath.Join(d, AttrFile), []byte(attr), 0o644)
			os.WriteFile(filepath.Join(d, PartitionFile), []byte(part), 0o644)
			_, err := Open(d, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := Open(t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), AttrFile) {
		t.Fatalf("empty folder: %v", err)
	}
}

func BenchmarkFill(b *testing.B) {
	dir := makeFixture(b, 30)
	ds, err := Open(dir, Options{Size: 64})
	if err != nil {
		b.Fatal(err)
	}
	idx := []int{0, 3, 5, 7, 9, 1, 2, 4}
	x := make([]float32, len(idx)*data.InputSize(ds))
	y := make([]float32, len(idx)*len(ds.Tasks()))
	for b.Loop() {
		if err := ds.Fill(data.Train, idx, x, y); err != nil {
			b.Fatal(err)
		}
	}
}
