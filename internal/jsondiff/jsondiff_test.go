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
