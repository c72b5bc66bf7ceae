package csvdata

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tagroup/tag/data"
)

// Written describes a data set written by Write: the columns of the file
// and what Load needs to read the tasks back with their kinds.
type Written struct {
	// Features are the feature columns, in input order (the data set's
	// input flattened row-major), first in the file.
	Features []string
	// Targets are the target columns (the task names), after the features,
	// in task order; a constant task is left out (see Notes).
	Targets []string
	// Kinds are the kinds Load must be given (Options.Kinds): those of the
	// tasks whose values it would infer another kind from.
	Kinds map[string]data.Kind
	// Rows counts the rows of each split of the data set; the file holds
	// them in the order train, validation, test.
	Rows [3]int
	// Notes name each task that does not read back as it is: a constant
	// task (Load refuses it: it is a column of its own, in no list) and a
	// classification task some of whose classes never occur (Load numbers
	// the classes present).
	Notes []string
}

// writeBatch is the number of examples filled at once.
const writeBatch = 256

// Write writes every example of ds to w as a CSV table that Load reads
// back: a header of the feature columns (the data set's names of its
// inputs, data.FeatureNamer, or else x0, x1, ..., prefixed further with
// '_' when a task name starts with x) then one column per task named
// after it, and one row per example in the split order train,
// validation, test. The inputs are written as Fill gives them (those of a
// CSV source standardized). Values are written in the shortest form that reads
// back as the same float32. Load splits the rows anew by its own hash, so
// the file keeps the data, not ds's split. A task name that a flag list
// cannot name (empty, with a comma, '=' or surrounding space) is refused.
func Write(w io.Writer, ds data.Dataset) (*Written, error) {
	tasks := ds.Tasks()
	wr := &Written{Kinds: map[string]data.Kind{}}
	seen := map[string]bool{}
	for _, t := range tasks {
		if !listable(t.Name) || seen[t.Name] {
			return nil, fmt.Errorf("%s: task %q cannot be named in a -targets list", ds.Name(), t.Name)
		}
		seen[t.Name] = true
	}
	nf, nt := data.InputSize(ds), len(tasks)
	wr.Features = featureNames(ds, nf, seen)
	header := append(slices.Clone(wr.Features), make([]string, 0, nt)...)
	for _, t := range tasks {
		header = append(header, t.Name)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	cw.Flush()
	stats := make([]targetStats, nt)
	for t, task := range tasks {
		limit := MaxInferredClasses
		if task.Kind == data.MultiClass {
			limit = MaxClasses
		}
		stats[t] = targetStats{distinct: map[float64]struct{}{}, limit: limit, integral: true}
	}
	x, y := make([]float32, writeBatch*nf), make([]float32, writeBatch*nt)
	idx := make([]int, 0, writeBatch)
	var line []byte
	rows := 0
	for s := data.Train; s <= data.Test; s++ {
		n := ds.Len(s)
		wr.Rows[s] = n
		for start := 0; start < n; start += writeBatch {
			idx = idx[:0]
			for i := start; i < min(start+writeBatch, n); i++ {
				idx = append(idx, i)
			}
			if err := ds.Fill(s, idx, x[:len(idx)*nf], y[:len(idx)*nt]); err != nil {
				return nil, fmt.Errorf("%s: %s example %d: %w", ds.Name(), s, start, err)
			}
			for e := range idx {
				line = line[:0]
				for i, v := range x[e*nf : (e+1)*nf] {
					if i > 0 {
						line = append(line, ',')
					}
					line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
				}
				for t, v := range y[e*nt : (e+1)*nt] {
					stats[t].add(float64(v), rows)
					line = append(line, ',')
					line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
				}
				line = append(line, '\n')
				if _, err := bw.Write(line); err != nil {
					return nil, err
				}
				rows++
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	for t, task := range tasks {
		wr.readBack(task, &stats[t])
	}
	return wr, nil
}

// listable reports whether name can stand in a -targets or -features
// list: not empty, no comma or '=', no surrounding space.
func listable(name string) bool {
	return name != "" && !strings.ContainsAny(name, ",=") && strings.TrimSpace(name) == name
}

// featureNames names the nf input columns of ds: the names of a data set
// with named inputs (data.FeatureNamer) where they are listable and
// distinct from each other and from the task names (taken), else x0,
// x1, ... (prefixed with '_' until no task name starts so).
func featureNames(ds data.Dataset, nf int, taken map[string]bool) []string {
	if fn, ok := ds.(data.FeatureNamer); ok {
		names := fn.Features()
		seen := maps.Clone(taken)
		ok = len(names) == nf
		for _, n := range names {
			ok = ok && listable(n) && !seen[n]
			seen[n] = true
		}
		if ok {
			return names
		}
	}
	prefix := "x"
	for n := range taken {
		for strings.HasPrefix(n, prefix) {
			prefix = "_" + prefix
		}
	}
	names := make([]string, nf)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

// readBack records how Load will read task from the values st saw: its
// target column, the kind to give it, or a note.
func (wr *Written) readBack(task data.Task, st *targetStats) {
	if st.constant {
		wr.Notes = append(wr.Notes, fmt.Sprintf("task %s is constant (%s in every row): a CSV target may not be, so it is left out of the targets",
			task.Name, strconv.FormatFloat(st.first, 'g', -1, 32)))
		return
	}
	wr.Targets = append(wr.Targets, task.Name)
	inferred, _, err := decideKind(task.Name, st, nil)
	if err != nil || inferred.Kind != task.Kind {
		wr.Kinds[task.Name] = task.Kind
	}
	if task.Kind != data.Regression && len(st.distinct) < task.Classes {
		wr.Notes = append(wr.Notes, fmt.Sprintf("task %s: only %d of its %d classes occur; read back, the classes present are numbered 0..%d in order",
			task.Name, len(st.distinct), task.Classes, len(st.distinct)-1))
	}
}
