package data

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// MinClassExamples is the fewest examples of a class a split should hold
// for a classification task: with fewer, that task's validation loss (which
// serves each task and stops training early) or its test loss rests on a
// handful of examples and is mostly noise. ClassWarnings names every class
// below it.
const MinClassExamples = 5

// ClassWarnings returns one line for each Binary or MultiClass task of ds
// that has a class with fewer than MinClassExamples examples in some split,
// with the counts: `task "x": class 1 has 0 examples in validation, 3 in
// test (fewer than 5: ...)`. These are warnings, not refusals: the run is
// valid, but the numbers of that task are noisy.
func ClassWarnings(ds Dataset) ([]string, error) {
	sum, err := Summarize(ds)
	if err != nil {
		return nil, err
	}
	var out []string
	for t, task := range ds.Tasks() {
		if task.Kind == Regression {
			continue
		}
		var parts []string
		for c := range task.Classes {
			var few []string
			for split := Train; split <= Test; split++ {
				s := sum.Tasks[t][split]
				if c >= len(s.ClassFreq) || s.N == 0 {
					continue
				}
				if n := int(math.Round(s.ClassFreq[c] * float64(s.N))); n < MinClassExamples {
					few = append(few, fmt.Sprintf("%d in %s", n, split))
				}
			}
			if len(few) > 0 {
				parts = append(parts, fmt.Sprintf("class %d has %s", c, strings.Join(few, ", ")))
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("task %q: %s (fewer than %d examples: its loss there is mostly noise)",
				task.Name, strings.Join(parts, "; "), MinClassExamples))
		}
	}
	return out, nil
}

// WriteClassWarnings writes ClassWarnings(ds) to w, one "warning: " line
// each, and returns how many it wrote.
func WriteClassWarnings(w io.Writer, ds Dataset) (int, error) {
	lines, err := ClassWarnings(ds)
	if err != nil {
		return 0, err
	}
	for i, l := range lines {
		if _, err := fmt.Fprintf(w, "warning: %s\n", l); err != nil {
			return i, err
		}
	}
	return len(lines), nil
}
