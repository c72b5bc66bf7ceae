// Package taskmatrix holds the labelled square matrices that connect TAG's
// measurements to its network selection: an inter-task affinity matrix
// (row i, column j = Ẑ_{i→j}, the effect of task i's update on task j's
// loss), a gradient cosine-similarity matrix, or a pair-loss matrix (row i,
// column j = task j's loss when trained with task i; the diagonal holds the
// single-task losses).
//
// It reads and writes two forms, both oriented the same way:
//
//	CSV:  ,t1,t2,t3          JSON: {"tasks": ["t1","t2","t3"],
//	      t1,v11,v12,v13            "matrix": [[v11,v12,v13], ...]}
//	      t2,v21,v22,v23
//	      ...
//
// The package depends only on the standard library, so that a user who
// computed affinities in another framework can hand us a file.
package taskmatrix

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
)

// MaxTasks bounds the size of a matrix read from a file.
const MaxTasks = 4096

// Matrix is a square matrix whose rows and columns are both indexed by the
// same list of task names.
type Matrix struct {
	// Tasks names the rows and the columns, in order.
	Tasks []string `json:"tasks"`
	// Values[i][j] is the entry of row i, column j.
	Values [][]float64 `json:"matrix"`
}

// New returns an n×n zero matrix for the given tasks.
func New(tasks []string) *Matrix {
	m := &Matrix{Tasks: append([]string(nil), tasks...), Values: make([][]float64, len(tasks))}
	for i := range m.Values {
		m.Values[i] = make([]float64, len(tasks))
	}
	return m
}

// N is the number of tasks.
func (m *Matrix) N() int { return len(m.Tasks) }

// Index returns the position of a task name, or -1.
func (m *Matrix) Index(task string) int {
	for i, t := range m.Tasks {
		if t == task {
			return i
		}
	}
	return -1
}

// Validate checks that the matrix is square, that the task names are
// non-empty and distinct, and that every value is finite. The error names
// the offending row and column.
func (m *Matrix) Validate() error {
	n := len(m.Tasks)
	if n == 0 {
		return errors.New("matrix has no tasks")
	}
	if n > MaxTasks {
		return fmt.Errorf("matrix has %d tasks, more than the %d supported", n, MaxTasks)
	}
	seen := make(map[string]int, n)
	for i, t := range m.Tasks {
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("task %d has an empty name", i+1)
		}
		if j, ok := seen[t]; ok {
			return fmt.Errorf("task %q appears twice (positions %d and %d)", t, j+1, i+1)
		}
		seen[t] = i
	}
	if len(m.Values) != n {
		return fmt.Errorf("matrix has %d rows for %d tasks (not square)", len(m.Values), n)
	}
	for i, row := range m.Values {
		if len(row) != n {
			return fmt.Errorf("row %d (%s) has %d values for %d tasks (not square)", i+1, m.Tasks[i], len(row), n)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("row %d (%s), column %d (%s): value %v is not finite", i+1, m.Tasks[i], j+1, m.Tasks[j], v)
			}
		}
	}
	return nil
}

// Sub returns the matrix restricted to the named tasks, in the given order.
func (m *Matrix) Sub(tasks []string) (*Matrix, error) {
	idx := make([]int, len(tasks))
	for k, t := range tasks {
		if idx[k] = m.Index(t); idx[k] < 0 {
			return nil, fmt.Errorf("matrix has no task %q", t)
		}
	}
	s := New(tasks)
	for a, i := range idx {
		for b, j := range idx {
			s.Values[a][b] = m.Values[i][j]
		}
	}
	return s, nil
}

