package affinity

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/tagroup/tag/taskmatrix"
)

func TestAccumulatorMeansAndTrajectory(t *testing.T) {
	a := NewAccumulator([]string{"x", "y"})
	steps := []struct {
		epoch  int
		z, cos [][]float64
	}{
		{0, [][]float64{{1, 2}, {3, 4}}, [][]float64{{1, 0}, {0, 1}}},
		{0, [][]float64{{3, 0}, {1, 0}}, [][]float64{{1, 1}, {1, 1}}},
		{1, [][]float64{{2, 4}, {-4, 8}}, [][]float64{{1, -1}, {-1, 1}}},
	}
	for _, s := range steps {
		if err := a.Add(s.epoch, s.z, s.cos); err != nil {
			t.Fatal(err)
		}
	}
	wantZ := [][]float64{{2, 2}, {0, 4}}
	wantCos := [][]float64{{1, 0}, {0, 1}}
	z, cos := a.Affinity(), a.CosineMean()
	for i := range 2 {
		for j := range 2 {
			if math.Abs(z.Values[i][j]-wantZ[i][j]) > 1e-12 || math.Abs(cos.Values[i][j]-wantCos[i][j]) > 1e-12 {
				t.Errorf("[%d][%d]: z %g cos %g, want %g %g", i, j, z.Values[i][j], cos.Values[i][j], wantZ[i][j], wantCos[i][j])
			}
		}
	}
	want := []taskmatrix.Point{
		{Epoch: 0, Source: "x", Target: "x", Value: 2}, {Epoch: 0, Source: "x", Target: "y", Value: 1}, {Epoch: 0, Source: "y", Target: "x", Value: 2}, {Epoch: 0, Source: "y", Target: "y", Value: 2},
		{Epoch: 1, Source: "x", Target: "x", Value: 2}, {Epoch: 1, Source: "x", Target: "y", Value: 4}, {Epoch: 1, Source: "y", Target: "x", Value: -4}, {Epoch: 1, Source: "y", Target: "y", Value: 8},
	}
	got := a.Trajectory()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("trajectory = %v, want %v", got, want)
	}
	if err := a.Add(2, [][]float64{{1}}, steps[0].cos); err == nil {
		t.Error("Add accepted a 1×1 matrix for 2 tasks")
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, c := range []struct {
		o  Options
		ok bool
	}{
		{DefaultOptions(), true},
		{Options{Every: 1, Lookahead: Optimizer}, true},
		{Options{Every: 0}, false},
		{Options{Every: 3, Lookahead: 7}, false},
	} {
		if err := c.o.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: Validate() = %v", c.o, err)
		}
	}
}

func ExampleAccumulator() {
	acc := NewAccumulator([]string{"smile", "hat"})
	// Two recorded steps of epoch 0: Z[i][j] is the effect of task i on j.
	_ = acc.Add(0, [][]float64{{0.2, 0.1}, {-0.1, 0.3}}, [][]float64{{1, 0.5}, {0.5, 1}})
	_ = acc.Add(0, [][]float64{{0.4, 0.3}, {-0.3, 0.1}}, [][]float64{{1, 0.1}, {0.1, 1}})
	var buf bytes.Buffer
	_ = acc.Affinity().WriteCSV(&buf)
	fmt.Print(buf.String())
	// Output:
	// ,smile,hat
	// smile,0.30000000000000004,0.2
	// hat,-0.2,0.2
}
