package jsondiff

import (
	"slices"
	"testing"
)

func TestFields(t *testing.T) {
	type rec struct {
		LR     float64 `json:"lr"`
		Epochs int     `json:"epochs"`
		Widths []int   `json:"widths,omitempty"`
	}
	for _, c := range []struct {
		name        string
		there, here any
		want        []string
	}{
		{"equal", rec{0.1, 2, []int{8}}, rec{0.1, 2, []int{8}}, nil},
		{"two fields", rec{0.1, 2, nil}, rec{0.05, 3, nil}, []string{"epochs 2 there, 3 here", "lr 0.1 there, 0.05 here"}},
		{"unset there", rec{0.1, 2, nil}, rec{0.1, 2, []int{4}}, []string{"widths unset there, [4] here"}},
		{"unset here", rec{0.1, 2, []int{4}}, rec{0.1, 2, nil}, []string{"widths [4] there, unset here"}},
		{"not objects", 1, 2, []string{"value 1 there, 2 here"}},
		{"maps", map[string]any{"a": 1}, map[string]any{"a": 1}, nil},
	} {
		if got := Fields(c.there, c.here); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPaths(t *testing.T) {
	got := Paths(map[string]any{"a": 1, "r": map[string]any{"x": 1, "y": 2, "m": map[string]any{"e": 20}}, "gone": true, "n": nil},
		map[string]any{"a": 2, "r": map[string]any{"x": 1, "y": 3, "m": map[string]any{"e": 3}}, "new": "v"})
	want := []string{"a 1 there, 2 here", "gone true there, unset here", "n null there, unset here", "new unset there, \"v\" here",
		"r.m.e 20 there, 3 here", "r.y 2 there, 3 here"}
	if !slices.Equal(got, want) {
		t.Errorf("Paths = %q, want %q", got, want)
	}
}
