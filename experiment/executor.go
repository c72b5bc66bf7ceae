package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
)

// An Executor trains the units of a phase that are not finished yet,
// somewhere else than in the running process: as a Slurm job array, a
// Kubernetes Indexed Job, ... (package cluster). Run hands it each phase
// that has units to train, after writing the phase's Plan to the run
// directory; a worker process trains unit i of the plan with Plan.RunUnit.
// Execute returns once the units are finished, or with an error; Run then
// reads the unit files, so an executor need not report results, only the
// jobs it submitted.
//
// Local (the default, Config.Executor nil) trains in the running process
// with up to Config.Workers goroutines and writes no plan.
type Executor interface {
	// Name names the executor in results.json ("local", "slurm", "k8s").
	Name() string
	// Execute trains the plan's units and returns the identifiers of the
	// jobs it submitted (also when it fails, as far as it got).
	Execute(ctx context.Context, p *Plan) (jobs []string, err error)
}

// Local is the default Executor: Run trains the units itself, with up to
// Config.Workers at once. Its Execute is never called by Run; called
// directly it refuses.
type Local struct{}

// Name returns "local".
func (Local) Name() string { return "local" }

// Execute refuses: Run trains locally without it.
func (Local) Execute(context.Context, *Plan) ([]string, error) {
	return nil, errors.New("experiment: the local executor trains within Run")
}

// ExecutorRecord is results.json's record of where the units were trained.
type ExecutorRecord struct {
	// Name is Executor.Name.
	Name string `json:"name"`
	// Phases lists the phases handed to the executor with the jobs it
	// submitted for them (none for a local run).
	Phases []PhaseJobs `json:"phases,omitempty"`
}

// PhaseJobs are the jobs submitted for one phase of the run.
type PhaseJobs struct {
	// Phase is the phase number (Plan.Phase).
	Phase int `json:"phase"`
	// Units is the number of units the phase's plan held.
	Units int `json:"units"`
	// Jobs are the executor's job identifiers (Slurm job ids, Kubernetes
	// Job names), in submission order; retries add more.
	Jobs []string `json:"jobs"`
}

// Plan is the list of units of one phase that a worker process trains,
// written to Layout.Plan(phase) before the phase is handed to an Executor.
// Unit i of the plan is trained by `tag unit -dir DIR -phase N -index i`
// (or Plan.RunUnit). Units are in training order: the largest first.
type Plan struct {
	// Phase is 1 for the units the methods need before they choose (the
	// affinity runs, HOA's pairs, the baselines, ...) and 2 for the
	// networks of the chosen groups.
	Phase int `json:"phase"`
	// ConfigHash is the manifest's hash of the data and recipe; a worker
	// checks that its Trainer has the same.
	ConfigHash string `json:"config_hash"`
	// Worker holds what a worker process needs to rebuild the Trainer
	// (Config.Worker; for tag, the arguments of `tag run`).
	Worker []string `json:"worker,omitempty"`
	// WorkDir is the working directory of the process that wrote the plan,
	// against which relative paths in Worker resolve.
	WorkDir string `json:"work_dir,omitempty"`
	// Units are the units to train, by index.
	Units []PlanUnit `json:"units"`

	layout Layout
}

// PlanUnit is one unit of a plan.
type PlanUnit struct {
	// Key is the unit's key (Job.Key): its file is Layout.Unit(Key).
	Key string `json:"key"`
	// Kind is "group" (TrainGroup) or "affinity" (AffinityRun).
	Kind string `json:"kind"`
	// Tasks, Seed and UpdateRule are the Job's (UpdateRule keeps the JSON
	// name "balance" of plans written before it was renamed).
	Tasks      []string `json:"tasks"`
	Seed       uint64   `json:"seed"`
	UpdateRule string   `json:"balance,omitempty"`
	// Continue is set for an affinity run that continues an earlier
	// run's (Job.Continue).
	Continue *Continuation `json:"continue,omitempty"`
}

