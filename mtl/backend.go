package mtl

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
)

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

// goBackendConfig adds ops_sequential to a pure-Go backend configuration
// that chooses no execution mode. Workaround: in compute v0.1.2 two
// operations of one executable running in parallel on the same worker pool
// can lose a wake-up in workerspool.Saturate and deadlock (seen on 2
// cores); one pool per run with sequential operations avoids it, while
// each operation still uses all cores.
func goBackendConfig(cfg string) (string, bool) {
	name, opts, _ := strings.Cut(cfg, ":")
	if name != gobackend.BackendName {
		return cfg, false
	}
	if !strings.Contains(opts, "ops_") {
		opts = strings.TrimPrefix(opts+",ops_sequential", ",")
	}
	return name + ":" + opts, true
}

// backendFor returns the backend of a configuration and a function that
// releases it. Each run gets its own pure-Go backend (see goBackendConfig);
// other backends are created once and shared by concurrent runs.
func backendFor(cfg string) (b compute.Backend, release func(), err error) {
	cfg = backendConfig(cfg)
	defer func() {
		if r := recover(); r != nil {
			b, release, err = nil, nil, fmt.Errorf("backend %q: %v", cfg, r)
		}
	}()
	if goCfg, ok := goBackendConfig(cfg); ok {
		b, err = compute.NewWithConfig(goCfg)
		if err != nil {
			return nil, nil, fmt.Errorf("backend %q: %w", cfg, err)
		}
		return b, b.Finalize, nil
	}
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if b, ok := backends[cfg]; ok {
		return b, func() {}, nil
	}
	b, err = compute.NewWithConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("backend %q: %w", cfg, err)
	}
	backends[cfg] = b
	return b, func() {}, nil
}
