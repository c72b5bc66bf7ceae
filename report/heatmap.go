package report

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tagroup/tag/taskmatrix"
)

// Heat maps of many tasks: up to manyTasks tasks every cell is a vector
// rectangle and every task is named on both axes; above, the cells are one
// raster image (an SVG embeds it instead of n² rectangles), the figure
// keeps a fixed size and at most maxTaskLabels names are written.
const (
	manyTasks     = 60
	maxTaskLabels = 40
	// manySide is the side of the cell area above manyTasks tasks.
	manySide = 36 * vg.Centimeter
	// minRasterSide is the smallest side in pixels of the cell image: each
	// cell is repeated so that a viewer's smoothing blurs only its edges.
	minRasterSide = 1200
)

// HeatmapOptions change how a heat map is laid out.
type HeatmapOptions struct {
	// Groups, if set, order the rows and columns: the tasks of the first
	// group, then those of the second not yet shown, and so on, then the
	// tasks of no group; each group's block of cells is outlined. Every
	// name must be a task of the matrix.
	Groups [][]string
	// Value labels the colour bar (default "value").
	Value string
}

// groupOrder returns the task order that opt.Groups give (nil when there
// are none) and each group's block [start, end) in it (empty blocks, of
// groups whose tasks all came earlier, are left out).
func groupOrder(tasks []string, groups [][]string) (order []string, blocks [][2]int, err error) {
	if len(groups) == 0 {
		return nil, nil, nil
	}
	placed := make(map[string]bool, len(tasks))
	known := make(map[string]bool, len(tasks))
	for _, t := range tasks {
		known[t] = true
	}
	for g, group := range groups {
		start := len(order)
		for _, t := range group {
			if !known[t] {
				return nil, nil, fmt.Errorf("heat map: group %d names %q, not a task of the matrix", g+1, t)
			}
			if !placed[t] {
				placed[t] = true
				order = append(order, t)
			}
		}
		if len(order) > start {
			blocks = append(blocks, [2]int{start, len(order)})
		}
	}
	for _, t := range tasks {
		if !placed[t] {
			order = append(order, t)
		}
	}
	return order, blocks, nil
}

// matrixGrid shows a task matrix with row 0 at the top and NaN on the
// diagonal (Z_{i→i} is not used by the grouping).
type matrixGrid struct{ m *taskmatrix.Matrix }

// Dims implements plotter.GridXYZ: an n×n grid.
func (g matrixGrid) Dims() (c, r int) { return g.m.N(), g.m.N() }

// Z is the matrix value shown in column c, row r (NaN on the diagonal).
func (g matrixGrid) Z(c, r int) float64 {
	i := g.m.N() - 1 - r
	if i == c {
		return math.NaN()
	}
	return g.m.Values[i][c]
}

// X is the position of column c.
func (g matrixGrid) X(c int) float64 { return float64(c) }

// Y is the position of row r.
func (g matrixGrid) Y(r int) float64 { return float64(r) }

// offDiagonalRange is the largest |value| off the diagonal (1 if all zero).
func offDiagonalRange(m *taskmatrix.Matrix) float64 {
	var a float64
	for i, row := range m.Values {
		for j, v := range row {
			if i != j {
				a = max(a, math.Abs(v))
			}
		}
	}
	if a == 0 {
		return 1
	}
	return a
}

// rasterCells paints the matrix as an image, row 0 at the top, each cell
// a square of k×k pixels (k the smallest that reaches minRasterSide), the
// diagonal white, values outside [min, max] clamped to the end colours.
func rasterCells(m *taskmatrix.Matrix, pal palette.Palette, lo, hi float64) image.Image {
	n := m.N()
	k := max(1, (minRasterSide+n-1)/n)
	img := image.NewRGBA(image.Rect(0, 0, n*k, n*k))
	colors := pal.Colors()
	for i, row := range m.Values {
		for j, v := range row {
			var c color.Color = color.White
			if i != j && !math.IsNaN(v) {
				f := (min(max(v, lo), hi) - lo) / (hi - lo)
				c = colors[min(int(f*float64(len(colors))), len(colors)-1)]
			}
			r, g, b, a := c.RGBA()
			rgba := color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
			for y := i * k; y < (i+1)*k; y++ {
				for x := j * k; x < (j+1)*k; x++ {
					img.SetRGBA(x, y, rgba)
				}
			}
		}
	}
	return img
}

