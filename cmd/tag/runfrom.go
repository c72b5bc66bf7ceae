package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

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
	experiment.ReuseLog
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
	r := &runFrom{experiment.ReuseLog{From: l, Added: splitList(add), Removed: splitList(remove)}}
	if r.Tasks, err = affinityrun.ChangeTasks(dir, res.Tasks, r.Added, r.Removed); err != nil {
		return nil, err
	}
	return r, nil
}

// check refuses data or a recipe other than those -from's units were
// made with, naming the fields that differ.
func (r *runFrom) check(desc map[string]any, recipe any) error {
	dataDiff, recipeDiff, err := experiment.SetupDiff(r.From, desc, recipe)
	switch {
	case err != nil:
		return badInputf("-from: %v", err)
	case len(dataDiff) > 0:
		return badInputf("the data differ from %s's: %s; give the flags it was made with", r.From.Dir, strings.Join(dataDiff, "; "))
	case len(recipeDiff) > 0:
		return badInputf("the recipe differs from %s's: %s; give the flags it was made with", r.From.Dir, strings.Join(recipeDiff, "; "))
	}
	return nil
}

// prepare checks the added tasks, the data and the recipe against -from
// and copies its reusable units into out; it returns the new task list.
func (r *runFrom) prepare(ds data.Dataset, desc map[string]any, recipe any, out string) ([]string, error) {
	for _, t := range r.Added {
		if _, err := data.TaskIndex(ds, t); err != nil {
			return nil, badInputf("-add: %v", err)
		}
	}
	if err := r.check(desc, recipe); err != nil {
		return nil, err
	}
	return r.Tasks, r.copyUnits(experiment.Layout{Dir: out})
}

// copyUnits copies into out's units/ every finished unit of -from whose
// tasks all remain and that out lacks.
func (r *runFrom) copyUnits(out experiment.Layout) error {
	if _, err := experiment.ReuseUnits(r.From, out, r.Tasks); err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	return nil
}
