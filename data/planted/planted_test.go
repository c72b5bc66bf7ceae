package planted

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

func trainData(t *testing.T, d *Dataset) (x, y []float32, n int) {
	t.Helper()
	n = d.Len(data.Train)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	x = make([]float32, n*data.InputSize(d))
	y = make([]float32, n*len(d.Tasks()))
	if err := d.Fill(data.Train, idx, x, y); err != nil {
		t.Fatal(err)
	}
	return x, y, n
}

// TestSignalLiesInFamilyDirections checks the planted structure from the
// data alone: the difference of the class-conditional input means of a
// task lies in its family's directions (x is Gaussian and the label depends
// only on the family's projection), with almost nothing orthogonal to them.
func TestSignalLiesInFamilyDirections(t *testing.T) {
	d, err := New(Options{N: 25000, Seed: 3, Noise: -1})
	if err != nil {
		t.Fatal(err)
	}
	x, y, n := trainData(t, d)
	D, nt := d.opt.InputDim, len(d.tasks)
	for task := range nt {
		f := task / d.opt.TasksPerFamily
		diff := make([]float64, D)
		var n1 float64
		for i := range n {
			if y[i*nt+task] == 1 {
				n1++
			}
		}
		for i := range n {
			w := -1 / (float64(n) - n1)
			if y[i*nt+task] == 1 {
				w = 1 / n1
			}
			for j := range D {
				diff[j] += w * float64(x[i*D+j])
			}
		}
		for g := range d.opt.Families {
			var in float64
			for _, u := range d.dirs[g] {
				p := dot(u, diff)
				in += p * p
			}
			in = math.Sqrt(in)
			if g == f && in < 0.4 {
				t.Errorf("task %s: mean shift %.3f along its own family", d.tasks[task].Name, in)
			}
			if g != f && in > 0.08 {
				t.Errorf("task %s: mean shift %.3f along family %d", d.tasks[task].Name, in, g)
			}
		}
		total := math.Sqrt(dot(diff, diff))
		var own float64
		for _, u := range d.dirs[f] {
			p := dot(u, diff)
			own += p * p
		}
		if rest := math.Sqrt(total*total - own); rest > 0.15 {
			t.Errorf("task %s: mean shift %.3f outside the family directions", d.tasks[task].Name, rest)
		}
	}
}

// TestFamiliesAreDependentWithinAndIndependentAcross measures the label
// correlations: tasks of different families are independent by
// construction; tasks of one family are not.
func TestFamiliesAreDependentWithinAndIndependentAcross(t *testing.T) {
	d, err := New(Options{N: 20000, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	_, y, n := trainData(t, d)
	nt := len(d.tasks)
	corr := func(a, b int) float64 {
		var sa, sb, saa, sbb, sab float64
		for i := range n {
			u, v := float64(y[i*nt+a]), float64(y[i*nt+b])
			sa, sb, saa, sbb, sab = sa+u, sb+v, saa+u*u, sbb+v*v, sab+u*v
		}
		N := float64(n)
		cov := sab/N - sa*sb/N/N
		return cov / math.Sqrt((saa/N-sa*sa/N/N)*(sbb/N-sb*sb/N/N))
	}
	T := d.opt.TasksPerFamily
	var within, across []float64
	for a := range nt {
		for b := a + 1; b < nt; b++ {
			c := math.Abs(corr(a, b))
			if a/T == b/T {
				within = append(within, c)
			} else {
				across = append(across, c)
			}
		}
	}
	if m := slices.Max(across); m > 0.05 {
		t.Errorf("largest label correlation across families %.3f, want about 0", m)
	}
	var mean float64
	for _, c := range within {
		mean += c / float64(len(within))
	}
	t.Logf("mean label correlation: within families %.3f, largest across %.3f", mean, slices.Max(across))
	if mean < 0.3 {
		t.Errorf("mean label correlation within families %.3f (%v)", mean, within)
	}
}

func TestGroupsAndDeterminism(t *testing.T) {
	a, err := New(Options{Families: 4, TasksPerFamily: 2, InputDim: 10, N: 500, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a0", "a1"}, {"b0", "b1"}, {"c0", "c1"}, {"d0", "d1"}}
	if got := a.TrueGroups(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("true groups %v, want %v", got, want)
	}
	var names []string
	for _, tk := range a.Tasks() {
		names = append(names, tk.Name)
		if tk.Kind != data.Binary || tk.Classes != 2 {
			t.Fatalf("task %+v is not binary", tk)
		}
	}
	if !slices.Equal(names, slices.Concat(want...)) {
		t.Fatalf("task names %v", names)
	}
	if a.Len(data.Train) != 400 || a.Len(data.Validation) != 50 || a.Len(data.Test) != 50 {
		t.Fatalf("split sizes %d/%d/%d", a.Len(data.Train), a.Len(data.Validation), a.Len(data.Test))
	}
	b, _ := New(Options{Families: 4, TasksPerFamily: 2, InputDim: 10, N: 500, Seed: 1})
	c, _ := New(Options{Families: 4, TasksPerFamily: 2, InputDim: 10, N: 500, Seed: 2})
	for s := range 3 {
		if !slices.Equal(a.X[s], b.X[s]) || !slices.Equal(a.Y[s], b.Y[s]) {
			t.Fatal("same seed, different data")
		}
	}
	if slices.Equal(a.Y[0], c.Y[0]) {
		t.Fatal("different seeds, same targets")
	}
}

func TestRegression(t *testing.T) {
	d, err := New(Options{Regression: true, N: 2000})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range d.Tasks() {
		if tk.Kind != data.Regression {
			t.Fatalf("task %+v is not regression", tk)
		}
	}
	sum, err := data.Summarize(d)
	if err != nil {
		t.Fatal(err)
	}
	for i, ts := range sum.Tasks {
		// score = aᵀz + β(‖z‖²−R): variance 1 + β²·2R = 2 for the defaults.
		if v := ts[data.Train].Std * ts[data.Train].Std; math.Abs(v-2) > 0.4 {
			t.Errorf("task %d: target variance %.2f, want about 2", i, v)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		opt  Options
		want string
	}{
		{Options{Families: 27}, "Families = 27"},
		{Options{Families: 5, Rank: 4, InputDim: 12}, "InputDim = 12, want at least Families·Rank = 20"},
		{Options{TasksPerFamily: -1}, "TasksPerFamily = -1"},
		{Options{N: 5}, "N = 5"},
		{Options{Noise: 0.5}, "Noise = 0.5"},
	}
	for _, tc := range tests {
		if _, err := New(tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.opt, err, tc.want)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFill(b *testing.B) {
	d, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	idx := data.EpochOrder(d.Len(data.Train), 1, 0)[:256]
	x := make([]float32, 256*data.InputSize(d))
	y := make([]float32, 256*len(d.Tasks()))
	for b.Loop() {
		if err := d.Fill(data.Train, idx, x, y); err != nil {
			b.Fatal(err)
		}
	}
}
