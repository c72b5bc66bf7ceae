package quality

import (
	"errors"
	"slices"
	"testing"

	"github.com/tagroup/tag/experiment"
)

// TestSelect keeps the suites named, in the order of Suites, and refuses
// an unknown name as bad input.
func TestSelect(t *testing.T) {
	all := SuiteNames()
	if s, err := Select(nil); err != nil || len(s) != len(all) {
		t.Errorf("all: got %d suites, %v", len(s), err)
	}
	want := []string{all[0], all[len(all)-1]}
	s, err := Select([]string{want[1], want[0]})
	var got []string
	for _, x := range s {
		got = append(got, x.Name)
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	var ce *experiment.ConfigError
	if _, err := Select([]string{"nope"}); !errors.As(err, &ce) {
		t.Errorf("unknown suite: got %v", err)
	}
}
