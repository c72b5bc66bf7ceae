package data

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// memSet is a tiny hand-written data set: input [1], three tasks.
type memSet struct {
	tasks []Task
	y     [3][][]float32
}

func (m *memSet) Name() string      { return "mem" }
func (m *memSet) Tasks() []Task     { return m.tasks }
func (m *memSet) InputShape() []int { return []int{1} }
func (m *memSet) Len(s Split) int   { return len(m.y[s]) }
func (m *memSet) Notes() []string   { return []string{"hand-made"} }
func (m *memSet) Fill(s Split, idx []int, x, y []float32) error {
	for k, i := range idx {
		x[k] = float32(i)
		copy(y[k*len(m.tasks):], m.y[s][i])
	}
	return nil
}

func newMem() *memSet {
	return &memSet{
		tasks: []Task{{Name: "b", Kind: Binary, Classes: 2}, {Name: "m", Kind: MultiClass, Classes: 3}, {Name: "r", Kind: Regression}},
		y: [3][][]float32{
			{{1, 0, 1}, {0, 2, 3}, {1, 2, 5}, {1, 1, 7}},
			{{0, 0, -1}, {0, 1, 1}},
			nil,
		},
	}
}

func TestSummarize(t *testing.T) {
	sum, err := Summarize(newMem())
	if err != nil {
		t.Fatal(err)
	}
	tr := sum.Tasks
	checks := []struct {
		name      string
		got, want float64
	}{
		{"binary train positive rate", tr[0][Train].ClassFreq[1], 3.0 / 4},
		{"multiclass train class 2", tr[1][Train].ClassFreq[2], 2.0 / 4},
		{"multiclass validation class 1", tr[1][Validation].ClassFreq[1], 1.0 / 2},
		{"regression train mean", tr[2][Train].Mean, 4},
		{"regression train std", tr[2][Train].Std, math.Sqrt((9 + 1 + 1 + 9) / 4.0)},
		{"regression validation mean", tr[2][Validation].Mean, 0},
		{"test count", float64(tr[0][Test].N), 0},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if tr[2][Train].ClassFreq != nil {
		t.Error("regression task has class frequencies")
	}
	bad := newMem()
	bad.y[Validation][1][1] = 3
	if _, err := Summarize(bad); err == nil || !strings.Contains(err.Error(), `task "m", validation example 1: target 3`) {
		t.Fatalf("out-of-range class: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	var buf bytes.Buffer
	if err := Describe(&buf, newMem()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"splits:      train 4, validation 2, test 0", "b     binary      2        0.750", "0.25/0.25/0.50", "4±2.24", "hand-made"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRegistry(t *testing.T) {
	Register("test-mem", "a tiny set", func() (Dataset, error) { return newMem(), nil })
	ds, err := Open("test-mem")
	if err != nil || ds.Name() != "mem" {
		t.Fatalf("Open: %v, %v", ds, err)
	}
	found := false
	for _, s := range Sources() {
		found = found || (s.Name == "test-mem" && s.Summary == "a tiny set")
	}
	if !found {
		t.Fatal("Sources lacks the registered set")
	}
	if _, err := Open("nope"); err == nil || !strings.Contains(err.Error(), `unknown data set "nope" (known: `) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := Open("test-mem:x=1"); err == nil || err.Error() != `data set "test-mem" takes no options (got "x=1")` {
		t.Fatalf("options to a set without: %v", err)
	}
	var got []string
	RegisterOptions("test-opt", "with options", "x=1", func(options string) (Dataset, error) {
		got = append(got, options)
		if options == "bad" {
			return nil, errors.New("bad option")
		}
		return newMem(), nil
	})
	if _, err := Open("test-opt"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open("test-opt:x=2"); err != nil {
		t.Fatal(err)
	}
	var se *SpecError
	if _, err := Open("test-opt:bad"); !errors.As(err, &se) || err.Error() != "bad option" {
		t.Fatalf("rejected options: %v", err)
	}
	if !slices.Equal(got, []string{"", "x=2", "bad"}) {
		t.Fatalf("options passed %q", got)
	}
	for _, s := range Sources() {
		if s.Name == "test-opt" && (s.Options != "x=1" || s.OpenWith == nil || s.Summary != "with options") {
			t.Fatalf("source %+v", s)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a name twice did not panic")
		}
	}()
	Register("test-mem", "again", func() (Dataset, error) { return nil, nil })
}

// tabSet adds named columns and a leakage warning to memSet.
type tabSet struct{ *memSet }

func (tabSet) Features() []string        { return []string{"x", "label_2"} }
func (tabSet) LeakageWarnings() []string { return []string{`feature "label_2" looks like a target`} }

func TestWriteFeatures(t *testing.T) {
	var b bytes.Buffer
	n, err := WriteFeatures(&b, tabSet{newMem()})
	if err != nil || n != 1 {
		t.Fatalf("%d warnings, %v", n, err)
	}
	want := "features (2): x, label_2\nwarning: feature \"label_2\" looks like a target\n"
	if b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
	b.Reset()
	if n, _ := WriteFeatures(&b, newMem()); n != 0 || b.Len() != 0 {
		t.Errorf("data set without named features: %d, %q", n, b.String())
	}
	b.Reset()
	if err := Describe(&b, tabSet{newMem()}); err != nil || !strings.HasSuffix(b.String(), want) {
		t.Errorf("Describe does not end with the features: %q, %v", b.String(), err)
	}
}
