package csvdata

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

// TestClassValuesNotExactInFloat32 checks the class remapping of targets
// whose values float32 cannot hold exactly: every row's label must be the
// index of its own value among the sorted class values.
func TestClassValuesNotExactInFloat32(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		kinds  map[string]data.Kind
	}{
		{"fractional binary", []string{"0.1", "0.2"}, map[string]data.Kind{"t": data.Binary}},
		{"large integers", []string{"16777217", "16777219"}, nil},
		{"large multiclass", []string{"16777217", "16777219", "33554435"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sb strings.Builder
			sb.WriteString("x,t\n")
			for i := range 60 {
				fmt.Fprintf(&sb, "%d,%s\n", i, tc.values[i%len(tc.values)])
			}
			ds, err := load(strings.NewReader(sb.String()), "c.csv", Options{Targets: []string{"t"}, Kinds: tc.kinds})
			if err != nil {
				t.Fatal(err)
			}
			m, sd := ds.Standardization(0)
			for s := range ds.Y {
				for i, y := range ds.Y[s] {
					// x is the row number, standardized; undo it.
					row := int(float64(ds.X[s][i])*sd + m + 0.5)
					if want := float32(row % len(tc.values)); y != want {
						t.Fatalf("%s row %d (value %s): class %v, want %v", data.Split(s), row, tc.values[row%len(tc.values)], y, want)
					}
				}
			}
		})
	}
}

// TestClassValuesEqualInFloat32 checks that class values the stored
// float32 targets cannot tell apart are refused, naming both.
func TestClassValuesEqualInFloat32(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("x,t\n")
	for i := range 60 {
		fmt.Fprintf(&sb, "%d,%d\n", i, 100000001+2*(i%2))
	}
	_, err := load(strings.NewReader(sb.String()), "c.csv", Options{Targets: []string{"t"}})
	if want := `c.csv: target column 2 "t": class values 1.00000001e+08 and 1.00000003e+08 are equal in single precision`; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}
