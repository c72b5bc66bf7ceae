package data

import (
	"bytes"
	"strings"
	"testing"
)

// TestClassWarnings: a binary task with 6 positives and 6 negatives in
// training but no positive in validation is named with its counts, in one
// line; a balanced task and a regression task are not.
func TestClassWarnings(t *testing.T) {
	m := &memSet{tasks: []Task{{Name: "rare", Kind: Binary, Classes: 2}, {Name: "even", Kind: Binary, Classes: 2}, {Name: "r", Kind: Regression}}}
	for i := range 12 {
		m.y[Train] = append(m.y[Train], []float32{float32(i % 2), float32(i % 2), 0})
	}
	for i := range 10 {
		m.y[Validation] = append(m.y[Validation], []float32{0, float32(i % 2), 0})
		m.y[Test] = append(m.y[Test], []float32{float32(i % 2), float32(i % 2), 0})
	}
	var buf bytes.Buffer
	n, err := WriteClassWarnings(&buf, m)
	if err != nil {
		t.Fatal(err)
	}
	want := `warning: task "rare": class 1 has 0 in validation (fewer than 5 examples: its loss there is mostly noise)` + "\n"
	if n != 1 || buf.String() != want {
		t.Errorf("wrote %d lines:\n%s\nwant:\n%s", n, buf.String(), want)
	}
	if lines, _ := ClassWarnings(newMem()); len(lines) != 2 || !strings.Contains(lines[0], `class 0 has 1 in train, 2 in validation; class 1 has 3 in train, 0 in validation`) {
		t.Errorf("small set: %q", lines)
	}
}
