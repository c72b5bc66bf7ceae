package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
)

// Bad input exits with status 2 and one line on stderr, whichever
// package's typed error it is.
func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(csv, []byte("a,x\n1,2\n0,zz\n1,3\n0,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown data set", []string{"run", "-data", "nope", "-out", out}, `unknown data set "nope"`},
		{"bad flag value", []string{"run", "-epochs", "x", "-out", out}, `invalid value "x" for flag -epochs`},
		{"bad CSV cell", []string{"run", "-data", csv, "-targets", "a", "-out", out}, csv + `:3: column 2 "x": value "zz"`},
	} {
		code, stderr := runTag(c.args)
		if code != exitBadInput || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line with %q", c.name, code, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: %s was written", c.name, out)
		}
	}
}

// A run stopped by SIGINT exits with status 130, by SIGTERM with 143, and
// says how to continue.
func TestInterruptExits130(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		name string
		want int
	}{{syscall.SIGINT, "SIGINT", exitInterrupted}, {syscall.SIGTERM, "SIGTERM", exitTerminated}} {
		out := filepath.Join(t.TempDir(), "run")
		cmd := exec.Command(os.Args[0], "run", "-data", "planted", "-tasks", "a0,a1,b0,b1", "-methods", "mtl,tag",
			"-budgets", "2", "-epochs", "100000", "-seeds", "1", "-no-report", "-out", out)
		cmd.Env = append(os.Environ(), "TAG_TEST_AS=tag")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "phase 1:") {
				break
			}
		}
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		var rest strings.Builder
		for lines.Scan() {
			rest.WriteString(lines.Text() + "\n")
		}
		err = cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != c.want ||
			!strings.Contains(rest.String(), "interrupted by "+c.name+"; rerun the command to resume") {
			t.Errorf("%s: exit %d (%v), stderr after the signal %q; want %d and the rerun hint", c.name, code, err, rest.String(), c.want)
		}
	}
}

// Every library's bad-input type exits with status 2, also when wrapped;
// any other error with 1.
func TestExitStatusByType(t *testing.T) {
	plain := errors.New("disk full")
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{flag.ErrHelp, exitOK},
		{&data.SpecError{Err: plain}, exitBadInput},
		{&data.FileError{File: "a.csv", Line: 3, Err: plain}, exitBadInput},
		{&mtl.FieldError{Field: "learning_rate", Value: -1.0, Want: "a positive number"}, exitBadInput},
		{&experiment.ConfigError{Err: plain}, exitBadInput},
		{&affinityrun.InputError{Err: plain}, exitBadInput},
		{&selection.BudgetError{Err: plain}, exitBadInput},
		{badInputf("-x: no"), exitBadInput},
		{fmt.Errorf("opening: %w", &data.FileError{File: "a.csv", Err: plain}), exitBadInput},
		{plain, exitFailure},
		{fmt.Errorf("training: %w", plain), exitFailure},
	} {
		var stderr strings.Builder
		if got := exitStatus("x", c.err, &stderr); got != c.want || strings.Count(stderr.String(), "\n") > 1 {
			t.Errorf("%T %v: exit %d, stderr %q; want %d and at most one line", c.err, c.err, got, stderr.String(), c.want)
		}
	}
}
