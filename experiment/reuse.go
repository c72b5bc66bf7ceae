package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
)

// readManifest reads the manifest of the run in l.
func readManifest(l Layout) (*manifest, error) {
	b, err := atomicfile.ReadFile(l.Manifest())
	if err != nil {
		return nil, fmt.Errorf("%s is not a tag run directory: %w", l.Dir, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", l.Manifest(), err)
	}
	return &m, nil
}

// oldUnit is a finished unit of another run that a run may reuse: its
// file there and its record.
type oldUnit struct {
	path string
	rec  *unitRecord
}

// reusableUnits indexes, by their keys under configuration hash toHash,
// the finished units of the run in from made under configuration hash
// fromHash whose tasks are all among tasks: those a run on tasks may
// reuse rather than train (copyUnit). A unit's key depends on the
// configuration hash (data and recipe), the seed and its own task list (in
// run order) only, so when the two runs share data and recipe (equal
// hashes) and tasks keeps the order of from's tasks, each indexed unit is
// one the new run would otherwise train. Where the hashes differ (data
// that differ only in what the unit does not read, From.Restrict), it is
// indexed under its key for toHash. Nothing is copied: a run copies only
// the units it uses (From.reuseUnits).
func reusableUnits(from Layout, tasks []string, fromHash, toHash string) (map[string]oldUnit, error) {
	entries, err := os.ReadDir(from.Units())
	if err != nil {
		return nil, err
	}
	out := map[string]oldUnit{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		p := from.Unit(name)
		u, _, err := readUnit(p)
		if err != nil {
			return nil, err
		}
		if u.ConfigHash != fromHash || slices.ContainsFunc(u.Tasks, func(t string) bool { return !slices.Contains(tasks, t) }) {
			continue
		}
		out[u.unit().key(toHash)] = oldUnit{p, u}
	}
	return out, nil
}

// reuseUnits copies into to, as the units of configuration hash toHash
// they stand for, the finished units of f (prepare's index) among us, the
// units a phase of the new run needs, and records them as reused; a unit
// to already holds (copied by an earlier session) is left as it is and
// counted as reused too.
func (f *From) reuseUnits(to Layout, us []keyedUnit, toHash string) error {
	for _, j := range us {
		old, ok := f.reusable[j.key]
		if !ok {
			continue
		}
		if err := copyUnit(old.path, to.Unit(j.key), old.rec, toHash); err != nil {
			return fmt.Errorf("-from: %w", err)
		}
		f.reused[j.key] = true
	}
	return nil
}
