package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/taskmatrix"
)

// Figure is a drawing of a fixed size that can be written as PNG or SVG.
type Figure struct {
	// Width and Height are the figure's size.
	Width, Height vg.Length
	// Draw paints the figure on a canvas of that size.
	Draw func(c draw.Canvas)
}

// WriteTo writes the figure in format ("png" or "svg") to w.
func (f Figure) WriteTo(w io.Writer, format string) error {
	c, err := draw.NewFormattedCanvas(f.Width, f.Height, format)
	if err != nil {
		return err
	}
	f.Draw(draw.New(c))
	_, err = c.WriteTo(w)
	return err
}

// nameTicks labels integer positions with names; flip puts the first name
// at the top (position n−1).
type nameTicks struct {
	names []string
	flip  bool
}

// Ticks implements plot.Ticker: one tick per task name.
func (t nameTicks) Ticks(min, max float64) []plot.Tick {
	ts := make([]plot.Tick, len(t.names))
	for i, n := range t.names {
		v := float64(i)
		if t.flip {
			v = float64(len(t.names) - 1 - i)
		}
		ts[i] = plot.Tick{Value: v, Label: n}
	}
	return ts
}

// meanByTarget returns, for each target task, the per-epoch mean over
// sources ≠ target of the trajectory, and the sorted epochs.
func meanByTarget(points []taskmatrix.Point, tasks []string) (map[string]map[int]float64, []int) {
	sum := map[string]map[int]float64{}
	cnt := map[string]map[int]int{}
	epochs := map[int]bool{}
	for _, t := range tasks {
		sum[t], cnt[t] = map[int]float64{}, map[int]int{}
	}
	for _, p := range points {
		if p.Source == p.Target || sum[p.Target] == nil {
			continue
		}
		sum[p.Target][p.Epoch] += p.Value
		cnt[p.Target][p.Epoch]++
		epochs[p.Epoch] = true
	}
	for t, byE := range sum {
		for e := range byE {
			byE[e] /= float64(cnt[t][e])
		}
	}
	var es []int
	for e := range epochs {
		es = append(es, e)
	}
	slices.Sort(es)
	return sum, es
}

// legendTasks is the most tasks whose trajectories are drawn in their own
// colour (one of palette10) and named in a legend; above, each is a thin
// grey line, and the mean over tasks and the strongestPairs pairs of
// largest mean |Z| are drawn on top in colour.
const (
	legendTasks    = 10
	strongestPairs = 6
)

// palette10 holds ten colours told apart easily, one per line.
var palette10 = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

// refColors are the dark colours of the reference lines of MethodBars.
var refColors = []color.Color{
	color.Black, color.RGBA{178, 34, 34, 255}, color.RGBA{0, 100, 0, 255},
	color.RGBA{72, 61, 139, 255}, color.RGBA{139, 69, 19, 255}, color.RGBA{0, 0, 139, 255},
}

