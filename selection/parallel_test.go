package selection

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
)

// TestExactParallelIdentical checks that the block values, the program's
// table and the result are bit-identical for one and several goroutines,
// on every rule and budget model.
func TestExactParallelIdentical(t *testing.T) {
	for _, n := range []int{parallelMinTasks, parallelMinTasks + 1} {
		rng := rand.New(rand.NewPCG(uint64(n), 21))
		for _, c := range bruteCases(rng, n, 3) {
			name := fmt.Sprintf("n=%d/%s", n, c.name)
			serial, err := newBlockValues(c.rule, c.b, 1)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sBest, sGroups := serial.solve()
			sRes, sErr := exact(c.rule, c.b, 1)
			for _, w := range []int{2, 3, 8} {
				par, err := newBlockValues(c.rule, c.b, w)
				if err != nil {
					t.Fatalf("%s, %d workers: %v", name, w, err)
				}
				if len(par.classes) != len(serial.classes) || par.limit != serial.limit {
					t.Fatalf("%s, %d workers: %d classes, limit %d; serial %d, %d",
						name, w, len(par.classes), par.limit, len(serial.classes), serial.limit)
				}
				for i, cl := range par.classes {
					if !reflect.DeepEqual(cl, serial.classes[i]) {
						t.Fatalf("%s, %d workers: block values of cost class %d differ", name, w, cl.cost)
					}
				}
				pBest, pGroups := par.solve()
				if pBest != sBest || !reflect.DeepEqual(pGroups, sGroups) || !reflect.DeepEqual(par.f, serial.f) {
					t.Fatalf("%s, %d workers: program gives %v %v, serial %v %v", name, w, pBest, pGroups, sBest, sGroups)
				}
				pRes, pErr := exact(c.rule, c.b, w)
				if !reflect.DeepEqual(pRes, sRes) || pErr != sErr {
					t.Fatalf("%s, %d workers: %+v, %v; serial %+v, %v", name, w, pRes, pErr, sRes, sErr)
				}
			}
		}
	}
}

// TestExactParallelCostError checks that a refused cost is reported for
// the lowest offending group whatever the number of goroutines.
func TestExactParallelCostError(t *testing.T) {
	n := parallelMinTasks
	r := &Affinity{A: randMatrix(rand.New(rand.NewPCG(1, 1)), n, -1, 1)}
	b := GroupCost(3, func(g Set) int {
		if g.Len() == 3 {
			return 0
		}
		return 1
	})
	_, want := exact(r, b, 1)
	if want == nil {
		t.Fatal("a zero cost was accepted")
	}
	for _, w := range []int{2, 4, 8} {
		if _, err := exact(r, b, w); err == nil || err.Error() != want.Error() {
			t.Errorf("%d workers: error %v, serial %v", w, err, want)
		}
	}
}

// BenchmarkExactWorkers compares the exact solver on one goroutine with
// the same solve on GOMAXPROCS goroutines (the n = 20 cases only run when
// named: -bench 'ExactWorkers/n=20').
func BenchmarkExactWorkers(b *testing.B) {
	for _, n := range []int{16, 20} {
		r := benchRule(n)
		for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("n=%d/k=4/workers=%d", n, w), func(b *testing.B) {
				if n >= 20 && testing.Short() {
					b.Skip("20 tasks: long")
				}
				for b.Loop() {
					if _, err := exact(r, MaxNetworks(4), w); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
