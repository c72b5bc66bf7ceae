package experiment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/taskmatrix"
)

// Unit kinds.
const (
	kindGroup    = "group"
	kindAffinity = "affinity"
)

// unit is one network to train: a task set (in the run's task order), a
// kind, a seed and the multi-task update rule ("" for the plain sum of
// losses).
type unit struct {
	kind    string
	tasks   []string
	seed    uint64
	balance string
	// cont, for an affinity unit, continues an earlier run's affinity
	// unit instead of training from scratch.
	cont *Continuation
}

// key names the unit's file and checkpoint folder: kind, size and a hash of
// the configuration hash, kind, seed, tasks, (when set) update rule and
// (for a continued affinity run) what it continues and how
// (Continuation's From, Budgets, Rule and Settings).
func (u unit) key(configHash string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d", configHash, u.kind, u.seed)
	for _, t := range u.tasks {
		fmt.Fprintf(h, "\x00%s", t)
	}
	if u.balance != "" {
		fmt.Fprintf(h, "\x01%s", u.balance)
	}
	if c := u.cont; c != nil {
		fmt.Fprintf(h, "\x02%s\x00%v\x00%s", c.From, c.Budgets, c.Rule)
		if c.Settings != nil {
			// Map keys in order: the same settings, the same bytes.
			b, _ := json.Marshal(c.Settings)
			fmt.Fprintf(h, "\x03%s", b)
		}
	}
	return fmt.Sprintf("%s-%d-%s", u.kind, len(u.tasks), hex.EncodeToString(h.Sum(nil))[:16])
}

// String is a short human description for progress and errors.
func (u unit) String() string {
	s := strings.Join(u.tasks, "+")
	if len(s) > 60 {
		s = fmt.Sprintf("%s+…(%d tasks)", u.tasks[0], len(u.tasks))
	}
	if u.balance != "" {
		s += " " + u.balance
	}
	if u.seed != 1 {
		s += fmt.Sprintf(" seed %d", u.seed)
	}
	if u.cont != nil {
		s += " continued"
	}
	return fmt.Sprintf("%s[%s]", u.kind, s)
}

// unitRecord is the content of DIR/units/<key>.json.
type unitRecord struct {
	Kind       string          `json:"kind"`
	Tasks      []string        `json:"tasks"`
	Seed       uint64          `json:"seed"`
	UpdateRule string          `json:"balance,omitempty"` // the JSON name of unit files before the rename
	Continue   *Continuation   `json:"continue,omitempty"`
	ConfigHash string          `json:"config_hash"`
	Group      *GroupResult    `json:"group,omitempty"`
	Affinity   *AffinityResult `json:"affinity,omitempty"`
}

// Progress reports one finished (or reused) unit, or, with an empty Unit,
// the start of training in a phase (Done counts the units reused).
type Progress struct {
	// Done and Total count the units of the current phase.
	Done, Total int
	// Unit describes the unit, e.g. "group[a+b]"; empty in the call that
	// starts the training of a phase.
	Unit string
	// Key is the unit's key (Job.Key).
	Key string
	// Pending, in the call that starts a phase, holds the relative cost of
	// each network left to train, in training order (its task count,
	// doubled for the affinity run), so that a progress display can
	// estimate the time left.
	Pending []int
	// Reused is true when the unit's result was read from the run directory.
	Reused bool
	// Seconds is the unit's training time.
	Seconds float64
}

// store holds the finished units of a run directory and trains missing ones.
type store struct {
	layout     Layout
	configHash string
	trainer    Trainer
	workers    int
	progress   func(Progress)

	mu      sync.Mutex
	records map[string]*unitRecord
	trained int // units trained (not reused) by this process
}

// get returns the finished record of u; it panics if u was not ensured, a
// bug in this package.
func (s *store) get(u unit) *unitRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[u.key(s.configHash)]
	if !ok {
		panic("experiment: unit not ensured: " + u.String())
	}
	return r
}

// lookup returns the finished record of u, if it is known.
func (s *store) lookup(u unit) (*unitRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[u.key(s.configHash)]
	return r, ok
}

// load reads the unit's file if it exists; (nil, nil) if it does not.
func (s *store) load(u unit, key string) (*unitRecord, error) {
	p := s.layout.Unit(key)
	b, err := atomicfile.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r unitRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("unit file %s: %w (delete it to retrain the unit)", p, err)
	}
	if r.Kind != u.kind || r.Seed != u.seed || r.UpdateRule != u.balance || r.ConfigHash != s.configHash || !slices.Equal(r.Tasks, u.tasks) ||
		r.Continue.from() != u.cont.from() {
		return nil, fmt.Errorf("unit file %s holds %s seed %d, not %s seed %d of this configuration",
			p, r.unit(), r.Seed, u, u.seed)
	}
	if err := r.check(p); err != nil {
		return nil, err
	}
	return &r, nil
}