// taskTicks names every task when there are at most manyTasks, and
// otherwise every k-th task (at most maxTaskLabels names), or, when
// groups order the matrix, each group's block at its centre ("G1 (12)").
type taskTicks struct {
	names  []string
	blocks [][2]int
	flip   bool
}

// Ticks implements plot.Ticker.
func (t taskTicks) Ticks(min, max float64) []plot.Tick {
	n := len(t.names)
	pos := func(v float64) float64 {
		if t.flip {
			return float64(n-1) - v
		}
		return v
	}
	var ts []plot.Tick
	switch {
	case n <= manyTasks:
		for i, name := range t.names {
			ts = append(ts, plot.Tick{Value: pos(float64(i)), Label: name})
		}
	case len(t.blocks) > 0:
		for g, b := range t.blocks {
			label := fmt.Sprintf("G%d (%d)", g+1, b[1]-b[0])
			ts = append(ts, plot.Tick{Value: pos(float64(b[0]+b[1]-1) / 2), Label: label})
		}
	default:
		step := (n + maxTaskLabels - 1) / maxTaskLabels
		for i := 0; i < n; i += step {
			ts = append(ts, plot.Tick{Value: pos(float64(i)), Label: t.names[i]})
		}
	}
	return ts
}

// blockOutlines draws a rectangle around each group's block of cells.
func blockOutlines(n int, blocks [][2]int, width vg.Length) ([]plot.Plotter, error) {
	var ps []plot.Plotter
	for _, b := range blocks {
		x0, x1 := float64(b[0])-0.5, float64(b[1])-0.5
		y0, y1 := float64(n-b[1])-0.5, float64(n-b[0])-0.5
		l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
		if err != nil {
			return nil, err
		}
		l.Color = color.Black
		l.Width = width
		ps = append(ps, l)
	}
	return ps, nil
}

// Heatmap draws a task matrix with HeatmapWith's defaults: tasks in the
// matrix's order.
func Heatmap(m *taskmatrix.Matrix, title string) (Figure, error) {
	return HeatmapWith(m, title, HeatmapOptions{})
}

