package mtl

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// wideProducts builds k independent matrix products [64,256]×[256,256]
// (4.2M multiply-adds each: above the threshold where the pure-Go kernels
// fan out on the worker pool) and returns their sum.
func wideProducts(g *Graph, k int) *Node {
	x := Sin(IotaFull(g, shapes.Make(dtypes.Float32, 64, 256)))
	var sum *Node
	for i := range k {
		w := Cos(MulScalar(IotaFull(g, shapes.Make(dtypes.Float32, 256, 256)), float64(i+1)*1e-3))
		p := MatMul(x, w)
		if sum == nil {
			sum = p
		} else {
			sum = Add(sum, p)
		}
	}
	return ReduceAllSum(sum)
}

// execWide runs wideProducts reps times on b and reports whether all runs
// finished within limit; on a hang it returns the number of goroutines
// parked in the worker pool.
func execWide(t *testing.T, b compute.Backend, reps int, limit time.Duration) (finished bool, parked int) {
	t.Helper()
	k := 4 * runtime.GOMAXPROCS(0)
	exec, err := NewExec(b, func(g *Graph) *Node { return wideProducts(g, k) })
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for range reps {
			out, err := exec.Call()
			if err != nil {
				done <- err
				return
			}
			finalizeAll(out)
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		exec.Finalize()
		return true, 0
	case <-time.After(limit):
		buf := make([]byte, 1<<22)
		stacks := string(buf[:runtime.Stack(buf, true)])
		return false, strings.Count(stacks, "workerspool.(*Pool).Saturate") +
			strings.Count(stacks, "workerspool.(*Pool).WaitToStart")
	}
}

// TestBoundedPoolDeadlockRepro reproduces the deadlock of compute v0.1.2
// described in backend.go: parallel operations on the default, bounded
// pool. It leaves the deadlocked goroutines behind, so it only runs when
// TAG_REPRO_DEADLOCK=1. It fails once the upstream bug is fixed, which is
// the signal to revisit backend.go.
func TestBoundedPoolDeadlockRepro(t *testing.T) {
	if os.Getenv("TAG_REPRO_DEADLOCK") != "1" {
		t.Skip("set TAG_REPRO_DEADLOCK=1 to reproduce the compute v0.1.2 deadlock (leaves goroutines parked)")
	}
	b, err := compute.NewWithConfig("go:ops_parallel")
	if err != nil {
		t.Fatal(err)
	}
	finished, parked := execWide(t, b, 200, 10*time.Second)
	if finished {
		t.Fatal("200 executions finished: the deadlock no longer reproduces; revisit mtl/backend.go")
	}
	t.Logf("deadlocked with %d goroutines parked in workerspool", parked)
}

// The configuration "go" gets (unbounded pool, parallel operations) runs
// the same wide graph without hanging, and so do the other safe plans.
func TestGoBackendConfigurationsDoNotHang(t *testing.T) {
	for _, cfg := range []string{"go", "go:ops_parallel", "go:parallelism=2", "go:parallelism=0,ops_parallel"} {
		b, err := backendFor(cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg, err)
		}
		if finished, parked := execWide(t, b, 30, 60*time.Second); !finished {
			t.Fatalf("%s: hung with %d goroutines parked in workerspool", cfg, parked)
		}
	}
}

func TestPlanGoBackend(t *testing.T) {
	for _, c := range []struct {
		cfg, want string
		unbounded bool
		isGo      bool
		err       string
	}{
		{cfg: "go", want: "go", unbounded: true, isGo: true},
		{cfg: "go:ops_parallel", want: "go:ops_parallel", unbounded: true, isGo: true},
		{cfg: "go:ops_sequential", want: "go:ops_sequential", unbounded: true, isGo: true},
		{cfg: "go:parallelism=-1", want: "go:parallelism=-1", isGo: true},
		{cfg: "go:parallelism=0", want: "go:parallelism=0", isGo: true},
		{cfg: "go:parallelism=3", want: "go:parallelism=3,ops_sequential", isGo: true},
		{cfg: "go:parallelism=3,ops_sequential", want: "go:parallelism=3,ops_sequential", isGo: true},
		{cfg: "go:parallelism=3,ops_parallel", isGo: true, err: "deadlock"},
		{cfg: "go:parallelism=x", isGo: true, err: `parallelism="x"`},
		{cfg: "xla:cuda"},
	} {
		plan, isGo, err := planGoBackend(c.cfg)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), c.cfg) {
				t.Errorf("%s: error %v, want one naming the configuration and %q", c.cfg, err, c.err)
			}
		case err != nil || isGo != c.isGo:
			t.Errorf("%s: isGo %v, error %v", c.cfg, isGo, err)
		case isGo && (plan.config != c.want || plan.unbounded != c.unbounded):
			t.Errorf("%s: plan %+v, want config %q unbounded %v", c.cfg, plan, c.want, c.unbounded)
		}
	}
}

// The default pure-Go backend really has an unbounded pool (this breaks
// loudly if a new compute version renames the field used to set it).
func TestDefaultGoBackendIsUnbounded(t *testing.T) {
	b, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Description(); !strings.Contains(d, "parallelism=-1") {
		t.Errorf("backend %q, want an unbounded pool (parallelism=-1)", d)
	}
}

func TestCheckBackend(t *testing.T) {
	for _, c := range []struct {
		cfg  string
		want string // part of the error; "" for none
	}{
		{"", ""},
		{"go", ""},
		{"go:ops_sequential", ""},
		{"go:parallelism=2", ""},
		{"go:bogus", "bogus"},
		{"go:parallelism=2,ops_parallel", "deadlock"},
		{"nosuch:x", "not compiled in"},
	} {
		err := CheckBackend(c.cfg)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckBackend(%q) = %v, want error containing %q", c.cfg, err, c.want)
		}
	}
}

// A small model on the default pure-Go backend runs with sequential
// operations; a large one, or any backend configured beyond its name,
// runs on the backend as configured.
func TestModelOnBackendSequentialWhenSmall(t *testing.T) {
	seq, err := backendFor("go:ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		backend string
		width   int
		want    string // configuration of the backend expected
	}{{"go", 16, "go:ops_sequential"}, {"go", 4096, "go"}, {"go:ops_parallel", 16, "go:ops_parallel"}} {
		cfg := Config{Trunk: TrunkSpec{Kind: TrunkMLP, Widths: []int{c.width}, Activation: "relu"}, BatchSize: 64,
			Backend: c.backend}
		m, got, err := modelOnBackend(cfg, BinaryTasks(3), []int{256})
		if err != nil {
			t.Fatal(err)
		}
		want, err := backendFor(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("backend %q, width %d (%d multiply-adds): not the backend %q", c.backend, c.width, m.forwardMACs(), c.want)
		}
		if (got == seq) != (c.want == "go:ops_sequential") {
			t.Errorf("backend %q, width %d: sequential = %v", c.backend, c.width, got == seq)
		}
	}
}
