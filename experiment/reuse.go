package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

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
		b, err := atomicfile.ReadFile(from.Unit(key))
		if err != nil {
			return nil, err
		}
		var u unitRecord
		if err := json.Unmarshal(b, &u); err != nil {
			return nil, fmt.Errorf("unit file %s: %w", from.Unit(key), err)
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

// ReuseLog follows a run continued from another (tag run -from OLD -add
// ... -remove ...): from the run's progress, which networks it reused from
// From, which it trained and how many an earlier session of the run
// finished; Write reports its cost against a full re-run (reuse.md).
type ReuseLog struct {
	// From is the run continued from.
	From Layout
	// Tasks are the new run's tasks, Added and Removed the change.
	Tasks, Added, Removed []string

	mu               sync.Mutex
	seen             map[string]bool // unit keys reported
	reused, trained  []reusedUnit
	reusedFromBefore int // units of the new run's own earlier session
}

// reusedUnit is one network of the new run and its training time.
type reusedUnit struct {
	unit    string
	seconds float64
}

// Observe wraps a unit progress callback: it also records which networks
// were reused from From and which were trained.
func (r *ReuseLog) Observe(next func(Progress)) func(Progress) {
	return func(p Progress) {
		r.mu.Lock()
		if p.Unit != "" && !r.seen[p.Key] {
			if r.seen == nil {
				r.seen = map[string]bool{}
			}
			r.seen[p.Key] = true
			c := reusedUnit{unit: p.Unit, seconds: p.Seconds}
			switch {
			case !p.Reused:
				r.trained = append(r.trained, c)
			case fileExists(r.From.Unit(p.Key)):
				r.reused = append(r.reused, c)
			default:
				r.reusedFromBefore++
			}
		}
		r.mu.Unlock()
		if next != nil {
			next(p)
		}
	}
}

// Write writes the cost of the changed run against a full re-run's
// to w and to out's reuse.md.
func (r *ReuseLog) Write(w io.Writer, out Layout) error {
	var reused, trained float64
	for _, c := range r.reused {
		reused += c.seconds
	}
	for _, c := range r.trained {
		trained += c.seconds
	}
	text := func(w io.Writer) error {
		fmt.Fprintf(w, "# tag run -from %s\n\n", r.From.Dir)
		fmt.Fprintf(w, "- removed: %s\n- added: %s\n- tasks (%d): %s\n", listOrNone(r.Removed), listOrNone(r.Added), len(r.Tasks), strings.Join(r.Tasks, ", "))
		fmt.Fprintf(w, "- networks reused from %s: %d (their training took %.1f s there)\n", r.From.Dir, len(r.reused), reused)
		fmt.Fprintf(w, "- networks trained: %d (%.1f s)", len(r.trained), trained)
		if r.reusedFromBefore > 0 {
			fmt.Fprintf(w, ", and %d finished by an earlier session of this run", r.reusedFromBefore)
		}
		fmt.Fprintln(w)
		if total := reused + trained; total > 0 {
			fmt.Fprintf(w, "- training time of this run against a full re-run: %.1f s of %.1f s (%.0f%%), %d of %d networks\n",
				trained, total, 100*trained/total, len(r.trained), len(r.trained)+len(r.reused))
		}
		return nil
	}
	if err := text(w); err != nil {
		return err
	}
	return atomicfile.Write(out.Reuse(), text)
}

// listOrNone joins xs with commas, or says none.
func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