// unit is the unit the record holds.
func (r *unitRecord) unit() unit {
	return unit{kind: r.Kind, tasks: r.Tasks, seed: r.Seed, balance: r.UpdateRule, cont: r.Continue}
}

// check validates a record's results against its task set.
func (r *unitRecord) check(name string) error {
	switch r.Kind {
	case kindGroup:
		if r.Group == nil {
			return fmt.Errorf("unit %s: no group result", name)
		}
		return checkMetrics(name, r.Tasks, r.Group.Tasks)
	case kindAffinity:
		a := r.Affinity
		if a == nil || a.Affinity == nil {
			return fmt.Errorf("unit %s: no affinity matrix", name)
		}
		var err error
		if a.Affinity, err = reorder(a.Affinity, r.Tasks); err != nil {
			return fmt.Errorf("unit %s: affinity matrix: %w", name, err)
		}
		if a.Cosine != nil {
			if a.Cosine, err = reorder(a.Cosine, r.Tasks); err != nil {
				return fmt.Errorf("unit %s: cosine matrix: %w", name, err)
			}
		}
		return checkMetrics(name, r.Tasks, a.Tasks)
	}
	return fmt.Errorf("unit %s: unknown kind %q", name, r.Kind)
}

// reorder validates m and returns it restricted to tasks, in their order.
func reorder(m *taskmatrix.Matrix, tasks []string) (*taskmatrix.Matrix, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.N() != len(tasks) {
		return nil, fmt.Errorf("has %d tasks, want %d", m.N(), len(tasks))
	}
	return m.Sub(tasks)
}

// errBusy reports a unit that another process is training.
var errBusy = errors.New("unit in training by another process")

// claim trains unit u, or reads it when another process finished it while
// this one waited: the unit's lock file (Layout.UnitLock, an exclusive
// flock) lets one process at a time train a unit and write its checkpoint,
// so two runs on one directory (two `tag run` started by mistake, or
// workers of a cluster handed the same unit) share the work instead of
// breaking each other's checkpoints. Without wait, a unit another process
// holds is left (errBusy) for later; with wait, claim waits for its lock.
// reused reports a unit read from disk.
func (s *store) claim(ctx context.Context, u unit, key string, wait bool) (r *unitRecord, reused bool, err error) {
	fl := flock.New(s.layout.UnitLock(key))
	var ok bool
	if wait {
		ok, err = fl.TryLockContext(ctx, 100*time.Millisecond)
	} else if ok, err = fl.TryLock(); err == nil && !ok {
		return nil, false, errBusy
	}
	if err != nil || !ok {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, false, ctxErr
		}
		return nil, false, fmt.Errorf("locking %s (%s): %w", u, s.layout.UnitLock(key), err)
	}
	defer fl.Unlock()
	if r, err := s.load(u, key); err != nil || r != nil {
		return r, r != nil, err
	}
	r, err = s.train(ctx, u, key)
	return r, false, err
}

// train runs one unit with the trainer and stores its record atomically.
func (s *store) train(ctx context.Context, u unit, key string) (*unitRecord, error) {
	r := &unitRecord{Kind: u.kind, Tasks: u.tasks, Seed: u.seed, UpdateRule: u.balance, Continue: u.cont, ConfigHash: s.configHash}
	job := Job{Key: key, Tasks: slices.Clone(u.tasks), Seed: u.seed, UpdateRule: u.balance, CheckpointDir: s.layout.Checkpoint(key)}
	if u.kind == kindAffinity {
		job.StateDir = s.layout.State(key)
		if u.cont != nil {
			c := *u.cont
			old, _, err := readUnit(s.layout.Unit(c.From))
			if err != nil {
				return nil, fmt.Errorf("the affinity run %s continues: %w", u, err)
			}
			c.State, c.Old = s.layout.State(c.From), old.Affinity
			job.Continue = &c
		}
	}
	var err error
	switch u.kind {
	case kindGroup:
		r.Group, err = s.trainer.TrainGroup(ctx, job)
	case kindAffinity:
		r.Affinity, err = s.trainer.AffinityRun(ctx, job)
	}
	if err != nil {
		return nil, fmt.Errorf("training %s: %w", u, err)
	}
	if err := r.check(u.String()); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", u, err)
	}
	if err := atomicfile.WriteBytes(s.layout.Unit(key), b); err != nil {
		return nil, err
	}
	// The unit file now holds the result: the checkpoint is spent.
	if err := os.RemoveAll(job.CheckpointDir); err != nil {
		return nil, fmt.Errorf("removing the finished checkpoint of %s: %w", u, err)
	}
	return r, nil
}

