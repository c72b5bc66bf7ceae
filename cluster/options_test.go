package cluster

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tagroup/tag/experiment"
)

// TestOptionsExecutor checks each refusal of Options.Executor (bad input
// naming the flag) and the executor each name chooses.
func TestOptionsExecutor(t *testing.T) {
	ok := Options{Name: ExecutorLocal, Poll: time.Second}
	for _, c := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.Name = "pbs" }, `-executor "pbs": want local, slurm or k8s`},
		{func(o *Options) { o.Name = ExecutorK8s; o.Claim = "runs" }, "-executor k8s needs -k8s-image"},
		{func(o *Options) { o.Name = ExecutorK8s; o.Image = "tag:1" }, "-executor k8s needs -k8s-pvc"},
		{func(o *Options) { o.Name, o.Image, o.Claim, o.Backoff = ExecutorK8s, "tag:1", "runs", -1 }, "-k8s-backoff -1"},
		{func(o *Options) { o.MaxParallel = -1 }, "-max-parallel -1"},
		{func(o *Options) { o.Retries = -1 }, "-retries -1"},
		{func(o *Options) { o.Poll = 0 }, "-poll 0s"},
	} {
		o := ok
		c.change(&o)
		_, err := o.Executor(io.Discard)
		var ce *experiment.ConfigError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ce) {
			t.Errorf("%+v: got %v, want a ConfigError with %q", o, err, c.want)
		}
	}
	if ex, err := ok.Executor(io.Discard); ex != nil || err != nil {
		t.Errorf("local: got %v, %v; want nil, nil", ex, err)
	}
	s := ok
	s.Name, s.Worker = ExecutorSlurm, "tag  unit"
	if ex, err := s.Executor(io.Discard); err != nil || strings.Join(ex.(*Slurm).Worker, "|") != "tag|unit" {
		t.Errorf("slurm: got %v, %v", ex, err)
	}
	k := ok
	k.Name, k.Image, k.Claim = ExecutorK8s, "tag:1", "runs"
	if ex, err := k.Executor(io.Discard); err != nil || strings.Join(ex.(*Kubernetes).Worker, "|") != "tag|unit" {
		t.Errorf("k8s: got %v, %v", ex, err)
	}
}

// TestUnitIndex reads the index from the flag, then Slurm's variable,
// then Kubernetes'.
func TestUnitIndex(t *testing.T) {
	t.Setenv(EnvSlurmIndex, "")
	t.Setenv(EnvK8sIndex, "4")
	if i, err := UnitIndex(2, ""); i != 2 || err != nil {
		t.Errorf("flag: got %d, %v", i, err)
	}
	if _, err := UnitIndex(-1, ""); err == nil || !strings.Contains(err.Error(), EnvSlurmIndex) {
		t.Errorf("empty Slurm index: got %v", err)
	}
	t.Setenv(EnvSlurmIndex, " 7 ")
	if i, err := UnitIndex(-1, ""); i != 7 || err != nil {
		t.Errorf("Slurm: got %d, %v", i, err)
	}
	if i, err := UnitIndex(1, "5, 8"); i != 8 || err != nil {
		t.Errorf("-indices: got %d, %v", i, err)
	}
	for _, bad := range []string{"5", "5,x"} {
		if _, err := UnitIndex(1, bad); err == nil || !strings.Contains(err.Error(), "-indices") {
			t.Errorf("-indices %q: got %v", bad, err)
		}
	}
	// The entry at fault is named, also past the first (a negative one
	// there once indexed the list with it).
	for _, bad := range []string{"5,x", "5,-3"} {
		want := `"` + strings.Split(bad, ",")[1] + `"`
		if _, err := UnitIndex(1, bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-indices %q: got %v, want it to name %s", bad, err, want)
		}
	}
}