func (u PlanUnit) unit() unit {
	return unit{kind: u.Kind, tasks: u.Tasks, seed: u.Seed, balance: u.UpdateRule, cont: u.Continue}
}

// String describes the unit as progress lines and errors do, e.g.
// "group[a+b]".
func (u PlanUnit) String() string { return u.unit().String() }

// Dir returns the run directory of the plan.
func (p *Plan) Dir() string { return p.layout.Dir }

// Path returns the plan's file.
func (p *Plan) Path() string { return p.layout.Plan(p.Phase) }

// Done reports whether unit i's file exists (a worker can stop at once).
func (p *Plan) Done(i int) bool {
	_, err := os.Stat(p.layout.Unit(p.Units[i].Key))
	return err == nil
}

// Missing returns the indices of the units whose files do not exist yet,
// in increasing order.
func (p *Plan) Missing() []int {
	var out []int
	for i := range p.Units {
		if !p.Done(i) {
			out = append(out, i)
		}
	}
	return out
}

// MissingError reports units of a plan that are still missing once an
// executor has given up.
type MissingError struct {
	// Plan is the phase's plan.
	Plan *Plan
	// Indices are the missing units' indices in the plan.
	Indices []int
	// Reason says why the executor gave up (e.g. "after 3 submissions").
	Reason string
}

// Error names every missing unit (up to 10) by index, description and key.
func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "phase %d: %d of %d units not trained %s:", e.Plan.Phase, len(e.Indices), len(e.Plan.Units), e.Reason)
	for n, i := range e.Indices {
		if n == 10 {
			fmt.Fprintf(&b, " … and %d more", len(e.Indices)-n)
			break
		}
		u := e.Plan.Units[i]
		fmt.Fprintf(&b, " [%d] %s (%s)", i, u, e.Plan.layout.Unit(u.Key))
		if n < len(e.Indices)-1 {
			b.WriteByte(';')
		}
	}
	b.WriteString("; rerun the same command to resume")
	return b.String()
}

// newPlan returns the plan of the units of us not yet on disk, largest
// first, or nil when every unit is finished.
func (s *store) newPlan(phase int, us []unit, worker []string) (*Plan, error) {
	p := &Plan{Phase: phase, ConfigHash: s.configHash, Worker: worker, layout: s.layout}
	for _, j := range s.distinct(us) {
		r, err := s.load(j.u, j.key)
		if err != nil {
			return nil, err
		}
		if r == nil {
			u := j.u
			p.Units = append(p.Units, PlanUnit{Key: j.key, Kind: u.kind, Tasks: u.tasks, Seed: u.seed, UpdateRule: u.balance, Continue: u.cont})
		}
	}
	if len(p.Units) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(p.Units, func(a, b PlanUnit) int { return unitCost(b.unit()) - unitCost(a.unit()) })
	if wd, err := os.Getwd(); err == nil {
		p.WorkDir = wd
	}
	return p, nil
}

// write stores the plan atomically in Layout.Plan.
func (p *Plan) write() error {
	if err := os.MkdirAll(p.layout.Plans(), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(p.Path(), append(b, '\n'))
}

// ReadPlan reads the plan of a phase from run directory dir; phase 0 means
// the highest-numbered plan there.
func ReadPlan(dir string, phase int) (*Plan, error) {
	l := Layout{Dir: dir}
	if phase == 0 {
		names, err := filepath.Glob(l.Plan(-1)) // the pattern of every plan
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			var n int
			if _, err := fmt.Sscanf(filepath.Base(name), planName, &n); err == nil && n > phase {
				phase = n
			}
		}
		if phase == 0 {
			return nil, fmt.Errorf("%s: no plan (a run with an executor other than local writes one per phase)", l.Plans())
		}
	}
	path := l.Plan(phase)
	b, err := atomicfile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no plan for phase %d", path, phase)
	}
	if err != nil {
		return nil, err
	}
	p := &Plan{layout: l}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	for i, u := range p.Units {
		if got := u.unit().key(p.ConfigHash); got != u.Key {
			return nil, fmt.Errorf("plan %s: unit %d (%s) has key %s, but its tasks, seed and rule give %s", path, i, u, u.Key, got)
		}
	}
	return p, nil
}

