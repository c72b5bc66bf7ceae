package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/shellquote"
	"github.com/tagroup/tag/taskmatrix"
)

// Damage is one damaged file that a check found: the file, what is wrong
// with it and the command that repairs it.
type Damage struct {
	Path    string `json:"path"`
	Problem string `json:"problem"`
	Repair  string `json:"repair"`
}

// CheckReport is what a check of a directory found (see Check).
type CheckReport struct {
	// Dir is the directory; Kind says what it holds ("tag run" or "tag
	// affinity").
	Dir, Kind string
	// Verified counts the files whose content matches their checksum file,
	// Unverified those without one (written before checksums).
	Verified, Unverified int
	// Damaged lists the damaged files, in path order.
	Damaged []Damage
}

// Clean reports whether nothing is damaged.
func (r *CheckReport) Clean() bool { return len(r.Damaged) == 0 }

// Add records the damage of path, unless path is damaged already (one
// finding per file: a file whose checksum differs is not decoded as well).
func (r *CheckReport) Add(path, problem, repair string) {
	if r.Has(path) {
		return
	}
	r.Damaged = append(r.Damaged, Damage{Path: path, Problem: problem, Repair: repair})
}

// Has reports whether path is among the damaged files.
func (r *CheckReport) Has(path string) bool {
	for _, d := range r.Damaged {
		if d.Path == path {
			return true
		}
	}
	return false
}

// usable reports whether path exists and is not found damaged yet: a file
// whose content a check goes on to decode.
func (r *CheckReport) usable(path string) bool {
	_, err := os.Stat(path)
	return err == nil && !r.Has(path)
}

// notes are the files of a directory that carry no content of their own:
// checksum files, lock files and temporary files.
var notes = regexp.MustCompile(`(\.sha256|\.lock|\.tmp-[^/]*|\.tmp[0-9]+)$`)

// CheckFiles verifies every file below dir against its checksum file
// (atomicfile.Verify) and returns the report, each damaged file with the
// command repair gives for it. Checksum, lock and temporary files are not
// counted.
func CheckFiles(dir, kind string, repair func(path string) string) (*CheckReport, error) {
	rep := &CheckReport{Dir: dir, Kind: kind}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || notes.MatchString(d.Name()) {
			return nil
		}
		st, err := atomicfile.Verify(p)
		var ce *atomicfile.ChecksumError
		switch {
		case errors.As(err, &ce):
			rep.Add(p, "its content does not match its checksum file "+filepath.Base(ce.Sidecar), repair(p))
		case err != nil:
			rep.Add(p, err.Error(), repair(p))
		case st == atomicfile.Verified:
			rep.Verified++
		default:
			rep.Unverified++
		}
		return nil
	})
	return rep, err
}

// Check verifies every file of the tag run directory dir: each file
// against its checksum file, the manifest, each unit file against the
// manifest (its configuration hash and its key) and for the domain of its
// values, the plans, results.json and the affinity matrices and
// trajectory. A directory without manifest.json is refused with a
// *ConfigError. The report's repairs are shell commands.
func Check(dir string) (*CheckReport, error) {
	l := Layout{Dir: dir}
	if _, err := os.Stat(l.Manifest()); err != nil {
		return nil, &ConfigError{fmt.Errorf("%s is not a tag run directory (no %s)", dir, filepath.Base(l.Manifest()))}
	}
	rep, err := CheckFiles(dir, "tag run", l.repair)
	if err != nil {
		return nil, err
	}
	var man manifest
	if b, err := os.ReadFile(l.Manifest()); err == nil && !rep.Has(l.Manifest()) {
		if err := json.Unmarshal(b, &man); err != nil || man.ConfigHash == "" {
			rep.Add(l.Manifest(), fmt.Sprintf("not a manifest (%v)", err), l.repair(l.Manifest()))
		}
	}
	units, _ := filepath.Glob(filepath.Join(l.Units(), "*.json"))
	for _, p := range units {
		if rep.usable(p) {
			if problem := checkUnitFile(p, man.ConfigHash); problem != "" {
				rep.Add(p, problem, l.repair(p))
			}
		}
	}
	plans, _ := filepath.Glob(l.Plan(-1))
	for _, p := range plans {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(p), planName, &n); err != nil || !rep.usable(p) {
			continue
		}
		if _, err := ReadPlan(dir, n); err != nil {
			rep.Add(p, err.Error(), l.repair(p))
		}
	}
	if p := l.Results(); rep.usable(p) {
		b, err := os.ReadFile(p)
		if err == nil {
			_, err = ReadResults(bytes.NewReader(b))
		}
		if err != nil {
			rep.Add(p, fmt.Sprintf("not a results file (%v)", err), l.repair(p))
		}
	}
	CheckAffinityFiles(rep, l, l.repair)
	return rep, nil
}

