package taskmatrix

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestParseTable checks the parser on well-formed and malformed input: the
// values read, or an error naming the line, row or column at fault.
func TestParseTable(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		tasks   []string
		values  [][]float64
		wantErr string
	}{
		{"csv", ",a,b\na,1,2\nb,3,4\n", []string{"a", "b"}, [][]float64{{1, 2}, {3, 4}}, ""},
		{"csv spaces and blank line", " , a , b\n\na, 1, -2.5e-1\nb,3,4\n\n", []string{"a", "b"}, [][]float64{{1, -0.25}, {3, 4}}, ""},
		{"csv quoted name", "\"\",\"x,y\",b\n\"x,y\",0,1\nb,1,0\n", []string{"x,y", "b"}, [][]float64{{0, 1}, {1, 0}}, ""},
		{"csv crlf", ",a\r\na,7\r\n", []string{"a"}, [][]float64{{7}}, ""},
		{"json", `{"tasks":["a","b"],"matrix":[[1,2],[3,4]]}`, []string{"a", "b"}, [][]float64{{1, 2}, {3, 4}}, ""},
		{"empty", "", nil, nil, "empty file"},
		{"blank", " \n\t\n", nil, nil, "empty file"},
		{"header only", ",a,b\n", nil, nil, "0 rows for the 2 tasks"},
		{"header too short", "a\n", nil, nil, "line 1: header"},
		{"short row", ",a,b\na,1\nb,1,2\n", nil, nil, "line 2 (a): 1 values for 2 tasks"},
		{"long row", ",a,b\na,1,2,3\nb,1,2\n", nil, nil, "line 2 (a): 3 values for 2 tasks"},
		{"extra row", ",a\na,1\nb,2\n", nil, nil, `line 3: row "b" is beyond`},
		{"unknown row", ",a,b\na,1,2\nc,1,2\n", nil, nil, `line 3: row task "c" is not in the header`},
		{"duplicate row", ",a,b\na,1,2\na,1,2\n", nil, nil, `line 3: row task "a" appears twice (first on line 2)`},
		{"out of order", ",a,b\nb,1,2\na,1,2\n", nil, nil, `line 2: row task "b" is out of order`},
		{"duplicate header", ",a,a\na,1,2\na,1,2\n", nil, nil, `task "a" appears twice (positions 1 and 2)`},
		{"not a number", ",a,b\na,1,x\nb,1,2\n", nil, nil, `line 2, column 3 (a → b): "x" is not a number`},
		{"nan", ",a,b\na,1,2\nb,nan,2\n", nil, nil, "line 3, column 2 (b → a)"},
		{"inf", ",a\na,-Inf\n", nil, nil, "line 2, column 2 (a → a)"},
		{"empty name", ",a,\na,1,2\n,1,2\n", nil, nil, "task 2 has an empty name"},
		{"bad quote", ",\"a\nb", nil, nil, "line 1"},
		{"json no tasks", `{"matrix":[[1]]}`, nil, nil, `no "tasks"`},
		{"json no matrix", `{"tasks":["a"]}`, nil, nil, `no "matrix"`},
		{"json not square", `{"tasks":["a","b"],"matrix":[[1,2],[3]]}`, nil, nil, "row 2 (b) has 1 values for 2 tasks"},
		{"json rows", `{"tasks":["a","b"],"matrix":[[1,2]]}`, nil, nil, "1 rows for 2 tasks"},
		{"json duplicate", `{"tasks":["a","a"],"matrix":[[1,2],[3,4]]}`, nil, nil, `task "a" appears twice (positions 1 and 2)`},
		{"json overflow", `{"tasks":["a"],"matrix":[[1e400]]}`, nil, nil, `row 1, column 1: "1e400" is not a number`},
		{"json syntax", `{"tasks":["a"],`, nil, nil, "invalid JSON"},
		{"json quoted number", `{"tasks":["a"],"matrix":[["1"]]}`, []string{"a"}, [][]float64{{1}}, ""},
		{"json quoted word", `{"tasks":["a"],"matrix":[["x"]]}`, nil, nil, "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse([]byte(c.in))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.Tasks, c.tasks) || !reflect.DeepEqual(m.Values, c.values) {
				t.Fatalf("got %q %v, want %q %v", m.Tasks, m.Values, c.tasks, c.values)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, that whatever it accepts is a
// valid matrix, and that writing it out and reading it back gives the same
// matrix (JSON always; CSV when the task names survive CSV's trimming).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		",a,b\na,1,2\nb,3,4\n", `{"tasks":["a","b"],"matrix":[[1,2],[3,4]]}`, ",a\na,NaN\n",
		"\"\",\"x,y\"\n\"x,y\",1e-300\n", ",a,b\nb,1,2\n", "{", ",\n,\n", `{"tasks":[" a"],"matrix":[[0]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if m != nil {
				t.Fatalf("matrix and error %v", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted an invalid matrix: %v", err)
		}
		for _, v := range m.Values {
			for _, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("accepted non-finite %v", x)
				}
			}
		}
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(buf.Bytes())
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("JSON round trip: %v\n%q\n%+v\n%+v", err, buf.String(), m, back)
		}
		trimmed := true
		for _, name := range m.Tasks {
			trimmed = trimmed && name == strings.TrimSpace(name)
		}
		if !trimmed {
			return
		}
		buf.Reset()
		if err := m.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		back, err = Parse(buf.Bytes())
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("CSV round trip: %v\n%q\n%+v\n%+v", err, buf.String(), m, back)
		}
	})
}
