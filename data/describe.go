package data

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// TargetFiller is implemented by data sets that can deliver the targets of
// examples without decoding their inputs. Summarize uses it when present,
// which keeps describing a large image set cheap.
type TargetFiller interface {
	// FillTargets writes the targets of the examples idx of split into y,
	// laid out as in Dataset.Fill.
	FillTargets(split Split, idx []int, y []float32) error
}

// Noter is implemented by data sets that have facts worth printing beside
// their tasks, such as a class remapping or how the split was drawn.
type Noter interface {
	// Notes returns one line of text per fact.
	Notes() []string
}

// Identifier is implemented by a Noter some of whose notes do not identify
// its data, such as where a cache lives: Identity returns those that do.
// The digest, checkpoint fingerprints and a run's data description use
// IdentityNotes, so moving a cache does not make the data look new.
type Identifier interface {
	// Identity returns the notes that identify the data.
	Identity() []string
}

// IdentityNotes returns the notes of ds that identify its data: Identity
// for an Identifier, else Notes for a Noter; ok is false for a data set
// with neither.
func IdentityNotes(ds Dataset) (notes []string, ok bool) {
	if id, ok := ds.(Identifier); ok {
		return id.Identity(), true
	}
	if n, ok := ds.(Noter); ok {
		return n.Notes(), true
	}
	return nil, false
}

// FeatureNamer is implemented by tabular data sets whose inputs are named
// columns (csvdata): Features lists them in input order.
type FeatureNamer interface {
	Features() []string
}

// LeakageWarner is implemented by data sets that can tell when an input
// column looks like a target (a label that leaks into the inputs); one
// line of text per suspicious column.
type LeakageWarner interface {
	LeakageWarnings() []string
}

// Inputs returns the named input columns of a tabular data set
// (FeatureNamer) and its leakage warnings (LeakageWarner); nil for data
// sets without named inputs (images).
func Inputs(ds Dataset) (features, warnings []string) {
	if fn, ok := ds.(FeatureNamer); ok {
		features = fn.Features()
	}
	if lw, ok := ds.(LeakageWarner); ok {
		warnings = lw.LeakageWarnings()
	}
	return features, warnings
}

// WriteFeatures writes, for a data set with named input columns
// (FeatureNamer), the line "features (N): a, b, c" and then one
// "warning: ..." line per LeakageWarnings entry. It writes nothing for
// other data sets (images), and returns the number of warnings.
func WriteFeatures(w io.Writer, ds Dataset) (int, error) {
	if _, ok := ds.(FeatureNamer); !ok {
		return 0, nil
	}
	features, warnings := Inputs(ds)
	if _, err := fmt.Fprintf(w, "features (%d): %s\n", len(features), strings.Join(features, ", ")); err != nil {
		return 0, err
	}
	for i, line := range warnings {
		if _, err := fmt.Fprintf(w, "warning: %s\n", line); err != nil {
			return i, err
		}
	}
	return len(warnings), nil
}

// TaskSummary describes the targets of one task in one split.
type TaskSummary struct {
	// N is the number of examples counted.
	N int
	// ClassFreq is, for Binary and MultiClass tasks, the fraction of
	// examples in each class (index 1 of a Binary task is the positive
	// rate). It is nil for Regression tasks.
	ClassFreq []float64
	// Mean and Std are the mean and the population standard deviation of
	// the targets (for every kind).
	Mean, Std float64
}

// Summary holds the class balance or target statistics of every task of a
// data set in each split: Tasks[t][split].
type Summary struct {
	Tasks [][3]TaskSummary
}

// summaryChunk is the number of examples read per Fill call by Summarize.
const summaryChunk = 1024

