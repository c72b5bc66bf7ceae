package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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

// A run stopped by SIGINT exits with status 130 and says how to continue.
func TestInterruptExits130(t *testing.T) {
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
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(rest.String(), "interrupted by SIGINT; rerun the command to resume") {
		t.Errorf("exit %d (%v), stderr after the signal %q; want 130 and the rerun hint", code, err, rest.String())
	}
}
