package csvdata

import (
	"bytes"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
)

// tableSet is a data set held in a table, for the tests of Write.
type tableSet struct {
	table.Table
	tasks []data.Task
}

func (d *tableSet) Name() string       { return "table" }
func (d *tableSet) Tasks() []data.Task { return d.tasks }
func (d *tableSet) InputShape() []int  { return []int{1, d.InSize} }

// TestWriteKinds checks that Write names the kinds Load would infer
// otherwise, leaves a constant task out with a note, notes missing
// classes, and that Load given its columns and kinds reads the tasks back.
func TestWriteKinds(t *testing.T) {
	tasks := []data.Task{
		{Name: "bin", Kind: data.Binary, Classes: 2},
		{Name: "steps", Kind: data.Regression},           // integer values: inferred multiclass
		{Name: "two", Kind: data.MultiClass, Classes: 4}, // classes 0 and 2 only: inferred binary
		{Name: "same", Kind: data.Binary, Classes: 2},    // constant
		{Name: "x0", Kind: data.MultiClass, Classes: 3},  // a name like a feature column
	}
	ds := &tableSet{Table: table.Table{Label: "table", InSize: 2, NTasks: len(tasks)}, tasks: tasks}
	for i := range 40 {
		s := data.Split(i % 3)
		ds.X[s] = append(ds.X[s], float32(i)/3, float32(i*i%7))
		ds.Y[s] = append(ds.Y[s], float32(i%2), float32(i%5), float32(2*(i%2)), 1, float32(i%3))
	}
	var buf bytes.Buffer
	w, err := Write(&buf, ds)
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(buf.String(), "\n")
	if header != "_x0,_x1,bin,steps,two,same,x0" {
		t.Errorf("header %q", header)
	}
	if want := []string{"bin", "steps", "two", "x0"}; !slices.Equal(w.Targets, want) {
		t.Errorf("targets %q, want %q", w.Targets, want)
	}
	if want := map[string]data.Kind{"steps": data.Regression, "two": data.MultiClass}; !maps.Equal(w.Kinds, want) {
		t.Errorf("kinds %v, want %v", w.Kinds, want)
	}
	if w.Rows != [3]int{14, 13, 13} {
		t.Errorf("rows %v", w.Rows)
	}
	notes := strings.Join(w.Notes, "\n")
	for _, n := range []string{"task same is constant (1 in every row)", "task two: only 2 of its 4 classes occur"} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes %q lack %q", notes, n)
		}
	}
	back, err := LoadReader(&buf, "back.csv", Options{Targets: w.Targets, Features: w.Features, Kinds: w.Kinds})
	if err != nil {
		t.Fatal(err)
	}
	want := []data.Task{tasks[0], tasks[1], {Name: "two", Kind: data.MultiClass, Classes: 2}, tasks[4]}
	if !slices.Equal(back.Tasks(), want) {
		t.Errorf("tasks read back %v, want %v", back.Tasks(), want)
	}
}

// TestWriteRefusesUnlistableNames checks that a task name a -targets list
// cannot hold is refused.
func TestWriteRefusesUnlistableNames(t *testing.T) {
	for _, name := range []string{"a,b", "k=v", " pad", ""} {
		ds := &tableSet{Table: table.Table{InSize: 1, NTasks: 1}, tasks: []data.Task{{Name: name}}}
		if _, err := Write(&bytes.Buffer{}, ds); err == nil || !strings.Contains(err.Error(), "cannot be named") {
			t.Errorf("task %q: %v", name, err)
		}
	}
}

// TestWriteKeepsFeatureNames checks that the inputs of a data set with
// named inputs (a CSV source) keep their names, in input order.
func TestWriteKeepsFeatureNames(t *testing.T) {
	content := "age,height,sick\n"
	for i := range 30 {
		content += strconv.Itoa(20+i) + "," + strconv.Itoa(150+i%7) + "," + strconv.Itoa(i%2) + "\n"
	}
	for _, tc := range []struct {
		opt    Options
		header string
	}{
		{Options{Targets: []string{"sick"}}, "age,height,sick"},
		{Options{Targets: []string{"sick"}, Features: []string{"height"}}, "height,sick"},
	} {
		ds, err := LoadReader(strings.NewReader(content), "t.csv", tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := Write(&buf, ds); err != nil {
			t.Fatal(err)
		}
		if header, _, _ := strings.Cut(buf.String(), "\n"); header != tc.header {
			t.Errorf("%v: header %q, want %q", tc.opt, header, tc.header)
		}
	}
}
