package csvdata

import (
	"fmt"
	"math"

	"github.com/tagroup/tag/data"
)

// Leakage rule (LeakageWarnings): a feature column "looks like a target"
// when it is few-valued (at most LeakageMaxValues distinct values in the
// training split, as a binary or multi-class label is) and strongly
// associated with some target on the training split: association at least
// LeakageMinAssociation, where the association with a Binary or MultiClass
// target is the correlation ratio η = sqrt(Σ_c n_c (m_c − m)² / Σ_i (x_i − m)²)
// (m_c the feature's mean within class c; for a binary target η is the
// absolute point-biserial correlation) and with a Regression target the
// absolute Pearson correlation |r|. Both lie in [0, 1].
const (
	// LeakageMaxValues is the most distinct training values a feature may
	// have and still look like a label.
	LeakageMaxValues = MaxInferredClasses
	// LeakageMinAssociation is the association with a target (η or |r|)
	// from which a few-valued feature is reported.
	LeakageMinAssociation = 0.5
)

// Leak describes a feature column that looks like a target.
type Leak struct {
	// Feature names the column; Values is its number of distinct values in
	// the training split.
	Feature string
	Values  int
	// Task names the target it is most strongly associated with, and
	// Association is that association (η or |r|, see the rule above).
	Task        string
	Association float64
}

// Leaks applies the leakage rule (see LeakageMaxValues) to every feature
// on the training split and returns the features that look like targets,
// in input order, each with its most strongly associated target.
func (d *Dataset) Leaks() []Leak {
	X, Y := d.X[data.Train], d.Y[data.Train]
	nf, nt := len(d.features), len(d.tasks)
	n := len(Y) / max(nt, 1)
	if n < 2 {
		return nil
	}
	var out []Leak
	col := make([]float64, n)
	for f := range d.features {
		distinct := map[float32]struct{}{}
		for i := range n {
			distinct[X[i*nf+f]] = struct{}{}
			if len(distinct) > LeakageMaxValues {
				break
			}
		}
		if len(distinct) > LeakageMaxValues || len(distinct) < 2 {
			continue
		}
		for i := range n {
			col[i] = float64(X[i*nf+f])
		}
		best := Leak{Feature: d.features[f], Values: len(distinct), Association: -1}
		for t, task := range d.tasks {
			y := func(i int) float64 { return float64(Y[i*nt+t]) }
			var a float64
			if task.Kind == data.Regression {
				a = math.Abs(pearson(col, y))
			} else {
				a = correlationRatio(col, y, task.Classes)
			}
			if a > best.Association {
				best.Task, best.Association = task.Name, a
			}
		}
		if best.Association >= LeakageMinAssociation {
			out = append(out, best)
		}
	}
	return out
}

// LeakageWarnings returns one line per feature column that looks like a
// target (see Leaks), saying why and what to do.
func (d *Dataset) LeakageWarnings() []string {
	var out []string
	for _, l := range d.Leaks() {
		out = append(out, fmt.Sprintf("feature %q looks like a target: %d distinct values, association %.2f with task %q on the training split (≥ %.2f); if it is a label, leave it out with -features",
			l.Feature, l.Values, l.Association, l.Task, LeakageMinAssociation))
	}
	return out
}

// pearson is the correlation of x with y(i); 0 when either is constant.
func pearson(x []float64, y func(int) float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i, v := range x {
		mx += v
		my += y(i)
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i, v := range x {
		dx, dy := v-mx, y(i)-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// correlationRatio is η of x against the class y(i) in 0..classes−1: the
// square root of the between-class share of x's variance; 0 when x is
// constant.
func correlationRatio(x []float64, y func(int) float64, classes int) float64 {
	sum := make([]float64, classes)
	cnt := make([]float64, classes)
	var total float64
	for i, v := range x {
		c := int(y(i))
		sum[c] += v
		cnt[c]++
		total += v
	}
	m := total / float64(len(x))
	var between, all float64
	for c := range sum {
		if cnt[c] > 0 {
			mc := sum[c] / cnt[c]
			between += cnt[c] * (mc - m) * (mc - m)
		}
	}
	for _, v := range x {
		all += (v - m) * (v - m)
	}
	if all == 0 {
		return 0
	}
	return math.Sqrt(between / all)
}
