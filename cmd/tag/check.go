package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tagroup/tag/affinityrun"
)

func init() {
	register(&command{
		name:    "check",
		summary: "verify every file of a run or affinity folder and say how to repair what is damaged",
		run:     runCheck,
	})
}

// errDamaged is tag check's failure: it found damaged files (exit 1).
var errDamaged = errors.New("damaged files found")

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	setUsage(fs, stderr, "usage: tag check DIR\n\n"+
		"Verifies every file of a tag run directory or a tag affinity (tag update) folder: each file\n"+
		"against its checksum file NAME.sha256, the values read back (losses, error rates, affinity\n"+
		"sums, matrices), and a run's unit files against its manifest. Prints each damaged file with\n"+
		"the command that repairs it. Files without a checksum file (written before checksums) are\n"+
		"counted, and checked for their values only.\n\n"+
		"EXIT STATUS\n  0  nothing damaged\n  1  damaged files (listed on standard output)\n  2  bad usage: DIR missing or not a tag folder")
	var dirs []string
	var flags []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		} else {
			dirs = append(dirs, a)
		}
	}
	if err := parseFlags(fs, flags); err != nil {
		return err
	}
	if len(dirs) != 1 {
		return badInputf("want one folder to check (tag check DIR), got %d", len(dirs))
	}
	dir := filepath.Clean(dirs[0])
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return badInputf("%s is not a folder", dir)
	}
	rep, err := affinityrun.CheckFolder(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s folder, %d files verified, %d without a checksum file, %d damaged\n",
		dir, rep.Kind, rep.Verified, rep.Unverified, len(rep.Damaged))
	for _, d := range rep.Damaged {
		fmt.Fprintf(stdout, "damaged: %s: %s\n  repair: %s\n", d.Path, d.Problem, d.Repair)
	}
	if !rep.Clean() {
		return fmt.Errorf("%d damaged file(s) in %s: %w", len(rep.Damaged), dir, errDamaged)
	}
	return nil
}