// Summarize reads every target of ds once and returns the per-task,
// per-split class frequencies (or mean and standard deviation). A target
// outside 0..Classes-1 of a classification task is an error naming the
// task, split and example.
func Summarize(ds Dataset) (Summary, error) {
	tasks := ds.Tasks()
	nt := len(tasks)
	sum := Summary{Tasks: make([][3]TaskSummary, nt)}
	tf, targetsOnly := ds.(TargetFiller)
	var x []float32
	if !targetsOnly {
		x = make([]float32, summaryChunk*InputSize(ds))
	}
	y := make([]float32, summaryChunk*nt)
	idx := make([]int, 0, summaryChunk)
	counts := make([][]int, nt)
	for split := Train; split <= Test; split++ {
		n := ds.Len(split)
		s1 := make([]float64, nt)
		s2 := make([]float64, nt)
		for t, task := range tasks {
			counts[t] = make([]int, task.Classes)
		}
		for start := 0; start < n; start += summaryChunk {
			idx = idx[:0]
			for i := start; i < n && i < start+summaryChunk; i++ {
				idx = append(idx, i)
			}
			var err error
			if targetsOnly {
				err = tf.FillTargets(split, idx, y)
			} else {
				err = ds.Fill(split, idx, x, y)
			}
			if err != nil {
				return Summary{}, err
			}
			for k := range idx {
				for t, task := range tasks {
					v := float64(y[k*nt+t])
					s1[t] += v
					s2[t] += v * v
					if task.Kind == Regression {
						continue
					}
					c := int(v)
					if float64(c) != v || c < 0 || c >= task.Classes {
						return Summary{}, fmt.Errorf("data set %s: task %q, %s example %d: target %v is not a class in 0..%d", ds.Name(), task.Name, split, idx[k], v, task.Classes-1)
					}
					counts[t][c]++
				}
			}
		}
		for t, task := range tasks {
			ts := TaskSummary{N: n}
			if n > 0 {
				ts.Mean = s1[t] / float64(n)
				ts.Std = math.Sqrt(math.Max(0, s2[t]/float64(n)-ts.Mean*ts.Mean))
			}
			if task.Kind != Regression {
				ts.ClassFreq = make([]float64, task.Classes)
				for c, m := range counts[t] {
					if n > 0 {
						ts.ClassFreq[c] = float64(m) / float64(n)
					}
				}
			}
			sum.Tasks[t][split] = ts
		}
	}
	return sum, nil
}

// Describe writes a human-readable description of ds to w: its input
// shape, split sizes, and for every task its kind and its class balance
// (positive rate of a Binary task, class frequencies of a MultiClass task,
// mean ± standard deviation of a Regression task) in each split, followed
// by the data set's notes and, for tabular data, its feature columns and
// leakage warnings (WriteFeatures).
func Describe(w io.Writer, ds Dataset) error {
	sum, err := Summarize(ds)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "data set:    %s\n", ds.Name())
	fmt.Fprintf(w, "input shape: %v (%d values)\n", ds.InputShape(), InputSize(ds))
	fmt.Fprintf(w, "splits:      train %d, validation %d, test %d\n", ds.Len(Train), ds.Len(Validation), ds.Len(Test))
	fmt.Fprintf(w, "tasks:       %d\n\n", len(ds.Tasks()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "task\tkind\tclasses\ttrain\tvalidation\ttest\t")
	for t, task := range ds.Tasks() {
		fmt.Fprintf(tw, "%s\t%s\t%d", task.Name, task.Kind, task.Classes)
		for split := Train; split <= Test; split++ {
			fmt.Fprintf(tw, "\t%s", balance(task, sum.Tasks[t][split]))
		}
		fmt.Fprintln(tw, "\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nbalance: positive rate (binary), class frequencies (multiclass), mean±std (regression)")
	if nt, ok := ds.(Noter); ok {
		if notes := nt.Notes(); len(notes) > 0 {
			fmt.Fprintln(w, "\nnotes:")
			for _, n := range notes {
				fmt.Fprintf(w, "  %s\n", n)
			}
		}
	}
	if _, ok := ds.(FeatureNamer); ok {
		fmt.Fprintln(w)
	}
	_, err = WriteFeatures(w, ds)
	return err
}

// balance formats one cell of the Describe table.
func balance(task Task, ts TaskSummary) string {
	if ts.N == 0 {
		return "-"
	}
	switch task.Kind {
	case Binary:
		return fmt.Sprintf("%.3f", ts.ClassFreq[1])
	case MultiClass:
		parts := make([]string, len(ts.ClassFreq))
		for c, f := range ts.ClassFreq {
			parts[c] = fmt.Sprintf("%.2f", f)
		}
		return strings.Join(parts, "/")
	}
	return fmt.Sprintf("%.3g±%.3g", ts.Mean, ts.Std)
}
