package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
)

// runFrom is `tag run -from OLD -add ... -remove ...`: a run for a changed
// task set that reuses OLD's finished networks. A unit's file name (its
// key) depends on the data, the recipe, the seed and its task list in run
// order only; the new task list keeps the old tasks' order, so every
// network of OLD whose tasks all remain has the key the new run asks for.
// Copying those unit files into the new run directory before it starts
// makes the experiment read them instead of training them (the TAG
// affinity run, over all tasks, is trained anew; `tag update` measures the
// affinity of a changed task set without starting over).
type runFrom struct {
	from             experiment.Layout
	tasks            []string
	added, removed   []string
	mu               sync.Mutex
	seen             map[string]bool // unit keys reported
	reused, trained  []unitCost
	reusedFromBefore int // units of the new run's own earlier session
}

// unitCost is one network of the new run and its training time.
type unitCost struct {
	unit    string
	seconds float64
}

// planRunFrom reads the task list of the run in dir (results.json) and
// changes it. Errors are input errors; nothing is written.
func planRunFrom(dir, out, add, remove string, tasksGiven bool) (*runFrom, error) {
	switch {
	case add == "" && remove == "":
		return nil, badInputf("-from %s: nothing to change: give -add or -remove", dir)
	case tasksGiven:
		return nil, badInputf("-tasks does not apply with -from: the tasks are -from's, changed by -add and -remove")
	case out == "":
		return nil, badInputf("-from needs -out, a new run directory")
	case filepath.Clean(out) == filepath.Clean(dir):
		return nil, badInputf("-out %s is -from: write the changed run to a new folder", out)
	}
	l := experiment.Layout{Dir: dir}
	b, err := atomicfile.ReadFile(l.Results())
	if err != nil {
		return nil, badInputf("-from %s is not a finished tag run: %v", dir, err)
	}
	res, err := experiment.ReadResults(bytes.NewReader(b))
	if err != nil {
		return nil, badInputf("-from: %s: %v", l.Results(), err)
	}
	r := &runFrom{from: l, added: splitList(add), removed: splitList(remove)}
	if r.tasks, err = affinityrun.ChangeTasks(dir, res.Tasks, r.added, r.removed); err != nil {
		return nil, err
	}
	return r, nil
}

// check refuses data or a recipe other than those -from's units were
// made with, naming the fields that differ.
func (r *runFrom) check(desc map[string]any, recipe any) error {
	dataDiff, recipeDiff, err := experiment.SetupDiff(r.from, desc, recipe)
	switch {
	case err != nil:
		return badInputf("-from: %v", err)
	case len(dataDiff) > 0:
		return badInputf("the data differ from %s's: %s; give the flags it was made with", r.from.Dir, strings.Join(dataDiff, "; "))
	case len(recipeDiff) > 0:
		return badInputf("the recipe differs from %s's: %s; give the flags it was made with", r.from.Dir, strings.Join(recipeDiff, "; "))
	}
	return nil
}

// prepare checks the added tasks, the data and the recipe against -from
// and copies its reusable units into out; it returns the new task list.
func (r *runFrom) prepare(ds data.Dataset, desc map[string]any, recipe any, out string) ([]string, error) {
	for _, t := range r.added {
		if _, err := data.TaskIndex(ds, t); err != nil {
			return nil, badInputf("-add: %v", err)
		}
	}
	if err := r.check(desc, recipe); err != nil {
		return nil, err
	}
	return r.tasks, r.copyUnits(experiment.Layout{Dir: out})
}

// copyUnits copies into out's units/ every finished unit of -from whose
// tasks all remain and that out lacks.
func (r *runFrom) copyUnits(out experiment.Layout) error {
	if _, err := experiment.ReuseUnits(r.from, out, r.tasks); err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	return nil
}

// observe wraps a unit progress callback: it also records which networks
// were reused from -from and which were trained.
func (r *runFrom) observe(next func(experiment.Progress)) func(experiment.Progress) {
	return func(p experiment.Progress) {
		r.mu.Lock()
		if p.Unit != "" && !r.seen[p.Key] {
			if r.seen == nil {
				r.seen = map[string]bool{}
			}
			r.seen[p.Key] = true
			c := unitCost{unit: p.Unit, seconds: p.Seconds}
			switch {
			case !p.Reused:
				r.trained = append(r.trained, c)
			case fileExists(r.from.Unit(p.Key)):
				r.reused = append(r.reused, c)
			default:
				r.reusedFromBefore++
			}
		}
		r.mu.Unlock()
		if next != nil {
			next(p)
		}
	}
}

// writeReuse writes the cost of the changed run against a full re-run's
// to w and to out's reuse.md.
func (r *runFrom) writeReuse(w io.Writer, out experiment.Layout) error {
	var reused, trained float64
	for _, c := range r.reused {
		reused += c.seconds
	}
	for _, c := range r.trained {
		trained += c.seconds
	}
	text := func(w io.Writer) error {
		fmt.Fprintf(w, "# tag run -from %s\n\n", r.from.Dir)
		fmt.Fprintf(w, "- removed: %s\n- added: %s\n- tasks (%d): %s\n", affinityrun.ListOrNone(r.removed), affinityrun.ListOrNone(r.added), len(r.tasks), strings.Join(r.tasks, ", "))
		fmt.Fprintf(w, "- networks reused from %s: %d (their training took %.1f s there)\n", r.from.Dir, len(r.reused), reused)
		fmt.Fprintf(w, "- networks trained: %d (%.1f s)", len(r.trained), trained)
		if r.reusedFromBefore > 0 {
			fmt.Fprintf(w, ", and %d finished by an earlier session of this run", r.reusedFromBefore)
		}
		fmt.Fprintln(w)
		if total := reused + trained; total > 0 {
			fmt.Fprintf(w, "- training time of this run against a full re-run: %.1f s of %.1f s (%.0f%%), %d of %d networks\n",
				trained, total, 100*trained/total, len(r.trained), len(r.trained)+len(r.reused))
		}
		return nil
	}
	if err := text(w); err != nil {
		return err
	}
	return atomicfile.Write(out.Reuse(), text)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
