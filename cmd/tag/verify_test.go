package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tagroup/tag/internal/faultfile"
)

// One task, a task named twice, a one-task matrix and a data set with an
// empty split are refused up front: exit 2, one line, no panic, and
// nothing written.
func TestNothingToMeasureOrGroup(t *testing.T) {
	one := writeTemp(t, "one.csv", "task,a0\na0,0.5\n")
	tiny := writeTemp(t, "tiny.csv", "x1,x2,y1,y2\n0.1,0.2,0,1\n0.3,0.1,1,0\n0.5,0.9,0,0\n0.7,0.4,1,1\n")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"affinity one task", []string{"affinity", "-data", "planted", "-tasks", "a0", "-epochs", "1"}, "-tasks gives 1 task (a0)"},
		{"affinity twice", []string{"affinity", "-data", "planted", "-tasks", "a0,a0", "-epochs", "1"}, `names task "a0" twice`},
		{"affinity empty split", []string{"affinity", "-data", tiny, "-targets", "y1,y2", "-epochs", "1"}, "split is empty"},
		{"run empty split", []string{"run", "-data", tiny, "-targets", "y1,y2", "-epochs", "1", "-budgets", "2"}, "split is empty"},
		{"group one task", []string{"group", "-affinity", one, "-budget", "1"}, "nothing to group"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		args := c.args
		if args[0] != "group" {
			args = append(args, "-out", out)
		}
		wantRefused(t, c.name, args, c.want, out)
	}
}

// wantRefused runs tag with args and checks that it is refused as bad
// input: exit 2, one line on standard error containing want, and nothing
// written at out.
func wantRefused(t *testing.T, name string, args []string, want, out string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	msg := stderr.String()
	if code != 2 || !strings.Contains(msg, want) || strings.Count(msg, "\n") != 1 {
		t.Errorf("%s: exit %d, stderr %q (want one line with %q)", name, code, msg, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s: wrote %s", name, out)
	}
}

// tag update refuses a -from run whose weights.gob has 64 zero bytes in its
// middle (damage that still decodes), naming the file.
func TestUpdateRefusesDamagedWeights(t *testing.T) {
	from := affinityPlanted(t, "a0,b0", 1)
	path := filepath.Join(from, "weights.gob")
	if err := faultfile.ZeroMiddle(path, 64); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "upd")
	var stdout, stderr bytes.Buffer
	code := run([]string{"update", "-from", from, "-add", "c0", "-out", out}, &stdout, &stderr)
	if msg := stderr.String(); code != 2 || !strings.Contains(msg, path) || !strings.Contains(msg, "damaged") {
		t.Errorf("exit %d, stderr %q: want exit 2 naming %s as damaged", code, msg, path)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("wrote %s", out)
	}
}

// tag check: exit 0 on a clean folder, 1 with the damaged file and its
// repair on standard output, 2 for a folder that is no tag folder or no
// folder at all.
func TestCheckCommand(t *testing.T) {
	dir := affinityPlanted(t, "a0,b0", 1)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check", dir}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "0 damaged") {
		t.Fatalf("clean folder: exit %d, %s%s", code, stdout.String(), stderr.String())
	}
	sums := filepath.Join(dir, "affinity-sums.json")
	b, _ := os.ReadFile(sums)
	os.WriteFile(sums, append(b, ' '), 0o644)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"check", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "damaged: "+sums) || !strings.Contains(stdout.String(), "repair: ") {
		t.Errorf("damaged sums: exit %d, stdout %q", code, stdout.String())
	}
	for _, args := range [][]string{{"check"}, {"check", t.TempDir()}, {"check", filepath.Join(dir, "nope")}} {
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// Two commands with different configurations started together on one
// folder: exactly one runs, the other exits 2 (refused by the folder's
// configuration or, when it comes later, by what the first left), in every
// try: tag affinity with two learning rates, tag run with two epoch counts
// (issue 21's reproduction, where both used to exit 0).
func TestOneConfigurationPerFolder(t *testing.T) {
	for _, c := range []struct {
		args   []string
		flag   string
		values [2]string
	}{
		{[]string{"affinity", "-data", "planted", "-tasks", "a0,b0", "-epochs", "1"}, "-lr", [2]string{"0.1", "0.05"}},
		{[]string{"run", "-data", "planted", "-tasks", "a0,b0,c0", "-methods", "mtl,stl", "-seeds", "1"}, "-epochs", [2]string{"1", "2"}},
	} {
		for i := range 4 {
			out := filepath.Join(t.TempDir(), "out")
			var codes [2]int
			var msgs [2]string
			var wg sync.WaitGroup
			for k, v := range c.values {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var stdout, stderr bytes.Buffer
					args := append(slices.Clone(c.args), c.flag, v, "-out", out)
					codes[k] = run(args, &stdout, &stderr)
					msgs[k] = stderr.String()
				}()
			}
			wg.Wait()
			if codes[0]+codes[1] != 2 || codes[0]*codes[1] != 0 {
				t.Errorf("%s try %d: exits %v, want one 0 and one 2 (%q)", c.args[0], i, codes, msgs)
			}
		}
	}
}
