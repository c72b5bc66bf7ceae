package report

import "testing"

// TestGroupSizes checks the summary of group sizes: largest first, runs of
// one size counted.
func TestGroupSizes(t *testing.T) {
	g := func(sizes ...int) [][]string {
		var out [][]string
		for _, s := range sizes {
			out = append(out, make([]string, s))
		}
		return out
	}
	for _, c := range []struct {
		groups [][]string
		want   string
	}{
		{g(1, 10, 9, 10, 1), "5 groups: 2×10, 9, 2×1"},
		{g(3), "1 groups: 3"},
	} {
		if got := groupSizes(c.groups); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
