package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/jsondiff"
)

// SetupDiff compares what the units of the run in l were made with (its
// manifest's data description and recipe) with data and recipe, as
// Config.Data and Trainer.Recipe give them, and returns the fields that
// differ in each (jsondiff.Fields lines), both empty when the units of l
// can serve a run with this data and recipe.
func SetupDiff(l Layout, data map[string]any, recipe any) (dataDiff, recipeDiff []string, err error) {
	b, err := atomicfile.ReadFile(l.Manifest())
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a tag run directory: %w", l.Dir, err)
	}
	var old manifest
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", l.Manifest(), err)
	}
	here, err := newManifest(data, recipe)
	if err != nil {
		return nil, nil, err
	}
	return jsondiff.Fields(old.Data, here.Data), jsondiff.Fields(old.Recipe, here.Recipe), nil
}

// ReuseUnits copies into the run directory to every finished unit of the
// run in from whose tasks are all among tasks and that to lacks, and
// returns their keys. A unit's key depends on the data, the recipe, the
// seed and its own task list (in run order) only, so when the two runs
// share data and recipe (SetupDiff) and tasks keeps the order of from's
// tasks, each copied unit is one the run in to would otherwise train.
func ReuseUnits(from, to Layout, tasks []string) ([]string, error) {
	entries, err := os.ReadDir(from.Units())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(to.Units(), 0o755); err != nil {
		return nil, err
	}
	var copied []string
	for _, e := range entries {
		key, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		if _, err := os.Stat(to.Unit(key)); err == nil {
			continue
		}
		u, b, err := readUnit(from.Unit(key))
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(u.Tasks, func(t string) bool { return !slices.Contains(tasks, t) }) {
			continue
		}
		if err := atomicfile.WriteBytes(to.Unit(key), b); err != nil {
			return nil, err
		}
		copied = append(copied, key)
	}
	return copied, nil
}
