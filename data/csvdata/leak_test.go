package csvdata

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// x = 1,2,3,4 in classes 0,0,1,1: mean 2.5, class means 1.5 and 3.5,
// between-class sum 2·1² + 2·1² = 4, total sum of squares
// 2.25+0.25+0.25+2.25 = 5, η = sqrt(4/5) = 0.894427. Pearson with y:
// Σdx·dy = 0.75+0.25+0.25+0.75 = 2, Σdy² = 1, r = 2/sqrt(5): the same, as
// η equals |r| for a binary class.
func TestAssociationByHand(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	y := func(i int) float64 { return []float64{0, 0, 1, 1}[i] }
	if got := correlationRatio(x, y, 2); math.Abs(got-math.Sqrt(0.8)) > 1e-15 {
		t.Errorf("η = %v, want %v", got, math.Sqrt(0.8))
	}
	if got := pearson(x, y); math.Abs(got-2/math.Sqrt(5)) > 1e-15 {
		t.Errorf("r = %v, want %v", got, 2/math.Sqrt(5))
	}
	// x constant: no association.
	if correlationRatio([]float64{3, 3}, y, 2) != 0 || pearson([]float64{3, 3}, y) != 0 {
		t.Error("constant feature has an association")
	}
}

// leakCSV generates n rows: targets a and b (binary), c (4 classes), r
// (regression); features
//   - cont: continuous, a + noise (strong but many-valued: not a label);
//   - leak_b: b with 5% of the rows flipped (a label leaking b);
//   - leak_c: c coded as 10,3,7,1 (non-monotone: η is high, Pearson low);
//   - cat: 4 random levels, independent of every target;
//   - weak: agrees with a on 60% of the rows (binary, association about 0.2);
//   - rbin: 1 when r > 0 (binary, |r| with r about 0.8).
func leakCSV(n int) string {
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	b.WriteString("a,b,c,r,cont,leak_b,leak_c,cat,weak,rbin\n")
	code := []int{10, 3, 7, 1}
	for range n {
		a, bb, c := rng.IntN(2), rng.IntN(2), rng.IntN(4)
		r := rng.NormFloat64()
		lb := bb
		if rng.Float64() < 0.05 {
			lb = 1 - bb
		}
		weak := a
		if rng.Float64() < 0.4 {
			weak = 1 - a
		}
		rbin := 0
		if r > 0 {
			rbin = 1
		}
		fmt.Fprintf(&b, "%d,%d,%d,%.6f,%.6f,%d,%d,%d,%d,%d\n", a, bb, c, r, float64(a)+0.3*rng.NormFloat64(), lb, code[c], rng.IntN(4), weak, rbin)
	}
	return b.String()
}

func TestLeakageWarnings(t *testing.T) {
	path := writeFile(t, "leak.csv", leakCSV(2000))
	ds, err := loadDataset(path, Options{Targets: []string{"a", "b", "c", "r"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ds.Features(), ","); got != "cont,leak_b,leak_c,cat,weak,rbin" {
		t.Fatalf("features %s", got)
	}
	leaks := ds.Leaks()
	want := map[string]string{"leak_b": "b", "leak_c": "c", "rbin": "r"}
	if len(leaks) != len(want) {
		t.Fatalf("leaks %+v, want features %v", leaks, want)
	}
	for _, l := range leaks {
		if want[l.Feature] != l.Task {
			t.Errorf("leak %+v, want task %q", l, want[l.Feature])
		}
		// An independent computation on the de-standardized training
		// rows: η from class sums, or Pearson from raw moments.
		if got := naiveAssociation(t, ds, l.Feature, l.Task); math.Abs(got-l.Association) > 1e-9 {
			t.Errorf("%s: association %v, naive %v", l.Feature, l.Association, got)
		}
	}
	if leaks[0].Association < 0.85 || leaks[1].Association < 0.99 {
		t.Errorf("associations %v %v: want about 0.9 (5%% flips) and 1 (a recoding)", leaks[0].Association, leaks[1].Association)
	}
	warnings := ds.LeakageWarnings()
	if len(warnings) != 3 || !strings.Contains(warnings[0], `feature "leak_b" looks like a target: 2 distinct values`) ||
		!strings.Contains(warnings[0], `task "b"`) || !strings.Contains(warnings[0], "-features") {
		t.Errorf("warnings %q", warnings)
	}
	// Listing the features leaves the labels out: no warning.
	clean, err := loadDataset(path, Options{Targets: []string{"a", "b", "c", "r"}, Features: []string{"cont", "cat", "weak"}})
	if err != nil {
		t.Fatal(err)
	}
	if w := clean.LeakageWarnings(); len(w) != 0 {
		t.Errorf("warnings without the leaking columns: %q", w)
	}
}

// naiveAssociation recomputes the association of a feature with a task
// from the original values of the training rows, with textbook formulas:
// η² = 1 − (within-class sum of squares)/(total sum of squares) for a
// class target, r = (nΣxy − ΣxΣy)/sqrt((nΣx² − (Σx)²)(nΣy² − (Σy)²)) for a
// regression target.
func naiveAssociation(t *testing.T, ds *Dataset, feature, task string) float64 {
	f := -1
	for i, name := range ds.features {
		if name == feature {
			f = i
		}
	}
	ti, err := data.TaskIndex(ds, task)
	if err != nil || f < 0 {
		t.Fatalf("%s/%s: %v", feature, task, err)
	}
	mean, std := ds.Standardization(f)
	nf, nt := len(ds.features), len(ds.tasks)
	n := ds.Len(data.Train)
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		xs[i] = float64(ds.X[data.Train][i*nf+f])*std + mean
		ys[i] = float64(ds.Y[data.Train][i*nt+ti])
	}
	if ds.tasks[ti].Kind == data.Regression {
		var sx, sy, sxx, syy, sxy float64
		for i := range xs {
			sx += xs[i]
			sy += ys[i]
			sxx += xs[i] * xs[i]
			syy += ys[i] * ys[i]
			sxy += xs[i] * ys[i]
		}
		fn := float64(n)
		return math.Abs((fn*sxy - sx*sy) / math.Sqrt((fn*sxx-sx*sx)*(fn*syy-sy*sy)))
	}
	byClass := map[float64][]float64{}
	var total float64
	for i := range xs {
		byClass[ys[i]] = append(byClass[ys[i]], xs[i])
		total += xs[i]
	}
	m := total / float64(n)
	var within, all float64
	for _, v := range xs {
		all += (v - m) * (v - m)
	}
	for _, vs := range byClass {
		var s float64
		for _, v := range vs {
			s += v
		}
		mc := s / float64(len(vs))
		for _, v := range vs {
			within += (v - mc) * (v - mc)
		}
	}
	return math.Sqrt(1 - within/all)
}

// loadDataset is Load with the concrete type.
func loadDataset(path string, opt Options) (*Dataset, error) {
	ds, err := Load(path, opt)
	if err != nil {
		return nil, err
	}
	return ds.(*Dataset), nil
}