// topPairs returns the per-epoch trajectories of the count ordered pairs
// (source ≠ target) with the largest mean |Z| over epochs, strongest first,
// each named "source → target".
func topPairs(points []taskmatrix.Point, count int) (names []string, lines []plotter.XYs) {
	// The tasks by index, then each ordered pair's sum and count of |Z| in
	// n×n arrays: no map entry or slice per pair (n² of them at hundreds
	// of tasks); only the chosen pairs' points are gathered.
	index := map[string]int{}
	var tasks []string
	for _, p := range points {
		for _, name := range [2]string{p.Source, p.Target} {
			if _, ok := index[name]; !ok {
				index[name] = len(tasks)
				tasks = append(tasks, name)
			}
		}
	}
	n := len(tasks)
	strength, cnt := make([]float64, n*n), make([]int32, n*n)
	for _, p := range points {
		if p.Source != p.Target {
			k := index[p.Source]*n + index[p.Target]
			strength[k] += math.Abs(p.Value)
			cnt[k]++
		}
	}
	// before reports whether pair a ranks before pair b: a larger mean
	// |Z|, then the names in order.
	before := func(a, b int) bool {
		if c := cmpFloat(strength[b]/float64(cnt[b]), strength[a]/float64(cnt[a])); c != 0 {
			return c < 0
		}
		if sa, sb := tasks[a/n], tasks[b/n]; sa != sb {
			return sa < sb
		}
		return tasks[a%n] < tasks[b%n]
	}
	var top []int // the strongest pairs so far, in rank order
	for k := range strength {
		if cnt[k] == 0 || count < 1 || len(top) == count && !before(k, top[len(top)-1]) {
			continue
		}
		i := 0
		for i < len(top) && !before(k, top[i]) {
			i++
		}
		top = slices.Insert(top, i, k)
		top = top[:min(len(top), count)]
	}
	at := make(map[int]int, len(top))
	lines = make([]plotter.XYs, len(top))
	for i, k := range top {
		at[k] = i
		names = append(names, tasks[k/n]+" → "+tasks[k%n])
	}
	for _, p := range points {
		if i, ok := at[index[p.Source]*n+index[p.Target]]; ok && p.Source != p.Target {
			lines[i] = append(lines[i], plotter.XY{X: float64(p.Epoch), Y: p.Value})
		}
	}
	for _, xys := range lines {
		slices.SortFunc(xys, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
	}
	return names, lines
}

// Trajectories draws, for each target task j, the per-epoch mean over
// sources i ≠ j of Z_{i→j}: how much the other tasks' updates helped j at
// each stage of training. Up to legendTasks tasks each has its colour and
// a legend entry to the right of the plot; above, the tasks are thin grey
// lines under their mean.
func Trajectories(points []taskmatrix.Point, tasks []string) (Figure, error) {
	if len(points) == 0 {
		return Figure{}, fmt.Errorf("no trajectory points")
	}
	means, epochs := meanByTarget(points, tasks)
	p := plot.New()
	p.Title.Text = "Affinity onto each task during training"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "mean over sources i ≠ j of Z(i→j)"
	p.Add(plotter.NewGrid())
	zero, err := plotter.NewLine(plotter.XYs{{X: float64(epochs[0]), Y: 0}, {X: float64(epochs[len(epochs)-1]), Y: 0}})
	if err != nil {
		return Figure{}, err
	}
	zero.Color = color.Gray{Y: 120}
	zero.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(zero)
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	many := len(tasks) > legendTasks
	overall := make([]float64, len(epochs))
	counts := make([]int, len(epochs))
	for i, t := range tasks {
		var xys plotter.XYs
		for k, e := range epochs {
			if v, ok := means[t][e]; ok {
				xys = append(xys, plotter.XY{X: float64(e), Y: v})
				overall[k] += v
				counts[k]++
			}
		}
		if len(xys) == 0 {
			continue
		}
		if many {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return Figure{}, err
			}
			l.Color = color.Gray{Y: 190}
			l.Width = vg.Points(0.4)
			p.Add(l)
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return Figure{}, err
		}
		l.Color = palette10[i%len(palette10)]
		l.Width = vg.Points(1.5)
		pts.Shape = plotutil.Shape(i)
		pts.Color = l.Color
		p.Add(l, pts)
		leg.Add(t, l, pts)
	}
	if many {
		var xys plotter.XYs
		for k, e := range epochs {
			if counts[k] > 0 {
				xys = append(xys, plotter.XY{X: float64(e), Y: overall[k] / float64(counts[k])})
			}
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return Figure{}, err
		}
		l.Width = vg.Points(2)
		p.Add(l, pts)
		leg.Add(fmt.Sprintf("mean over the %d tasks", len(tasks)), l, pts)
		leg.Add("one task (grey)", greyLine{})
		names, pairs := topPairs(points, strongestPairs)
		for i, xys := range pairs {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return Figure{}, err
			}
			l.Color = palette10[i%len(palette10)]
			l.Width = vg.Points(1.2)
			p.Add(l)
			leg.Add("Z("+names[i]+")", l)
		}
		p.Title.Text = fmt.Sprintf("Affinity during training: mean onto each task and the %d strongest pairs", len(pairs))
		p.Y.Label.Text = "Z(i→j) (the legend says which mean or pair)"
	}
	p.X.Tick.Marker = epochTicks{}
	legW := 4.5 * vg.Centimeter
	if many {
		legW = 6 * vg.Centimeter
	}
	w, h := 16*vg.Centimeter+legW, 11*vg.Centimeter
	return Figure{Width: w, Height: h, Draw: func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, -legW, 0, 0))
		lc := draw.Crop(c, w-legW+0.3*vg.Centimeter, 0, 0, -1*vg.Centimeter)
		leg.Draw(lc)
	}}, nil
}

