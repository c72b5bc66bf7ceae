package mnist

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// needFashion skips the test, saying which package to install, when the
// Fashion-MNIST files are absent.
func needFashion(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(FashionDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("SKIP: Fashion-MNIST not installed (%v); apt-get install %s", err, FashionPackage)
	}
}

func TestFashionMissingNamesPackage(t *testing.T) {
	_, err := NewFashionAttributes(Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Fatalf("error %v, want the package to install", err)
	}
}

// The attributes are checked against rules written from the class names,
// independently of the FashionAttributes table.
func TestFashionAttributes(t *testing.T) {
	needFashion(t)
	a, err := NewFashionAttributes(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len(data.Train) != 50000 || a.Len(data.Validation) != 10000 || a.Len(data.Test) != 10000 {
		t.Fatalf("split sizes %d/%d/%d", a.Len(data.Train), a.Len(data.Validation), a.Len(data.Test))
	}
	if !strings.HasPrefix(a.Name(), "fashion-mnist-attributes(") {
		t.Errorf("name %q", a.Name())
	}
	in := func(names ...string) func(string) bool {
		return func(c string) bool { return slices.Contains(names, c) }
	}
	rules := map[string]func(string) bool{
		"footwear":     in("sandal", "sneaker", "ankle boot"),
		"top":          in("t-shirt/top", "pullover", "coat", "shirt"),
		"long_sleeves": in("pullover", "coat", "shirt"),
		"covers_legs":  in("trouser", "dress"),
		"summer":       in("t-shirt/top", "dress", "sandal"),
		"winter":       in("pullover", "coat", "ankle boot"),
		"buttoned":     in("coat", "shirt"),
	}
	if len(a.Tasks()) != len(rules) {
		t.Fatalf("%d tasks, want %d", len(a.Tasks()), len(rules))
	}
	nt := len(a.tasks)
	idx := make([]int, 1000)
	for i := range idx {
		idx[i] = i * 10
	}
	x := make([]float32, len(idx)*side*side)
	y := make([]float32, len(idx)*nt)
	if err := a.Fill(data.Test, idx, x, y); err != nil {
		t.Fatal(err)
	}
	seen := map[uint8]bool{}
	positives := make([]int, nt)
	for k, i := range idx {
		label := a.src.split[data.Test].labels[i]
		seen[label] = true
		for ti, task := range a.tasks {
			want := rules[task.Name](FashionClasses[label])
			if (y[k*nt+ti] == 1) != want {
				t.Fatalf("%s: %s = %v, want %v", FashionClasses[label], task.Name, y[k*nt+ti], want)
			}
			if want {
				positives[ti]++
			}
		}
	}
	if len(seen) != 10 {
		t.Errorf("only %d classes among 1000 test images", len(seen))
	}
	for ti, p := range positives {
		if p < 100 || p > 500 {
			t.Errorf("%s: %d positives of 1000", a.tasks[ti].Name, p)
		}
	}
	if _, err := NewFashionAttributes(Options{}, "waterproof"); err == nil || !strings.Contains(err.Error(), "known: footwear") {
		t.Errorf("unknown attribute: %v", err)
	}
}
