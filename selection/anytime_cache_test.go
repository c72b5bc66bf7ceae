package selection

import (
	"math"
	"testing"
)

// TestSearchValueAcrossCacheReset checks that the search's value of a
// grouping does not depend on its score cache being cleared while the
// grouping is evaluated: the cache is filled to its reset size, so that
// looking up the second group clears the first group's entry.
func TestSearchValueAcrossCacheReset(t *testing.T) {
	a := [][]float64{{0, 1, 2, 3}, {4, 0, 5, 6}, {7, 8, 0, 9}, {10, 11, 12, 0}}
	r := &Affinity{A: a}
	s := newSearch(r, MaxNetworks(2), 1)
	gs := []Set{SetOf(0, 1), SetOf(2, 3)}
	want := s.value(gs)
	if math.IsInf(want, -1) {
		t.Fatal("grouping refused")
	}
	clear(s.cache)
	clear(s.cost)
	for g := Set(1) << 8; len(s.cache) < 1<<18; g++ {
		s.cache[g], s.cost[g] = nil, 0
	}
	s.group(gs[0]) // cached, then cleared by the lookup of gs[1]
	if got := s.value(gs); got != want {
		t.Errorf("value after a cache reset %v, want %v", got, want)
	}
}
