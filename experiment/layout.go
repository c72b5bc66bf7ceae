package experiment

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Layout names every file and folder of a run directory. It is the one
// place where those names are written: the experiment, the trainer that
// trains its networks, the report and the command line all ask it.
//
//	DIR/manifest.json        what the units depend on (data, recipe)
//	DIR/units/KEY.json       one finished network (a unit), written atomically
//	DIR/checkpoints/KEY/     the exact checkpoint of a network in training
//	DIR/states/KEY/          what an affinity run leaves to be continued (Job.StateDir)
//	DIR/locks/KEY.lock       held (flock) by the process training that network
//	DIR/results.json         every method's results
//	DIR/report.md, plots/    the report and its figures
//	DIR/affinity.csv, cosine.csv, trajectory.csv   the TAG measurement
//	DIR/run.json             the record of a `tag affinity` (or `tag update`) run
//	DIR/weights.gob, affinity-sums.json   what `tag update` continues from
//	DIR/weights-quarter.gob  the weights a quarter of the way through (an update's start)
//	DIR/changes.md           what a `tag update` changed
//	DIR/reuse.md             what `tag run -from` reused of another run
//	DIR/plans/phase-N.json   the units of phase N handed to an executor (Plan)
//	DIR/jobs/                what an executor submits: job logs, manifests
//	DIR/.active.json, .active.lock, .config.lock   the configuration of the
//	                         processes at work in DIR, and its locks (dirlock)
//	NAME.sha256              beside every file: its checksum (atomicfile)
//
// A unit's checkpoint folder carries the unit's key, so a checkpoint can
// always be matched to the unit file it will become.
type Layout struct {
	// Dir is the run directory.
	Dir string
}

func (l Layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.Dir}, elem...)...)
}

// Manifest is DIR/manifest.json.
func (l Layout) Manifest() string { return l.path("manifest.json") }

// Units is the folder of finished units.
func (l Layout) Units() string { return l.path("units") }

// Unit is the file of the unit with the given key.
func (l Layout) Unit(key string) string { return l.path("units", key+".json") }

// makeDirs creates the folders units are written and locked in (and the
// run directory itself).
func (l Layout) makeDirs() error {
	for _, d := range []string{l.Units(), l.Locks()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// Checkpoints is the folder of the checkpoints of networks in training.
func (l Layout) Checkpoints() string { return l.path("checkpoints") }

// Checkpoint is the checkpoint folder of the unit with the given key.
func (l Layout) Checkpoint(key string) string { return l.path("checkpoints", key) }

// States is the folder of the affinity units' saved states.
func (l Layout) States() string { return l.path("states") }

// State is the folder in which the affinity unit with the given key
// leaves what a continuation of it needs (its weights, per-pair sums and
// trajectory, in files named as Weights, AffinitySums and TrajectoryCSV
// name them, and its snapshot, as WeightsQuarter names it, when it has one), kept after the unit is finished.
func (l Layout) State(key string) string { return l.path("states", key) }

// Locks is the folder of the units' lock files.
func (l Layout) Locks() string { return l.path("locks") }

// UnitLock is the lock file of the unit with the given key: the process
// that trains the unit holds an exclusive lock on it. Lock files are kept
// (removing one could let two processes lock two different files).
func (l Layout) UnitLock(key string) string { return l.path("locks", key+".lock") }

// Results is DIR/results.json.
func (l Layout) Results() string { return l.path("results.json") }

// Report is DIR/report.md.
func (l Layout) Report() string { return l.path("report.md") }

// Plots is the folder of the figures.
func (l Layout) Plots() string { return l.path("plots") }

// Plot is the file of figure name in format (png, svg).
func (l Layout) Plot(name, format string) string { return l.path("plots", name+"."+format) }

// PlotRef is the path of a figure relative to the report, for links.
func (l Layout) PlotRef(name, format string) string { return "plots/" + name + "." + format }

// AffinityCSV is DIR/affinity.csv, readable by `tag group`.
func (l Layout) AffinityCSV() string { return l.path("affinity.csv") }

// CosineCSV is DIR/cosine.csv.
func (l Layout) CosineCSV() string { return l.path("cosine.csv") }

// TrajectoryCSV is DIR/trajectory.csv.
func (l Layout) TrajectoryCSV() string { return l.path("trajectory.csv") }

// RunRecord is DIR/run.json, the record of a `tag affinity` run.
func (l Layout) RunRecord() string { return l.path("run.json") }

// Weights is DIR/weights.gob: the network's parameters after the last step of
// a `tag affinity` run, heads by task (mtl.Parameters), from which `tag
// update` continues.
func (l Layout) Weights() string { return l.path("weights.gob") }

// WeightsQuarter is DIR/weights-quarter.gob: the network's parameters a
// quarter of the way through the planned steps of an affinity run, heads
// by task (mtl.Parameters), from which `tag update -start quarter` trains;
// absent when the run stopped before that step. An update keeps the one
// of the run it continued.
func (l Layout) WeightsQuarter() string { return l.path("weights-quarter.gob") }

// AffinitySums is DIR/affinity-sums.json: the sums and counts of every
// pair's measurements behind affinity.csv and cosine.csv
// (affinity.PairSums), which `tag update` combines with its own.
func (l Layout) AffinitySums() string { return l.path("affinity-sums.json") }

// Changes is DIR/changes.md, written by `tag update`: the groupings before
// and after, the groups kept and the networks to train anew.
func (l Layout) Changes() string { return l.path("changes.md") }

// Reuse is DIR/reuse.md, written by `tag run -from OLD`: the networks
// reused from OLD and trained anew, and their training time against a
// full re-run's.
func (l Layout) Reuse() string { return l.path("reuse.md") }

// Plans is the folder of the phases' plans.
func (l Layout) Plans() string { return l.path("plans") }

// Plan is the plan of a phase (1, 2); a negative phase gives a glob
// pattern matching every plan.
func (l Layout) Plan(phase int) string { return l.path("plans", planFile(phase)) }

// Jobs is the folder of what an executor submits for the run: Slurm's job
// output files, Kubernetes manifests.
func (l Layout) Jobs() string { return l.path("jobs") }

// Job is the file named name in Jobs.
func (l Layout) Job(name string) string { return l.path("jobs", name) }

// AffinityOutputs lists what a `tag affinity` or `tag update` run writes
// besides its checkpoint, so that it can be replaced as a whole.
func (l Layout) AffinityOutputs() []string {
	return []string{l.AffinityCSV(), l.CosineCSV(), l.TrajectoryCSV(), l.Plots(), l.Weights(), l.WeightsQuarter(), l.AffinitySums(),
		l.Changes(), l.RunRecord()}
}

// DefaultDir is the run directory of a data set when none is given:
// runs/ and the data set's name as a folder name (dirName).
func DefaultDir(dataName string) string { return filepath.Join("runs", dirName(dataName)) }

// dirName turns a data set name into a folder name: a file's base name
// without its extension, or a generator's description with every run of
// other characters turned into "-" (dots in values such as noise=0.5 are
// kept, so that two descriptions never share a folder by truncation).
func dirName(name string) string {
	if ext := filepath.Ext(name); strings.IndexFunc(ext[min(1, len(ext)):], isNotAlnum) < 0 {
		name = strings.TrimSuffix(filepath.Base(name), ext)
	}
	s := strings.Trim(regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(name, "-"), "-.")
	if s == "" {
		return "data"
	}
	return s
}

// isNotAlnum reports whether r is outside [A-Za-z0-9].
func isNotAlnum(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
}
