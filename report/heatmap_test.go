package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/palette/moreland"

	"github.com/tagroup/tag/taskmatrix"
)

// manyMatrix returns an n×n matrix of families of size fam: high affinity
// inside a family, low between, with noise; task names "f<family>_<k>".
func manyMatrix(n, fam int) *taskmatrix.Matrix {
	tasks := make([]string, n)
	for i := range tasks {
		tasks[i] = fmt.Sprintf("f%d_%d", i/fam, i%fam)
	}
	m := taskmatrix.New(tasks)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		for j := range n {
			v := r.Float64()*0.2 - 0.1
			if i/fam == j/fam {
				v += 1
			}
			m.Values[i][j] = v * 1e-3
		}
	}
	return m
}

func TestGroupOrder(t *testing.T) {
	tasks := []string{"a", "b", "c", "d", "e", "f"}
	tests := []struct {
		groups [][]string
		order  []string
		blocks [][2]int
	}{
		{nil, nil, nil},
		{[][]string{{"d", "b"}, {"a", "f"}}, []string{"d", "b", "a", "f", "c", "e"}, [][2]int{{0, 2}, {2, 4}}},
		// Overlap: b shows in its first group; a group of earlier tasks
		// only has no block.
		{[][]string{{"b", "c"}, {"c", "e", "b"}, {"b"}, {"a", "d", "f"}}, []string{"b", "c", "e", "a", "d", "f"},
			[][2]int{{0, 2}, {2, 3}, {3, 6}}},
	}
	for _, tc := range tests {
		order, blocks, err := groupOrder(tasks, tc.groups)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(order, tc.order) || !slices.Equal(blocks, tc.blocks) {
			t.Errorf("groups %v: order %v blocks %v, want %v %v", tc.groups, order, blocks, tc.order, tc.blocks)
		}
	}
	if _, _, err := groupOrder(tasks, [][]string{{"a"}, {"b", "zz"}}); err == nil || !strings.Contains(err.Error(), `group 2 names "zz"`) {
		t.Errorf("unknown task: err %v", err)
	}
	if _, err := HeatmapWith(manyMatrix(6, 3), "Z", HeatmapOptions{Groups: [][]string{{"nope"}}}); err == nil {
		t.Error("HeatmapWith accepted a group with an unknown task")
	}
}

// TestTaskTicks checks that every task is named up to manyTasks, every
// k-th (at most maxTaskLabels) above, and each group's block with groups.
func TestTaskTicks(t *testing.T) {
	names := func(n int) []string { return manyMatrix(n, 10).Tasks }
	if ts := (taskTicks{names: names(manyTasks)}).Ticks(0, 1); len(ts) != manyTasks {
		t.Errorf("%d tasks: %d ticks", manyTasks, len(ts))
	}
	for _, n := range []int{manyTasks + 1, 300, 1000} {
		ts := (taskTicks{names: names(n), flip: true}).Ticks(0, 1)
		if len(ts) > maxTaskLabels || len(ts) < maxTaskLabels/2 {
			t.Errorf("%d tasks: %d ticks, want at most %d and not far fewer", n, len(ts), maxTaskLabels)
		}
		if ts[0].Label != names(n)[0] || ts[0].Value != float64(n-1) {
			t.Errorf("%d tasks: first tick %+v, want the first task at the top", n, ts[0])
		}
	}
	ts := (taskTicks{names: names(100), blocks: [][2]int{{0, 30}, {30, 100}}}).Ticks(0, 1)
	want := []string{"G1 (30)", "G2 (70)"}
	if len(ts) != 2 || ts[0].Label != want[0] || ts[1].Label != want[1] || ts[0].Value != 14.5 || ts[1].Value != 64.5 {
		t.Errorf("group ticks %+v, want %v at 14.5 and 64.5", ts, want)
	}
}