// greyLine is the legend's thumbnail of one task's thin grey line.
type greyLine struct{}

// Thumbnail implements plot.Thumbnailer.
func (greyLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 190}, Width: vg.Points(0.4)}, c.Min.X, y, c.Max.X, y)
}

// stepTicks labels about n ticks at a round step (1, 2, 2.5 or 5 times a
// power of ten) over the values' range [lo, hi], and none above it (where
// the methods plot keeps room for its legend): a narrow range of losses
// gets more than the two or three labels plot's default ticker gives it.
type stepTicks struct {
	n      int
	lo, hi float64
}

// Ticks implements plot.Ticker.
func (t stepTicks) Ticks(min, max float64) []plot.Tick {
	if !(t.hi > t.lo) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (t.hi - t.lo) / float64(t.n)
	unit := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * unit
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*unit >= raw {
			step = m * unit
			break
		}
	}
	top := math.Min(max, t.hi+step)
	var ts []plot.Tick
	for i := math.Ceil(min / step); i*step <= top; i++ {
		v := i * step
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 4, 64)})
	}
	return ts
}

// epochTicks puts ticks on whole epochs only.
type epochTicks struct{}

// Ticks implements plot.Ticker: whole epochs, at most about ten.
func (epochTicks) Ticks(min, max float64) []plot.Tick {
	step := math.Max(1, math.Ceil((max-min)/10))
	var ts []plot.Tick
	for v := math.Ceil(min); v <= max; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// errBars places symmetric error bars at given points.
type errBars struct {
	plotter.XYs
	err []float64
}

// YError implements plotter.YErrorer: symmetric bars.
func (e errBars) YError(i int) (float64, float64) { return e.err[i], e.err[i] }

// errorBar is the half-height of a bar's error bar: for random the
// standard deviation between its groupings, for the other methods half
// the 95% interval of the mean over seeds (none with one seed).
func errorBar(b *experiment.BudgetResult) (float64, bool) {
	if b.TotalTestLossStd != nil {
		return *b.TotalTestLossStd, true
	}
	if ci := b.TotalTestLossCI95; ci != nil {
		return (ci[1] - ci[0]) / 2, true
	}
	return 0, false
}

// splitByBudget splits the methods of r into those reported per budget
// (the grouping methods) and those reported once for all budgets (mtl, stl,
// the loss-balancing baselines), each in report order.
func splitByBudget(r *experiment.Results) (perBudget, all []string) {
	for _, m := range methodsIn(r) {
		if _, ok := r.Methods[m].Budgets[experiment.AllBudgets]; ok {
			all = append(all, m)
		} else {
			perBudget = append(perBudget, m)
		}
	}
	return perBudget, all
}

// MethodBars draws, for each budget, one bar per grouping method (total
// test loss, with the error bar of errorBar) and the
// methods that train the same networks for every budget (mtl, stl, the
// loss-balancing baselines) as dashed reference lines across the figure. The value axis is
// zoomed to the data (it does not start at zero) and says so.
func MethodBars(r *experiment.Results) (Figure, error) {
	bars, lines := splitByBudget(r)
	ks := r.Budgets
	if len(bars) == 0 || len(ks) == 0 {
		return Figure{}, fmt.Errorf("no grouping method to compare")
	}
	p := plot.New()
	p.Title.Text = "Total test loss by method and budget"
	p.Y.Label.Text = "total test loss (axis not from 0)"
	p.X.Label.Text = "budget (number of networks)"
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	width := vg.Points(math.Min(18, 160/float64(len(bars))))
	for i, m := range bars {
		vals := make(plotter.Values, len(ks))
		var eb errBars
		for x, k := range ks {
			b := budgetResult(r, m, k)
			if b == nil {
				continue
			}
			vals[x] = b.TotalTestLoss
			lo, hi = min(lo, b.TotalTestLoss), max(hi, b.TotalTestLoss)
			if s, ok := errorBar(b); ok {
				eb.XYs = append(eb.XYs, plotter.XY{X: float64(x), Y: b.TotalTestLoss})
				eb.err = append(eb.err, s)
				lo, hi = min(lo, b.TotalTestLoss-s), max(hi, b.TotalTestLoss+s)
			}
		}
		bc, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return Figure{}, err
		}
		bc.Color = palette10[i%len(palette10)]
		bc.LineStyle.Width = 0
		bc.Offset = (vg.Length(i) - vg.Length(len(bars)-1)/2) * width
		p.Add(bc)
		p.Legend.Add(m, bc)
		if len(eb.XYs) > 0 {
			ye, err := plotter.NewYErrorBars(eb)
			if err != nil {
				return Figure{}, err
			}
			ye.XYs = eb.XYs
			ye.LineStyle.Width = vg.Points(1.2)
			// Error bars follow the bar's offset.
			p.Add(offsetPlotter{ye, bc.Offset})
		}
	}
	// Each reference line is named with its value in a margin to the right
	// of the bars, the labels of lines that lie close spread apart, so that
	// lines on top of each other stay told apart.
	type ref struct {
		name  string
		v     float64
		color color.Color
	}
	var refs []ref
	for i, m := range lines {
		v := r.Methods[m].Budgets[experiment.AllBudgets].TotalTestLoss
		lo, hi = min(lo, v), max(hi, v)
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: v}, {X: float64(len(ks)) - 0.5, Y: v}})
		if err != nil {
			return Figure{}, err
		}
		l.Color = refColors[i%len(refColors)]
		l.Dashes = plotutil.Dashes(i + 1)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(m+" (all budgets)", l)
		refs = append(refs, ref{m, v, l.Color})
	}
	pad := 0.15 * math.Max(hi-lo, 1e-3*math.Abs(hi))
	p.Y.Min, p.Y.Max = lo-pad, hi+pad*(2+0.5*float64(len(bars)+len(lines)+2))
	labels := make([]string, len(ks))
	for i, k := range ks {
		labels[i] = strconv.Itoa(k)
	}
	p.X.Tick.Marker = nameTicks{names: labels}
	p.Y.Tick.Marker = stepTicks{n: 8, lo: lo, hi: hi}
	p.X.Min, p.X.Max = -0.5, float64(len(ks))-0.5
	if len(refs) > 0 {
		p.X.Max += 0.9
		slices.SortStableFunc(refs, func(a, b ref) int { return cmpFloat(a.v, b.v) })
		gap, last := 0.05*(p.Y.Max-p.Y.Min), math.Inf(-1)
		var xy plotter.XYLabels
		var styles []text.Style
		for _, rf := range refs {
			y := max(rf.v, last+gap)
			last = y
			xy.XYs = append(xy.XYs, plotter.XY{X: float64(len(ks)) - 0.45, Y: y})
			xy.Labels = append(xy.Labels, fmt.Sprintf("%s %.3f", rf.name, rf.v))
			st := p.X.Tick.Label
			st.Color, st.XAlign, st.YAlign = rf.color, draw.XLeft, draw.YCenter
			styles = append(styles, st)
		}
		labels, err := plotter.NewLabels(xy)
		if err != nil {
			return Figure{}, err
		}
		labels.TextStyle = styles
		p.Add(labels)
	}
	w := vg.Length(8+float64(len(ks)*len(bars))*0.8) * vg.Centimeter
	return Figure{Width: max(w, 14*vg.Centimeter), Height: 11 * vg.Centimeter, Draw: p.Draw}, nil
}

// offsetPlotter draws a plotter shifted horizontally by a fixed length.
type offsetPlotter struct {
	plot.Plotter
	dx vg.Length
}

// Plot draws the wrapped plotter shifted by dx.
func (o offsetPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	c.Canvas = shifted{c.Canvas, o.dx}
	o.Plotter.Plot(c, p)
}

// shifted translates every drawing operation by dx.
type shifted struct {
	vg.Canvas
	dx vg.Length
}

// Stroke strokes path translated by dx.
func (s shifted) Stroke(path vg.Path) {
	s.Canvas.Push()
	s.Canvas.Translate(vg.Point{X: s.dx})
	s.Canvas.Stroke(path)
	s.Canvas.Pop()
}