// HeatmapWith draws a task matrix (row = source task i, column = target
// task j) in a diverging blue–red map centred on zero, with a labelled
// colour bar, the tasks ordered and their blocks outlined by opt.Groups,
// and the diagonal (unused by the grouping) white. Up to 12 tasks the
// values are written in the cells; up to 60 every task is named; above,
// the cells are one raster image, the figure keeps a fixed size and the
// axes name each group (with groups) or every k-th task (without).
func HeatmapWith(m *taskmatrix.Matrix, title string, opt HeatmapOptions) (Figure, error) {
	if err := m.Validate(); err != nil {
		return Figure{}, err
	}
	order, blocks, err := groupOrder(m.Tasks, opt.Groups)
	if err != nil {
		return Figure{}, err
	}
	if order != nil {
		if m, err = m.Sub(order); err != nil {
			return Figure{}, err
		}
	}
	n := m.N()
	lim := offDiagonalRange(m)
	cmap := moreland.SmoothBlueRed()
	cmap.SetMin(-lim)
	cmap.SetMax(lim)

	// Write cell values with two decimals, scaled by a power of ten when
	// they are small (lookahead affinities are often ~1e-4).
	scale, exp := 1.0, 0
	if e := int(math.Floor(math.Log10(lim))); e < -1 {
		exp = e
		scale = math.Pow(10, float64(-e))
	}
	p := plot.New()
	p.Title.Text = title
	if exp != 0 && n <= 12 {
		p.Title.Text += fmt.Sprintf(" (cells ×1e%d)", exp)
	}
	p.X.Label.Text = "target task j (loss measured)"
	p.Y.Label.Text = "source task i (step taken)"
	if n <= manyTasks {
		hm := plotter.NewHeatMap(matrixGrid{m}, cmap.Palette(255))
		hm.Min, hm.Max = -lim, lim
		hm.NaN = color.White
		p.Add(hm)
	} else {
		p.Add(plotter.NewImage(rasterCells(m, cmap.Palette(255), -lim, lim), -0.5, -0.5, float64(n)-0.5, float64(n)-0.5))
	}
	outlineWidth := vg.Points(1.5)
	if n > manyTasks {
		outlineWidth = vg.Points(0.8)
	}
	outlines, err := blockOutlines(n, blocks, outlineWidth)
	if err != nil {
		return Figure{}, err
	}
	p.Add(outlines...)
	p.X.Tick.Marker = taskTicks{names: m.Tasks, blocks: blocks}
	p.Y.Tick.Marker = taskTicks{names: m.Tasks, blocks: blocks, flip: true}
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	if n <= 12 {
		labels, err := cellLabels(m, p.X.Tick.Label, lim, scale)
		if err != nil {
			return Figure{}, err
		}
		p.Add(labels)
	}

	bar := plot.New()
	bar.HideX()
	bar.Y.Padding = 0
	bar.Title.Text = " "
	bar.Y.Label.Text = opt.Value
	if bar.Y.Label.Text == "" {
		bar.Y.Label.Text = "value"
	}
	if exp != 0 {
		// The bar reads in the cells' units.
		bar.Y.Label.Text += fmt.Sprintf(" (×1e%d)", exp)
	}
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	bar.Y.Tick.Marker = barTicks{scale: scale}

	side := vg.Length(7+0.9*float64(n)) * vg.Centimeter
	if n > manyTasks {
		side = manySide
	}
	// gap keeps the bar's rotated label off the last column of cells.
	barW, gap := 4*vg.Centimeter, 0.4*vg.Centimeter
	w, h := side+3*vg.Centimeter+gap+barW, side+2*vg.Centimeter
	return Figure{Width: w, Height: h, Draw: func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, -barW-gap, 0, 0))
		// Align the bar with the cells: below them sit the rotated task
		// names and the axis label, above them the title.
		bottom := h - side + 0.4*vg.Centimeter
		bar.Draw(draw.Crop(c, w-barW, 0, bottom*0.9, -0.2*vg.Centimeter))
	}}, nil
}

// barTicks puts seven evenly spaced, labelled ticks on a colour bar (the
// middle one at 0 on a bar centred on zero), labelled with the values
// times scale, the power of ten the cells are written in.
type barTicks struct{ scale float64 }

// Ticks implements plot.Ticker.
func (b barTicks) Ticks(min, max float64) []plot.Tick {
	const count = 7
	ts := make([]plot.Tick, count)
	for i := range ts {
		v := min + (max-min)*float64(i)/(count-1)
		if math.Abs(v) < 1e-12*math.Max(math.Abs(min), math.Abs(max)) {
			v = 0
		}
		ts[i] = plot.Tick{Value: v, Label: strconv.FormatFloat(v*b.scale, 'g', 2, 64)}
	}
	return ts
}

// cellLabels writes each off-diagonal value, times scale with two
// decimals, in its cell, white on the darkest cells.
func cellLabels(m *taskmatrix.Matrix, style text.Style, lim, scale float64) (*plotter.Labels, error) {
	n := m.N()
	lbl := plotter.XYLabels{}
	var styles []text.Style
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			v := m.Values[i][j]
			lbl.XYs = append(lbl.XYs, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
			lbl.Labels = append(lbl.Labels, strconv.FormatFloat(v*scale, 'f', 2, 64))
			st := style
			st.Rotation = 0
			st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
			st.Font.Size = vg.Points(max(7, 14-0.5*float64(n)))
			st.Color = color.Black
			if math.Abs(v) > 0.65*lim {
				st.Color = color.White
			}
			styles = append(styles, st)
		}
	}
	labels, err := plotter.NewLabels(lbl)
	if err != nil {
		return nil, err
	}
	labels.TextStyle = styles
	return labels, nil
}
