package skdigits

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// writeGz writes lines as a gzip-compressed file in a temporary folder.
func writeGz(t *testing.T, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "digits.csv.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	fmt.Fprint(zw, strings.Join(lines, "\n")+"\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// line is a digit whose pixel k is (k+d) mod 17.
func line(d int) string {
	f := make([]string, 65)
	for k := range 64 {
		f[k] = fmt.Sprint((k + d) % 17)
	}
	f[64] = fmt.Sprint(d)
	return strings.Join(f, ",")
}

// Twenty digits 0..9 twice: 2 test, 2 validation, 16 train rows. Digit d's
// attributes follow from its value: even = d%2 == 0, prime = d in {2,3,5,7}.
func TestSmallFile(t *testing.T) {
	var lines []string
	for i := range 20 {
		lines = append(lines, line(i%10))
	}
	ds, err := New(Options{Path: writeGz(t, lines), Seed: 3}, "even", "prime")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len(data.Test) != 2 || ds.Len(data.Validation) != 2 || ds.Len(data.Train) != 16 {
		t.Fatalf("splits %d/%d/%d", ds.Len(data.Train), ds.Len(data.Validation), ds.Len(data.Test))
	}
	if got := ds.InputShape(); len(got) != 3 || got[0] != 8 || got[2] != 1 {
		t.Errorf("shape %v", got)
	}
	// Recover each example's digit from its first pixel (pixel 0 = d).
	total := 0
	for s := data.Train; s <= data.Test; s++ {
		n := ds.Len(s)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		x, y := make([]float32, n*64), make([]float32, n*2)
		if err := ds.Fill(s, idx, x, y); err != nil {
			t.Fatal(err)
		}
		for k := range n {
			d := int(x[k*64]*16 + 0.5)
			if want := float32((63+d)%17) / 16; x[k*64+63] != want {
				t.Errorf("%s %d: last pixel %v, want %v", s, k, x[k*64+63], want)
			}
			even, prime := d%2 == 0, d == 2 || d == 3 || d == 5 || d == 7
			if (y[2*k] == 1) != even || (y[2*k+1] == 1) != prime {
				t.Errorf("digit %d: targets %v", d, y[2*k:2*k+2])
			}
		}
		total += n
	}
	if total != 20 {
		t.Errorf("%d rows in the splits, want 20", total)
	}
}

func TestErrors(t *testing.T) {
	_, err := New(Options{Path: filepath.Join(t.TempDir(), "none.csv.gz")})
	if err == nil || !strings.Contains(err.Error(), "apt-get install python3-sklearn") {
		t.Errorf("missing file: %v", err)
	}
	lines := []string{line(1), line(2), strings.Replace(line(3), ",3", ",x", 1)}
	for range 10 {
		lines = append(lines, line(4))
	}
	if _, err := New(Options{Path: writeGz(t, lines)}); err == nil || !strings.Contains(err.Error(), ".csv.gz:3: field") {
		t.Errorf("bad field: %v", err)
	}
	if _, err := New(Options{Path: writeGz(t, []string{"1,2,3"})}); err == nil || !strings.Contains(err.Error(), ":1: 3 fields") {
		t.Errorf("short line: %v", err)
	}
	if _, err := New(Options{Path: writeGz(t, []string{line(1)})}, "odd"); err == nil || !strings.Contains(err.Error(), `"odd"`) {
		t.Errorf("unknown task: %v", err)
	}
}

// The installed file: 1797 digits, 179 test, 179 validation, 1439 train,
// about 180 of each digit (the file holds 174 to 183 per digit).
func TestInstalled(t *testing.T) {
	if _, err := os.Stat(DefaultPath); err != nil {
		t.Skipf("SKIP: scikit-learn's digits not installed (%v); apt-get install %s", err, Package)
	}
	ds, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len(data.Test) != 179 || ds.Len(data.Validation) != 179 || ds.Len(data.Train) != 1439 || len(ds.Tasks()) != 6 {
		t.Fatalf("splits %d/%d/%d, %d tasks", ds.Len(data.Train), ds.Len(data.Validation), ds.Len(data.Test), len(ds.Tasks()))
	}
	pix, labels, err := read(DefaultPath)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 10)
	for _, l := range labels {
		counts[l]++
	}
	for d, c := range counts {
		if c < 174 || c > 183 {
			t.Errorf("digit %d: %d images", d, c)
		}
	}
	// The file's first line begins 0,0,5,13,9,1,0,0 and ends with digit 0.
	if got := pix[:8]; got[2] != 5 || got[3] != 13 || got[4] != 9 || got[5] != 1 || labels[0] != 0 {
		t.Errorf("first digit %v label %d", got, labels[0])
	}
}