// WriteCSV writes the matrix in the CSV form described in the package
// documentation.
func (m *Matrix) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{""}, m.Tasks...)); err != nil {
		return err
	}
	rec := make([]string, len(m.Tasks)+1)
	for i, row := range m.Values {
		rec[0] = m.Tasks[i]
		for j, v := range row {
			rec[j+1] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the matrix in the JSON form described in the package
// documentation.
func (m *Matrix) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// WriteFile writes the matrix atomically to path, as JSON if the name ends
// in ".json" and as CSV otherwise.
func (m *Matrix) WriteFile(path string) error {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return atomicfile.Write(path, m.WriteJSON)
	}
	return atomicfile.Write(path, m.WriteCSV)
}

// ReadFile reads a matrix from path. A file whose first non-blank byte is
// '{' is read as JSON, anything else as CSV. A file with a checksum file
// (one WriteFile wrote) is verified first (*atomicfile.ChecksumError when
// damaged). Errors name the file and, where they can, the line or row and
// column at fault.
func ReadFile(path string) (*Matrix, error) {
	b, err := atomicfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse reads a matrix from b, in JSON form if its first non-blank byte is
// '{' and in CSV form otherwise, and validates it.
func Parse(b []byte) (*Matrix, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, errors.New("empty file")
	}
	var m *Matrix
	var err error
	if t[0] == '{' {
		m, err = parseJSON(t)
	} else {
		m, err = parseCSV(b)
	}
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func parseJSON(b []byte) (*Matrix, error) {
	var raw struct {
		Tasks  []string        `json:"tasks"`
		Matrix [][]json.Number `json:"matrix"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if raw.Tasks == nil {
		return nil, errors.New(`JSON has no "tasks" list`)
	}
	if raw.Matrix == nil {
		return nil, errors.New(`JSON has no "matrix"`)
	}
	if len(raw.Tasks) > MaxTasks {
		return nil, fmt.Errorf("matrix has %d tasks, more than the %d supported", len(raw.Tasks), MaxTasks)
	}
	m := &Matrix{Tasks: raw.Tasks, Values: make([][]float64, len(raw.Matrix))}
	for i, row := range raw.Matrix {
		m.Values[i] = make([]float64, len(row))
		for j, v := range row {
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return nil, fmt.Errorf("matrix row %d, column %d: %q is not a number", i+1, j+1, string(v))
			}
			m.Values[i][j] = f
		}
	}
	return m, nil
}

func parseCSV(b []byte) (*Matrix, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	if len(header) < 2 {
		return nil, errors.New("line 1: header must be an empty cell followed by the task names")
	}
	tasks := make([]string, len(header)-1)
	for j, h := range header[1:] {
		tasks[j] = strings.TrimSpace(h)
	}
	n := len(tasks)
	if n > MaxTasks {
		return nil, fmt.Errorf("line 1: %d tasks, more than the %d supported", n, MaxTasks)
	}
	m := &Matrix{Tasks: tasks, Values: make([][]float64, 0, n)}
	seenRow := make(map[string]int)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos is only defined for a record that was read; a
			// csv.ParseError carries its own line and column.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d, column %d: %w", pe.Line, pe.Column, pe.Err)
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		name := strings.TrimSpace(rec[0])
		i := len(m.Values)
		if i >= n {
			return nil, fmt.Errorf("line %d: row %q is beyond the %d tasks of the header (not square)", line, name, n)
		}
		if name != tasks[i] {
			if _, known := indexOf(tasks, name); !known {
				return nil, fmt.Errorf("line %d: row task %q is not in the header", line, name)
			}
			if prev, dup := seenRow[name]; dup {
				return nil, fmt.Errorf("line %d: row task %q appears twice (first on line %d)", line, name, prev)
			}
			return nil, fmt.Errorf("line %d: row task %q is out of order; row %d must be %q (rows follow the header's order)", line, name, i+1, tasks[i])
		}
		seenRow[name] = line
		if len(rec)-1 != n {
			return nil, fmt.Errorf("line %d (%s): %d values for %d tasks (not square)", line, name, len(rec)-1, n)
		}
		row := make([]float64, n)
		for j, s := range rec[1:] {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %d (%s → %s): %q is not a number", line, j+2, name, tasks[j], s)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d, column %d (%s → %s): value %q is not finite", line, j+2, name, tasks[j], s)
			}
			row[j] = v
		}
		m.Values = append(m.Values, row)
	}
	if len(m.Values) != n {
		return nil, fmt.Errorf("%d rows for the %d tasks of the header (not square)", len(m.Values), n)
	}
	return m, nil
}

func indexOf(xs []string, s string) (int, bool) {
	for i, x := range xs {
		if x == s {
			return i, true
		}
	}
	return -1, false
}