// CheckAffinityFiles checks the matrices and the trajectory of l that are
// there and not found damaged yet for their form and domain (finite
// values, square, distinct tasks), adding what it finds to rep.
func CheckAffinityFiles(rep *CheckReport, l Layout, repair func(string) string) {
	readMatrix := func(p string) error { _, err := taskmatrix.ReadFile(p); return err }
	readTrajectory := func(p string) error { _, err := taskmatrix.ReadTrajectoryFile(p); return err }
	for _, f := range []struct {
		path string
		read func(string) error
	}{{l.AffinityCSV(), readMatrix}, {l.CosineCSV(), readMatrix}, {l.TrajectoryCSV(), readTrajectory}} {
		if !rep.usable(f.path) {
			continue
		}
		if err := f.read(f.path); err != nil {
			rep.Add(f.path, err.Error(), repair(f.path))
		}
	}
}

// checkUnitFile returns what is wrong with the unit file p of a run whose
// manifest has configuration hash configHash ("" when the manifest is
// damaged), or "".
func checkUnitFile(p, configHash string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return err.Error()
	}
	var r unitRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Sprintf("not a unit file (%v)", err)
	}
	if configHash != "" && r.ConfigHash != configHash {
		return fmt.Sprintf("made for configuration %s, but manifest.json has %s", r.ConfigHash, configHash)
	}
	key := strings.TrimSuffix(filepath.Base(p), ".json")
	if got := r.unit().key(r.ConfigHash); got != key {
		return fmt.Sprintf("holds %s seed %d, whose key is %s, not its file name's", r.unit(), r.Seed, got)
	}
	if err := r.check(filepath.Base(p)); err != nil {
		return err.Error()
	}
	return ""
}

// repair is the command that repairs the damaged file p of a run
// directory: a unit file, a plan or the manifest is removed (with its
// checksum file) and the run repeated, which trains the unit again or
// writes the file anew; a checkpoint folder is removed (a rerun also
// restarts a damaged checkpoint by itself); results.json, the report, the
// plots and the matrices are written anew by a rerun, from the units.
func (l Layout) repair(p string) string {
	rerun := fmt.Sprintf("rerun the tag run command that made %s", l.Dir)
	rel, err := filepath.Rel(l.Dir, p)
	if err != nil {
		rel = p
	}
	switch top := strings.Split(filepath.ToSlash(rel), "/")[0]; {
	case top == "checkpoints":
		return fmt.Sprintf("rm -r %s (or %s: it restarts that network by itself)", shellquote.Quote(filepath.Dir(p)), rerun)
	case top == "units":
		return fmt.Sprintf("rm %s %s, then %s (the network is trained again)", shellquote.Quote(p), shellquote.Quote(atomicfile.Sidecar(p)), rerun)
	case top == "plans" || p == l.Manifest():
		return fmt.Sprintf("rm %s %s, then %s", shellquote.Quote(p), shellquote.Quote(atomicfile.Sidecar(p)), rerun)
	}
	return rerun + " (it writes " + rel + " anew)"
}