// unitCost is a unit's relative cost per training step (its task count,
// doubled for the affinity run's lookaheads); the queue starts with the
// largest units.
func unitCost(u unit) int {
	if u.kind == kindAffinity {
		return 2 * len(u.tasks)
	}
	return len(u.tasks)
}

// Cost is the relative cost of a training step of the job's network, as
// the experiment weighs its queue (unitCost, Progress.Pending): its task
// count, doubled for an affinity run (told by its key).
func (j Job) Cost() int {
	kind, _, _ := strings.Cut(j.Key, "-")
	return unitCost(unit{kind: kind, tasks: j.Tasks})
}

// keyedUnit is a unit with its key.
type keyedUnit struct {
	u   unit
	key string
}

// distinct returns the units of us with distinct keys, each with its key,
// in the order of their first occurrence.
func (s *store) distinct(us []unit) []keyedUnit {
	var out []keyedUnit
	seen := map[string]bool{}
	for _, u := range us {
		if key := u.key(s.configHash); !seen[key] {
			seen[key] = true
			out = append(out, keyedUnit{u, key})
		}
	}
	return out
}

// ensure makes every unit of us finished: reused from memory or disk, or
// trained by up to s.workers goroutines. On the first error or when ctx is
// cancelled, no new unit starts, in-flight units see a cancelled context, and
// ensure returns after they stop; finished units stay on disk.
func (s *store) ensure(ctx context.Context, us []unit) error {
	uniq := s.distinct(us)
	var todo []keyedUnit
	done, total := 0, len(uniq)
	for _, j := range uniq {
		s.mu.Lock()
		_, have := s.records[j.key]
		s.mu.Unlock()
		if have {
			done++
			continue
		}
		r, err := s.load(j.u, j.key)
		if err != nil {
			return err
		}
		if r == nil {
			todo = append(todo, j)
			continue
		}
		done++
		s.mu.Lock()
		s.records[j.key] = r
		s.report(Progress{Done: done, Total: total, Unit: j.u.String(), Key: j.key, Reused: true, Seconds: r.seconds()})
		s.mu.Unlock()
	}
	slices.SortStableFunc(todo, func(a, b keyedUnit) int { return unitCost(b.u) - unitCost(a.u) })
	pending := make([]int, len(todo))
	for i, j := range todo {
		pending[i] = unitCost(j.u)
	}
	s.mu.Lock()
	s.report(Progress{Done: done, Total: total, Pending: pending})
	s.mu.Unlock()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var firstErr error
	var errOnce sync.Once
	var busyMu sync.Mutex
	var busy []keyedUnit // units another process was training when tried
	// round trains list with up to s.workers goroutines; without wait, a
	// unit that another process holds is set aside in busy.
	round := func(list []keyedUnit, wait bool) {
		jobs := make(chan keyedUnit)
		var wg sync.WaitGroup
		for w := 0; w < min(s.workers, len(list)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					r, reused, err := s.claim(ctx, j.u, j.key, wait)
					if errors.Is(err, errBusy) {
						busyMu.Lock()
						busy = append(busy, j)
						busyMu.Unlock()
						continue
					}
					if err != nil {
						if ctx.Err() == nil {
							errOnce.Do(func() { firstErr = err })
						}
						cancel(err)
						continue
					}
					s.mu.Lock()
					s.records[j.key] = r
					if !reused {
						s.trained++
					}
					done++
					s.report(Progress{Done: done, Total: total, Unit: j.u.String(), Key: j.key, Reused: reused, Seconds: r.seconds()})
					s.mu.Unlock()
				}
			}()
		}
	feed:
		for _, j := range list {
			select {
			case jobs <- j:
			case <-ctx.Done():
				break feed
			}
		}
		close(jobs)
		wg.Wait()
	}
	// First the units no other process is training, then wait for the others.
	round(todo, false)
	if ctx.Err() == nil && len(busy) > 0 {
		round(busy, true)
	}
	if firstErr != nil {
		return firstErr
	}
	if err := context.Cause(ctx); err != nil {
		s.mu.Lock()
		n := len(s.records)
		s.mu.Unlock()
		return fmt.Errorf("run interrupted with %d units finished (rerun the same command to resume): %w", n, err)
	}
	return nil
}

// report calls the progress callback; the caller holds s.mu, so calls
// never overlap.
func (s *store) report(p Progress) {
	if s.progress != nil {
		s.progress(p)
	}
}

func (r *unitRecord) seconds() float64 {
	if r.Group != nil {
		return r.Group.Seconds
	}
	return r.Affinity.Seconds
}

func (r *unitRecord) steps() int64 {
	if r.Group != nil {
		return r.Group.Steps
	}
	return r.Affinity.Steps
}