// ConfigHash returns the hash that keys a run directory's units: that of
// the data description and the Trainer's recipe, as Run computes it (and
// as manifest.json records it).
func ConfigHash(data map[string]any, recipe any) (string, error) {
	m, err := newManifest(data, recipe)
	if err != nil {
		return "", err
	}
	return m.ConfigHash, nil
}

// RunUnit trains unit i of the plan with tr, whose data description is
// data (Config.Data of the run): it checks that data and recipe give the
// plan's configuration hash, then trains the unit and writes its file, as
// Run would. A unit whose file exists is not trained again (reused is
// true); a unit another process is training is waited for and read. Two
// workers handed the same index are harmless: one trains, the other reads.
func (p *Plan) RunUnit(ctx context.Context, i int, data map[string]any, tr Trainer) (reused bool, err error) {
	if i < 0 || i >= len(p.Units) {
		return false, fmt.Errorf("plan %s: index %d out of range: the plan has %d units (0 to %d)", p.Path(), i, len(p.Units), len(p.Units)-1)
	}
	hash, err := ConfigHash(data, tr.Recipe())
	if err != nil {
		return false, err
	}
	if hash != p.ConfigHash {
		return false, fmt.Errorf("plan %s: this worker's data and recipe have config hash %s, the plan's %s (another data file, flag or tag version?)",
			p.Path(), hash, p.ConfigHash)
	}
	if err := p.layout.makeDirs(); err != nil {
		return false, err
	}
	s := &store{layout: p.layout, configHash: p.ConfigHash, trainer: tr, workers: 1, records: map[string]*unitRecord{}}
	u := p.Units[i]
	_, reused, err = s.claim(ctx, u.unit(), u.Key, true)
	return reused, err
}

// execute makes every unit of us finished: copied from the run continued
// (Config.From), or trained in this process (Local) or by handing the
// phase's plan of missing units to the executor, after which every unit
// must be on disk.
func (e *run) execute(ctx context.Context, phase int, us []unit) error {
	if f := e.cfg.From; f != nil {
		// The units of the run continued that this phase uses.
		if err := f.reuseUnits(e.st.layout, e.st.distinct(us), e.st.configHash); err != nil {
			return err
		}
	}
	ex := e.cfg.Executor
	if _, local := ex.(Local); ex == nil || local {
		return e.st.ensure(ctx, us)
	}
	p, err := e.st.newPlan(phase, us, e.cfg.Worker)
	if err != nil {
		return err
	}
	if p != nil {
		if err := p.write(); err != nil {
			return err
		}
		e.phase("phase %d: %d units handed to executor %s (plan %s)", phase, len(p.Units), ex.Name(), p.Path())
		jobs, err := ex.Execute(ctx, p)
		e.jobs = append(e.jobs, PhaseJobs{Phase: phase, Units: len(p.Units), Jobs: jobs})
		if err != nil {
			return err
		}
		if miss := p.Missing(); len(miss) > 0 {
			return &MissingError{Plan: p, Indices: miss, Reason: "after executor " + ex.Name() + " finished"}
		}
	}
	// Every unit is on disk: ensure only reads.
	return e.st.ensure(ctx, us)
}

// executorRecord is results.json's record of the run's executor.
func (e *run) executorRecord() *ExecutorRecord {
	name := "local"
	if e.cfg.Executor != nil {
		name = e.cfg.Executor.Name()
	}
	return &ExecutorRecord{Name: name, Phases: e.jobs}
}

// planName is the file name pattern of a phase's plan.
const planName = "phase-%d.json"

// planFile returns the file name of phase's plan; -1 gives a glob pattern
// matching every plan.
func planFile(phase int) string {
	if phase < 0 {
		return "phase-*.json"
	}
	return fmt.Sprintf(planName, phase)
}