// TestRasterCells checks the cell image against the colour map: each
// cell's pixels have its value's colour, the diagonal is white, and the
// ends of the range take the end colours.
func TestRasterCells(t *testing.T) {
	m := manyMatrix(70, 7)
	m.Values[0][1], m.Values[1][0] = 5, -5 // beyond the range: clamped
	cmap := moreland.SmoothBlueRed()
	cmap.SetMin(-1e-3)
	cmap.SetMax(1e-3)
	pal := cmap.Palette(255)
	img := rasterCells(m, pal, -1e-3, 1e-3)
	n := m.N()
	k := img.Bounds().Dx() / n
	if img.Bounds().Dx() != n*k || img.Bounds().Dy() != n*k || n*k < minRasterSide {
		t.Fatalf("image %v for %d tasks", img.Bounds(), n)
	}
	same := func(a, b color.Color) bool {
		r1, g1, b1, _ := a.RGBA()
		r2, g2, b2, _ := b.RGBA()
		return r1>>8 == r2>>8 && g1>>8 == g2>>8 && b1>>8 == b2>>8
	}
	colors := pal.Colors()
	for _, c := range []struct {
		i, j int
		want color.Color
	}{{3, 3, color.White}, {0, 1, colors[len(colors)-1]}, {1, 0, colors[0]}} {
		for _, d := range [][2]int{{0, 0}, {k - 1, k - 1}} {
			if got := img.At(c.j*k+d[1], c.i*k+d[0]); !same(got, c.want) {
				t.Errorf("cell %d,%d pixel %v: %v, want %v", c.i, c.j, d, got, c.want)
			}
		}
	}
	// An inner cell: its value's colour from the palette.
	v := m.Values[5][9]
	idx := int((v + 1e-3) / 2e-3 * float64(len(colors)))
	if got := img.At(9*k, 5*k); !same(got, colors[idx]) {
		t.Errorf("cell 5,9 (%g): %v, want %v", v, got, colors[idx])
	}
}

// TestHeatmapManyTasks checks that above manyTasks tasks the figure keeps
// its size, the SVG holds one image instead of n² cells, and the group
// outlines and the colour bar's label are drawn.
func TestHeatmapManyTasks(t *testing.T) {
	m := manyMatrix(200, 10)
	var groups [][]string
	for f := 19; f >= 0; f-- {
		groups = append(groups, m.Tasks[f*10:f*10+10])
	}
	f, err := HeatmapWith(m, "Z", HeatmapOptions{Groups: groups, Value: "Ẑ(i→j)"})
	if err != nil {
		t.Fatal(err)
	}
	small, err := Heatmap(manyMatrix(manyTasks, 10), "Z")
	if err != nil {
		t.Fatal(err)
	}
	if f.Width > small.Width {
		t.Errorf("200 tasks: width %v, more than %v at %d tasks", f.Width, small.Width, manyTasks)
	}
	var svg bytes.Buffer
	if err := f.WriteTo(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	s := svg.String()
	// Two images (the cells and the colour bar), and far fewer than n²
	// drawn paths.
	if c, p := strings.Count(s, "<image"), strings.Count(s, "<path"); c != 2 || p > 1000 {
		t.Errorf("SVG holds %d images and %d paths, want the cells as one image", c, p)
	}
	if svg.Len() > 2<<20 {
		t.Errorf("SVG of 200 tasks is %d bytes", svg.Len())
	}
	for _, want := range []string{">Ẑ(i→j)", ">G1 (10)<", ">G20 (10)<"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	var png bytes.Buffer
	if err := f.WriteTo(&png, "png"); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkHeatmap(b *testing.B) {
	for _, n := range []int{60, 300, 1000} {
		m := manyMatrix(n, 10)
		for _, format := range Formats {
			b.Run(fmt.Sprintf("n=%d/%s", n, format), func(b *testing.B) {
				for range b.N {
					f, err := Heatmap(m, "Z")
					if err != nil {
						b.Fatal(err)
					}
					var buf bytes.Buffer
					if err := f.WriteTo(&buf, format); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(buf.Len()), "bytes")
				}
			})
		}
	}
}

// TestBarTicksInCellUnits: the colour bar's labels are in the units the
// cells are written in (scaled by the same power of ten), evenly spaced
// with 0 in the middle.
func TestBarTicksInCellUnits(t *testing.T) {
	ts := barTicks{scale: 1000}.Ticks(-0.003, 0.003)
	var got []string
	for _, tk := range ts {
		got = append(got, tk.Label)
	}
	if want := []string{"-3", "-2", "-1", "0", "1", "2", "3"}; !slices.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
}
