package report

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
	"gonum.org/v1/plot/plotter"
)

// TestTopPairs checks topPairs against a plain ranking of every pair (mean
// |Z| over its points, ties by source then target name), on points in a
// shuffled order with ties, a pair missing in some epochs and diagonal
// points (never chosen).
func TestTopPairs(t *testing.T) {
	tasks := []string{"c", "a", "b", "d"}
	r := rand.New(rand.NewPCG(1, 2))
	var pts []taskmatrix.Point
	for e := range 4 {
		for _, s := range tasks {
			for _, d := range tasks {
				if s == "d" && d == "a" && e%2 == 1 {
					continue
				}
				v := math.Round(r.NormFloat64()*4) / 4 // ties
				if s == "b" {
					v = 3 // b's pairs tie on strength, split by target name
				}
				if s == d {
					v = 100
				}
				pts = append(pts, taskmatrix.Point{Epoch: e, Source: s, Target: d, Value: v})
			}
		}
	}
	r.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
	type pair struct{ s, t string }
	sum, byPair := map[pair]float64{}, map[pair]plotter.XYs{}
	for _, p := range pts {
		if p.Source != p.Target {
			k := pair{p.Source, p.Target}
			sum[k] += math.Abs(p.Value)
			byPair[k] = append(byPair[k], plotter.XY{X: float64(p.Epoch), Y: p.Value})
		}
	}
	var keys []pair
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		ma, mb := sum[a]/float64(len(byPair[a])), sum[b]/float64(len(byPair[b]))
		if ma != mb {
			return ma > mb
		}
		if a.s != b.s {
			return a.s < b.s
		}
		return a.t < b.t
	})
	for _, count := range []int{0, 1, 5, 12, 20} {
		names, lines := topPairs(pts, count)
		var wantNames []string
		var wantLines []plotter.XYs
		for _, k := range keys[:min(count, len(keys))] {
			xys := slices.Clone(byPair[k])
			slices.SortFunc(xys, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
			wantNames, wantLines = append(wantNames, k.s+" → "+k.t), append(wantLines, xys)
		}
		if len(names) != len(wantNames) || len(names) > 0 && (!reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(lines, wantLines)) {
			t.Errorf("count %d: %v %v, want %v %v", count, names, lines, wantNames, wantLines)
		}
	}
}
