package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tagroup/tag/data/catalog"
)

func TestDataCommand(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "d.csv")
	content := "x1,x2,grade,sick\n"
	for i := range 50 {
		content += strings.Join([]string{strconv.Itoa(i), strconv.Itoa(i * i % 7), strconv.Itoa(1 + i%3), strconv.Itoa(i % 2)}, ",") + "\n"
	}
	if err := os.WriteFile(csvPath, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// A multi-label table: label b is label a on 9 rows of 10.
	leakPath := filepath.Join(dir, "labels.csv")
	leak := "x,a,b\n"
	for i := range 100 {
		a, b := i%2, i%2
		if i%10 == 3 {
			b = 1 - a
		}
		leak += strconv.Itoa(i*37%101) + "," + strconv.Itoa(a) + "," + strconv.Itoa(b) + "\n"
	}
	if err := os.WriteFile(leakPath, []byte(leak), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  []string // substrings of stdout
		err  string   // substring of stderr
	}{
		{"list", []string{"data", "list"}, 0, []string{"glyphs ", "planted ", "multimnist ", "mnist-attributes ", "fashion-mnist ", "sklearn-digits ",
			"on 2 cores", "-data FILE.csv -targets t1,t2,...", "-celeba DIR", "planted:families=3,size=3,"}, ""},
		{"describe planted", []string{"data", "describe", "planted"}, 0, []string{"a0", "true group: [c0 c1 c2]"}, ""},
		{"describe csv", []string{"data", "describe", csvPath, "--targets", "grade,sick"}, 0,
			[]string{"grade  multiclass  3", "sick   binary      2", `task "grade" classes: 0=1, 1=2, 2=3`, "features (2): x1, x2\n"}, ""},
		{"describe csv leak", []string{"data", "describe", leakPath, "--targets", "a"}, 0,
			[]string{"features (2): x, b\n", `warning: feature "b" looks like a target: 2 distinct values`, `with task "a"`}, ""},
		{"describe csv no leak", []string{"data", "describe", leakPath, "--targets", "a", "--features", "x"}, 0,
			[]string{"features (1): x\n"}, ""},
		{"csv flags first", []string{"data", "describe", "--targets", "sick", "--kinds", "sick=regression", csvPath}, 0, []string{"sick  regression"}, ""},
		{"csv without targets", []string{"data", "describe", csvPath}, 2, nil, "needs --targets"},
		{"describe -data", []string{"data", "describe", "-data", "planted"}, 0, []string{"a0", "true group: [c0 c1 c2]"}, ""},
		{"describe -data csv", []string{"data", "describe", "-data", csvPath, "-targets", "sick"}, 0, []string{"sick  binary", `warning: task "sick": class 0 has 0 in validation`}, ""},
		{"describe two data sets", []string{"data", "describe", "planted", "-data", "glyphs"}, 2, nil, "two data sets given: -data glyphs and the argument planted"},
		{"describe few of a class", []string{"data", "describe", leakPath, "--targets", "a", "--val-fraction", "0.03", "--test-fraction", "0.03"}, 0,
			[]string{`warning: task "a": class 0 has`, "(fewer than 5 examples: its loss there is mostly noise)"}, ""},
		{"csv bad column", []string{"data", "describe", csvPath, "--targets", "nope"}, 2, nil, `d.csv:1: no target column "nope"`},
		{"bad kinds", []string{"data", "describe", csvPath, "--targets", "sick", "--kinds", "sick"}, 2, nil, `"sick" is not name=kind`},
		{"unknown name", []string{"data", "describe", "cifar"}, 2, nil, `unknown data set "cifar"`},
		{"planted with options", []string{"data", "describe", "planted:families=30,size=2,n=200"}, 0,
			[]string{"f00_t0", "f29_t1", "true group: [f29_t0 f29_t1]", "splits:      train 160"}, ""},
		{"planted bad option", []string{"data", "describe", "planted:colour=3"}, 2, nil, `planted: unknown option "colour"`},
		{"planted bad value", []string{"data", "describe", "planted:noise=0.7"}, 2, nil, `Noise = 0.7`},
		{"options to a set without", []string{"data", "describe", "glyphs:n=3"}, 2, nil, `data set "glyphs" takes no options`},
		{"no sub-command", []string{"data"}, 2, nil, "want a sub-command"},
		{"help", []string{"data", "-h"}, 0, []string{"usage: tag data list", "tag data describe NAME"}, ""},
		{"bad sub-command", []string{"data", "show"}, 2, nil, `unknown sub-command "show"`},
		{"two data sets", []string{"data", "describe", "planted", "glyphs"}, 2, nil, `unexpected argument "glyphs"`},
		{"celeba missing", []string{"data", "describe", "--celeba", dir}, 2, nil, "list_attr_celeba.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errb.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			if !strings.Contains(errb.String(), tc.err) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.err)
			}
		})
	}
}

// TestBuiltinNameBesideFolder checks that a built-in name is not taken for
// a file when the current folder holds a folder of that name.
func TestBuiltinNameBesideFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("planted", 0o755); err != nil {
		t.Fatal(err)
	}
	ds, err := catalog.Choice{Data: "planted"}.Open()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ds.Name(), "planted") {
		t.Errorf("opened %q, want the built-in planted data", ds.Name())
	}
}

// TestDataExport checks that tag data export writes a file that the
// command it prints reads back, and that bad input exits 2 naming the
// flag with nothing written.
func TestDataExport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "p.csv")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"data", "export", "-data", "planted:n=300", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, w := range []string{"wrote " + out + ": 300 rows, 16 feature columns (x0..x15), 9 target columns",
		"  tag run -data " + out + " -targets a0,a1,a2,b0,b1,b2,c0,c1,c2\n",
		"-targets a0,a1,a2,b0,b1,b2,c0,c1,c2 -features x0,x1,", "the file keeps the data, not the built-in split"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
		}
	}
	stdout.Reset()
	if code := run([]string{"data", "describe", "-data", out, "-targets", "a0,a1,a2,b0,b1,b2,c0,c1,c2"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "c2    binary") {
		t.Errorf("reading back: exit %d\n%s", code, stdout.String())
	}
	bad := filepath.Join(dir, "bad.csv")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-data", "planted"}, "-out: no file given"},
		{[]string{"-out", bad}, "no data set given"},
		{[]string{"-data", "cifar", "-out", bad}, `unknown data set "cifar"`},
		{[]string{"-data", "planted:size=x", "-out", bad}, `planted: size="x"`},
		{[]string{"-data", "planted", "-out", out}, "-out " + out + " exists; use -force"},
		{[]string{"-data", "planted", "-out", filepath.Join(dir, "no", "p.csv")}, "does not exist"},
		{[]string{"-data", "planted", "-out", bad, "-colour", "3"}, "-colour"},
	} {
		stderr.Reset()
		if code := run(append([]string{"data", "export"}, tc.args...), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.err)
		}
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "[^.]*")); len(names) != 2 {
		t.Errorf("files after the refusals: %q, want p.csv and its checksum", names)
	}
}
