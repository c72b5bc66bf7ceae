package catalog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/csvdata"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/shellquote"
)

// Exported is a data set written as a CSV file by Export.
type Exported struct {
	// Choice reads the file back: Data, Targets (every task), Kinds where
	// the CSV reader would infer another kind, and Features only where
	// the default (every other column) would take a column that is no
	// feature.
	Choice Choice
	// Written lists the columns, the rows of each split and the notes.
	Written *csvdata.Written
}

// Export writes every example of ds to path as a CSV file that the CSV
// path of every command reads back (csvdata.Write), atomically and with
// its checksum file. An existing path is refused unless force: a run
// recorded on that file would no longer match it.
func Export(path string, ds data.Dataset, force bool) (*Exported, error) {
	if path == "" {
		return nil, badChoice("-out: no file given")
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, badChoice("-out %s is a folder; give a file name", path)
	case err == nil && !force:
		return nil, badChoice("-out %s exists; use -force to replace it", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, badChoice("-out %s: %v", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return nil, badChoice("-out %s: the folder %s does not exist", path, filepath.Dir(path))
	}
	var w *csvdata.Written
	if err := atomicfile.Write(path, func(out io.Writer) error {
		var err error
		w, err = csvdata.Write(out, ds)
		return err
	}); err != nil {
		return nil, err
	}
	c := Choice{Data: path, Targets: strings.Join(w.Targets, ",")}
	if len(w.Targets) < len(ds.Tasks()) {
		c.Features = strings.Join(w.Features, ",")
	}
	var kinds []string
	for _, t := range w.Targets {
		if k, ok := w.Kinds[t]; ok {
			kinds = append(kinds, t+"="+k.String())
		}
	}
	c.Kinds = strings.Join(kinds, ",")
	return &Exported{Choice: c, Written: w}, nil
}

// CSVArgs returns the flags that name c's CSV file and its options, as a
// command line takes them: -data, -targets, and -features, -kinds,
// -data-seed, -val-fraction and -test-fraction where set.
func (c Choice) CSVArgs() []string {
	args := []string{"-data", c.Data, "-targets", c.Targets}
	for _, f := range []struct{ name, value string }{
		{"features", c.Features}, {"kinds", c.Kinds},
		{"data-seed", nonZero(fmt.Sprint(c.SplitSeed))},
		{"val-fraction", nonZero(fmt.Sprint(c.ValFraction))},
		{"test-fraction", nonZero(fmt.Sprint(c.TestFraction))},
	} {
		if f.value != "" {
			args = append(args, "-"+f.name, f.value)
		}
	}
	return args
}

// nonZero is s, or "" for "0".
func nonZero(s string) string {
	if s == "0" {
		return ""
	}
	return s
}

// WriteSummary writes what Export wrote (rows and columns), the command
// that reads it back (and, when every task is a target, the same with the
// features listed, the form in which tasks may be left out), how the CSV
// reader splits the rows, and the notes.
func (e *Exported) WriteSummary(out io.Writer) error {
	w, r := e.Written, e.Written.Rows
	fmt.Fprintf(out, "wrote %s: %d rows, %d feature columns (%s..%s), %d target columns\n", e.Choice.Data,
		r[0]+r[1]+r[2], len(w.Features), w.Features[0], w.Features[len(w.Features)-1], len(w.Targets))
	fmt.Fprintf(out, "read it back (the same flags for tag affinity and tag data describe):\n  %s\n", e.Command("run"))
	if e.Choice.Features == "" {
		leave := *e
		leave.Choice.Features = strings.Join(w.Features, ",")
		fmt.Fprintf(out, "to leave tasks out, list the features too (a target column not in -targets would become a feature):\n  %s\n", leave.Command("run"))
	}
	fmt.Fprintf(out, "split: the file holds the %d train, %d validation and %d test rows in that order, but the CSV reader splits rows anew "+
		"by a seeded hash of each line (about 80/10/10, -data-seed): the file keeps the data, not the built-in split\n", r[0], r[1], r[2])
	for _, n := range w.Notes {
		if _, err := fmt.Fprintln(out, "note:", n); err != nil {
			return err
		}
	}
	return nil
}

// Command returns the command line `tag CMD` with the flags that read the
// exported file back, quoted for a shell.
func (e *Exported) Command(cmd string) string {
	return "tag " + cmd + " " + shellquote.Join(e.Choice.CSVArgs())
}
