package main

import (
	"io"

	"github.com/tagroup/tag/experiment"
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

// writeReuse prints what the run reused to w and writes it to out's
// reuse.md.
func writeReuse(w io.Writer, r *experiment.Reuse, out experiment.Layout) error {
	if err := report.WriteReuse(w, r); err != nil {
		return err
	}
	return report.WriteReuseFile(out, r)
}
