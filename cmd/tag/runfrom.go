package main

import (
	"io"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/report"
)

// planRunFrom is `tag run -from DIR -add ... -remove ...`: the finished run
// in dir continued for a changed task set (experiment.PlanFrom). Errors
// are input errors; nothing is written.
func planRunFrom(dir, out, add, remove string, tasksGiven bool) (*experiment.From, error) {
	if tasksGiven {
		return nil, badInputf("-tasks does not apply with -from: the tasks are -from's, changed by -add and -remove")
	}
	f, err := experiment.PlanFrom(dir, out, splitList(add), splitList(remove))
	if err != nil {
		return nil, badInput(err)
	}
	return f, nil
}

// fromRecord opens the data of a run continued from rf and builds its
// recipe from what rf's run recorded (experiment.From.Recorded): its data
// source, with the added tasks as further targets of a CSV file
// (affinityrun.SourceFor), and its recipe, each changed by the flags given,
// which may only repeat them (a different value is refused naming the
// field, by SourceFor or experiment.From.Check). ok is false when rf's run
// recorded no source (made by an older tag): the flags then name the data.
func (r *runCommand) fromRecord(rf *experiment.From, stderr io.Writer) (ds data.Dataset, src catalog.Spec, cfg mtl.Config, aff affinity.Options, ok bool, err error) {
	rec, cfg, aff, err := gomlxtrainer.FromRecord(rf)
	if rec == nil || err != nil {
		return nil, src, cfg, aff, false, err
	}
	given, err := r.td.Over(*rec, givenFlags(r.fs), r.f.seed)
	if err != nil {
		return nil, src, cfg, aff, false, err
	}
	if src, err = affinityrun.SourceFor(rf.Layout.Dir, rec, given, rf.Added); err != nil {
		return nil, src, cfg, aff, false, badInput(err)
	}
	if ds, err = r.td.openSource(src, stderr); err != nil {
		return nil, src, cfg, aff, false, err
	}
	// nTasks 0: under -estimator auto the recorded estimator is kept.
	if err := r.f.recipe.apply(ds, 0, &cfg, &aff); err != nil {
		return nil, src, cfg, aff, false, err
	}
	return ds, src, cfg, aff, true, nil
}

// writeReuse prints what the run reused to w and writes it to out's
// reuse.md.
func writeReuse(w io.Writer, r *experiment.Reuse, out experiment.Layout) error {
	if err := report.WriteReuse(w, r); err != nil {
		return err
	}
	return report.WriteReuseFile(out, r)
}
