package affinity

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// record is one measured step: its epoch and its matrices by task name.
type record struct {
	epoch int
	z     map[[2]string]float64
}

// randomRecords measures tasks over steps spread across epochs, adding
// them to an accumulator and returning them for brute-force checks.
func randomRecords(r *rand.Rand, tasks []string, steps, perEpoch int) (*Accumulator, []record) {
	acc := NewAccumulator(tasks)
	var recs []record
	for s := range steps {
		n := len(tasks)
		z, cos := square(n), square(n)
		rec := record{epoch: s / perEpoch, z: map[[2]string]float64{}}
		for i := range n {
			for j := range n {
				z[i][j], cos[i][j] = r.NormFloat64(), r.Float64()
				rec.z[[2]string{tasks[i], tasks[j]}] = z[i][j]
			}
		}
		if err := acc.Add(rec.epoch, z, cos); err != nil {
			panic(err)
		}
		recs = append(recs, rec)
	}
	return acc, recs
}

// meanOf is the brute-force mean of pair (i, j) over the records.
func meanOf(recs []record, i, j string) float64 {
	var s float64
	var n int
	for _, r := range recs {
		if v, ok := r.z[[2]string{i, j}]; ok {
			s += v
			n++
		}
	}
	return s / float64(n)
}

// Removing c from a run over a, b, c and merging a later run over b, a, d
// gives, pair by pair, the mean over the measurements that the rule
// assigns it, computed by brute force from the recorded steps.
func TestPairSumsWithoutAndMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	old, oldRecs := randomRecords(r, []string{"a", "b", "c"}, 7, 3)
	win, winRecs := randomRecords(r, []string{"b", "a", "d"}, 5, 2)
	kept, err := old.PairSums().Without([]string{"c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := kept.Validate(); err != nil || !slices.Equal(kept.Tasks, []string{"a", "b"}) {
		t.Fatalf("Without: %v %v", kept.Tasks, err)
	}
	for _, refresh := range []bool{false, true} {
		m, err := kept.Merge(win, refresh)
		if err != nil {
			t.Fatal(err)
		}
		aff := m.Affinity()
		for i, ti := range m.Tasks {
			for j, tj := range m.Tasks {
				var want float64
				switch {
				case ti == "d" || tj == "d":
					want = meanOf(winRecs, ti, tj)
				case refresh:
					want = meanOf(append(slices.Clone(oldRecs), winRecs...), ti, tj)
				default:
					want = meanOf(oldRecs, ti, tj)
				}
				if math.Abs(aff.Values[i][j]-want) > 1e-12 {
					t.Errorf("refresh %v, %s→%s: %g, want %g", refresh, ti, tj, aff.Values[i][j], want)
				}
			}
		}
	}
	if _, err := kept.Without([]string{"zz"}); err == nil {
		t.Error("removed an unknown task")
	}
	if _, err := old.PairSums().Merge(win, false); err == nil {
		t.Error("merged a window that lacks task c")
	}
}
