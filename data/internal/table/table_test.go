package table

import (
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

func TestTable(t *testing.T) {
	tb := &Table{Label: "t", InSize: 2, NTasks: 1}
	tb.X[data.Train] = []float32{1, 2, 3, 4, 5, 6}
	tb.Y[data.Train] = []float32{7, 8, 9}
	x := make([]float32, 4)
	y := make([]float32, 2)
	if err := tb.Fill(data.Train, []int{2, 0}, x, y); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, []float32{5, 6, 1, 2}) || !slices.Equal(y, []float32{9, 7}) {
		t.Fatalf("x %v y %v", x, y)
	}
	if err := tb.FillTargets(data.Train, []int{1}, y); err != nil || y[0] != 8 {
		t.Fatalf("FillTargets: %v %v", y, err)
	}
	if tb.Len(data.Test) != 0 || tb.Len(data.Split(7)) != 0 {
		t.Fatal("empty or unknown split has examples")
	}
	tests := []struct {
		split data.Split
		idx   []int
		x, y  int
		want  string
	}{
		{data.Train, []int{0, 3}, 4, 2, "t: train index 3 (position 1) out of range [0,3)"},
		{data.Train, []int{-1}, 2, 1, "index -1"},
		{data.Train, []int{0, 1}, 3, 2, "x has 3 values, want at least 4"},
		{data.Train, []int{0, 1}, 4, 1, "y has 1 values, want at least 2"},
		{data.Split(5), []int{0}, 2, 1, "unknown split"},
	}
	for _, tc := range tests {
		err := tb.Fill(tc.split, tc.idx, make([]float32, tc.x), make([]float32, tc.y))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc, err, tc.want)
		}
	}
}
