package affinityrun

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

// ScratchCompare is the agreement of an update with from-scratch runs on
// its tasks, and of those runs with each other.
type ScratchCompare struct {
	Runs []ScratchRun `json:"runs"`
	// Yardstick holds the agreement of each two from-scratch runs: an
	// update should agree with a from-scratch run about as well.
	Yardstick []ScratchPair `json:"yardstick,omitempty"`
}

// ScratchRun is the agreement of the update with one from-scratch run.
type ScratchRun struct {
	Dir   string `json:"dir"`
	Steps int    `json:"steps"`
	Seed  uint64 `json:"seed"`
	Agreement
}

// ScratchPair is the agreement of two from-scratch runs.
type ScratchPair struct {
	A string `json:"a"`
	B string `json:"b"`
	Agreement
}

// Agreement is the rank correlation of two affinity matrices over the
// same tasks.
type Agreement struct {
	// NewPairs counts the ordered pairs (i ≠ j) involving an added task;
	// RankNewPairs is their Spearman correlation (nil with fewer than two),
	// RankAllPairs that of every ordered pair.
	NewPairs     int      `json:"new_pairs"`
	RankNewPairs *float64 `json:"rank_correlation_new_pairs,omitempty"`
	RankAllPairs float64  `json:"rank_correlation_all_pairs"`
}

// Agree returns the rank correlations of a and b (b over a's tasks at
// least), the new pairs being those involving a task of added.
func Agree(a, b *taskmatrix.Matrix, added []string) (Agreement, error) {
	var r Agreement
	b, err := b.Sub(a.Tasks)
	if err != nil {
		return r, err
	}
	var xn, yn, xa, ya []float64
	for i, ti := range a.Tasks {
		for j, tj := range a.Tasks {
			if i == j {
				continue
			}
			xa, ya = append(xa, a.Values[i][j]), append(ya, b.Values[i][j])
			if slices.Contains(added, ti) || slices.Contains(added, tj) {
				xn, yn = append(xn, a.Values[i][j]), append(yn, b.Values[i][j])
			}
		}
	}
	r.NewPairs = len(xn)
	if r.RankAllPairs, err = stats.Spearman(xa, ya); err != nil {
		return r, fmt.Errorf("all pairs: %w", err)
	}
	if len(xn) >= 2 {
		rho, err := stats.Spearman(xn, yn)
		if err != nil {
			return r, fmt.Errorf("new pairs: %w", err)
		}
		r.RankNewPairs = &rho
	}
	return r, nil
}

// scratchRun is a from-scratch run to compare with.
type scratchRun struct {
	dir string
	rec Record
	m   *taskmatrix.Matrix
}

// readScratch reads the from-scratch affinity runs in dirs, each of which
// must have every task of tasks. Errors are input errors.
func readScratch(dirs, tasks []string) ([]scratchRun, error) {
	var out []scratchRun
	for _, dir := range dirs {
		l := experiment.Layout{Dir: dir}
		s := scratchRun{dir: dir}
		b, err := atomicfile.ReadFile(l.RunRecord())
		if err != nil {
			return nil, inputf("-compare: %v", err)
		}
		if err := json.Unmarshal(b, &s.rec); err != nil {
			return nil, inputf("-compare: %s: %v", l.RunRecord(), err)
		}
		if s.m, err = taskmatrix.ReadFile(l.AffinityCSV()); err != nil {
			return nil, inputf("-compare: %v", err)
		}
		if s.m, err = s.m.Sub(tasks); err != nil {
			return nil, inputf("-compare %s: %v", dir, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// compareScratch returns the agreement of m with each from-scratch run
// and, as the yardstick, of each two of them with each other.
func compareScratch(runs []scratchRun, m *taskmatrix.Matrix, added []string) (*ScratchCompare, error) {
	c := &ScratchCompare{}
	for _, s := range runs {
		a, err := Agree(m, s.m, added)
		if err != nil {
			return nil, fmt.Errorf("-compare %s: %w", s.dir, err)
		}
		c.Runs = append(c.Runs, ScratchRun{Dir: s.dir, Steps: s.rec.Steps, Seed: s.rec.Seed, Agreement: a})
	}
	for i := range runs {
		for j := i + 1; j < len(runs); j++ {
			a, err := Agree(runs[i].m, runs[j].m, added)
			if err != nil {
				return nil, fmt.Errorf("-compare %s with %s: %w", runs[i].dir, runs[j].dir, err)
			}
			c.Yardstick = append(c.Yardstick, ScratchPair{A: runs[i].dir, B: runs[j].dir, Agreement: a})
		}
	}
	return c, nil
}
