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

// ReuseUnits copies into the run directory to every finished unit of the
// run in from made under configuration hash fromHash whose tasks are all
// among tasks, as the unit of configuration hash toHash it stands for,
// and returns the keys in to of all such units (those to already had
// included). A unit's key depends on the configuration hash (data and
// recipe), the seed and its own task list (in run order) only, so when
// the two runs share data and recipe (equal hashes) and tasks
// keeps the order of from's tasks, each copied unit is one the run in to
// would otherwise train, copied as it is. Where the hashes differ (data
// that differ only in what the unit does not read, From.Restrict), its
// record is written again with toHash, under its key for toHash.
func ReuseUnits(from, to Layout, tasks []string, fromHash, toHash string) ([]string, error) {
	entries, err := os.ReadDir(from.Units())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(to.Units(), 0o755); err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		u, _, err := readUnit(from.Unit(name))
		if err != nil {
			return nil, err
		}
		if u.ConfigHash != fromHash || slices.ContainsFunc(u.Tasks, func(t string) bool { return !slices.Contains(tasks, t) }) {
			continue
		}
		key := u.unit().key(toHash)
		if err := copyUnit(from.Unit(name), to.Unit(key), u, toHash); err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}
