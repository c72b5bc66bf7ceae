package mtl

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/tagroup/tag/data"
)

// The pure-Go backend of github.com/gomlx/compute v0.1.2 can deadlock with
// its default bounded worker pool; "go" gets an unbounded pool here, and a
// bounded pool only with sequential operations. Why, and which
// configurations are safe: docs/go-backend-deadlock.md.

var (
	backendsMu sync.Mutex
	backends   = map[string]compute.Backend{}
)

// backendConfig resolves Config.Backend: the field, else $GOMLX_BACKEND,
// else the pure-Go backend.
func backendConfig(cfg string) string {
	if cfg == "" {
		cfg = os.Getenv(compute.ConfigEnvVar)
	}
	if cfg == "" {
		cfg = gobackend.BackendName
	}
	return cfg
}

// goPlan is how a pure-Go backend configuration is made safe.
type goPlan struct {
	config    string // configuration passed to the backend
	unbounded bool   // lift the worker limit after creation
}

// planGoBackend checks a pure-Go backend configuration ("go" or
// "go:opt1,opt2"; ok is false for other backends) and returns how to
// create it without the deadlock of docs/go-backend-deadlock.md:
//   - no parallelism option: the pool is made unbounded;
//   - parallelism=−1 or 0: used as given;
//   - parallelism=N > 0: ops_sequential is added unless an execution mode
//     is given; ops_parallel with it is refused, since it can deadlock.
func planGoBackend(cfg string) (plan goPlan, ok bool, err error) {
	name, opts, _ := strings.Cut(cfg, ":")
	if name != gobackend.BackendName {
		return goPlan{}, false, nil
	}
	parallelism, hasParallelism, opsMode := 0, false, ""
	for part := range strings.SplitSeq(opts, ",") {
		key, value, _ := strings.Cut(part, "=")
		switch key {
		case "parallelism":
			p, err := strconv.Atoi(value)
			if err != nil {
				return goPlan{}, true, fmt.Errorf("backend %q: parallelism=%q is not an integer", cfg, value)
			}
			parallelism, hasParallelism = p, true
		case "ops_sequential", "ops_parallel":
			opsMode = key
		}
	}
	plan = goPlan{config: cfg}
	switch {
	case !hasParallelism:
		plan.unbounded = true
	case parallelism > 0 && opsMode == "ops_parallel":
		return goPlan{}, true, fmt.Errorf("backend %q: parallel operations with a bounded worker pool can deadlock "+
			"in github.com/gomlx/compute v0.1.2; use parallelism=-1, or drop ops_parallel", cfg)
	case parallelism > 0 && opsMode == "":
		plan.config = name + ":" + strings.TrimPrefix(opts+",ops_sequential", ",")
	}
	return plan, true, nil
}

// unboundWorkers sets the worker limit of a pure-Go backend to −1
// (unbounded) through its exported Workers field, and reports whether it
// could.
func unboundWorkers(b compute.Backend) bool {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	w := v.Elem().FieldByName("Workers")
	if !w.IsValid() || w.Kind() != reflect.Pointer || w.IsNil() {
		return false
	}
	set, get := w.MethodByName("SetMaxParallelism"), w.MethodByName("MaxParallelism")
	if !set.IsValid() || !get.IsValid() ||
		set.Type() != reflect.TypeFor[func(int)]() || get.Type() != reflect.TypeFor[func() int]() {
		return false
	}
	set.Call([]reflect.Value{reflect.ValueOf(-1)})
	return get.Call(nil)[0].Int() == -1
}

// newGoBackend creates a pure-Go backend following plan.
func newGoBackend(plan goPlan) (compute.Backend, error) {
	b, err := compute.NewWithConfig(plan.config)
	if err != nil || !plan.unbounded || unboundWorkers(b) {
		return b, err
	}
	b.Finalize()
	return compute.NewWithConfig(plan.config + ",ops_sequential")
}

// backendFor returns the backend of a configuration. A backend is created
// once per configuration (and never released) and shared by
// all runs in the process. For the pure-Go backend in its default dynamic
// mode this means: while a single run executes, its operations run in
// parallel; while several runs execute at once, each runs its operations
// one after the other (each still fanning out large products), so that
// concurrent runs do not oversubscribe the cores.
func backendFor(cfg string) (b compute.Backend, err error) {
	cfg = backendConfig(cfg)
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %q: %v", cfg, r)
		}
	}()
	plan, isGo, err := planGoBackend(cfg)
	if err != nil {
		return nil, err
	}
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if b, ok := backends[cfg]; ok {
		return b, nil
	}
	if isGo {
		b, err = newGoBackend(plan)
	} else {
		b, err = compute.NewWithConfig(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w", cfg, err)
	}
	backends[cfg] = b
	return b, nil
}

// sequentialBelow is the forward cost (multiply-adds of the products and
// convolutions of one batch) below which a model runs on the pure-Go
// backend with sequential operations when the backend is not configured
// beyond its name ("go", the default): such small networks spend most of
// a step outside the arithmetic, where running their many small operations
// in parallel costs more than it gains. Larger products still fan out
// across the cores; results do not depend on the mode. Measurements:
// docs/sequential-small-models.md.
const sequentialBelow = 20_000_000

// modelOnBackend builds the model of cfg for tasks and inputs of
// inputShape and returns it with the backend a run of it uses: that of
// cfg.Backend, or, for a small model on the default pure-Go backend, the
// same backend with sequential operations (see sequentialBelow).
func modelOnBackend(cfg Config, tasks []data.Task, inputShape []int) (*model, compute.Backend, error) {
	backend, err := backendFor(cfg.Backend)
	if err != nil {
		return nil, nil, err
	}
	m, err := newModel(backend, cfg, tasks, inputShape)
	if err != nil {
		return nil, nil, err
	}
	if backendConfig(cfg.Backend) == gobackend.BackendName && m.forwardMACs() < sequentialBelow {
		backend, err = backendFor(gobackend.BackendName + ":ops_sequential")
	}
	return m, backend, err
}

// CheckBackend reports whether cfg, a Config.Backend value, can be used,
// without starting a run: the backend must be compiled in (the XLA backend
// needs the build tag xla, see backend_xla.go), and a pure-Go
// configuration must be valid and free of the deadlock of
// docs/go-backend-deadlock.md. Other backends are not started here (XLA
// would load its PJRT plugin), so their options are checked when a run
// starts.
func CheckBackend(cfg string) error {
	cfg = backendConfig(cfg)
	name, _, _ := strings.Cut(cfg, ":")
	available := compute.List()
	if !slices.Contains(available, name) {
		slices.Sort(available)
		return fmt.Errorf("backend %q is not compiled in (available: %s; the XLA backend needs `go build -tags xla`)",
			cfg, strings.Join(available, ", "))
	}
	plan, isGo, err := planGoBackend(cfg)
	if err != nil || !isGo {
		return err
	}
	b, err := newGoBackend(plan)
	if err != nil {
		return fmt.Errorf("backend %q: %w", cfg, err)
	}
	b.Finalize()
	return nil
}
