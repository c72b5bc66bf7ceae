package gomlxtrainer

import (
	"errors"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// Under Estimator "auto", the estimator follows the number of tasks: exact
// up to affinity.AutoExactMax, firstorder beyond; an explicit one is kept.
func TestEstimatorChosenByTaskCount(t *testing.T) {
	ds, err := planted.New(planted.Options{N: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		estimator string
		n         int
		want      affinity.Estimator
	}{{"auto", 4, affinity.Exact}, {"auto", affinity.AutoExactMax, affinity.Exact}, {"auto", affinity.AutoExactMax + 1, affinity.FirstOrder},
		{"exact", 300, affinity.Exact}, {"auto", 300, affinity.FirstOrder}, {"sampled", 300, affinity.Sampled}} {
		cfg, aff := mtl.DefaultConfig(ds), affinity.DefaultOptions()
		if err := (Changes{Estimator: c.estimator}).Apply(ds, c.n, nil, &cfg, &aff); err != nil {
			t.Fatal(err)
		}
		if aff.Estimator != c.want {
			t.Errorf("%s, %d tasks: estimator %v, want %v", c.estimator, c.n, aff.Estimator, c.want)
		}
	}
}

// TestChangesApply checks that only the given fields change the recipe and
// that a bad value is a ConfigError naming its flag.
func TestChangesApply(t *testing.T) {
	ds, err := planted.New(planted.Options{N: 100})
	if err != nil {
		t.Fatal(err)
	}
	c := Changes{Estimator: "auto", Epochs: 3, Every: 7, BatchSize: 5, Widths: []int{8, 4}}
	cfg, aff := mtl.DefaultConfig(ds), affinity.DefaultOptions()
	batch := cfg.BatchSize
	if err := c.Apply(ds, 0, map[string]bool{"epochs": true, "every": true, "widths": true}, &cfg, &aff); err != nil {
		t.Fatal(err)
	}
	if cfg.Epochs != 3 || aff.Every != 7 || cfg.BatchSize != batch || len(cfg.Trunk.Widths) != 2 {
		t.Errorf("got epochs %d, every %d, batch %d, widths %v", cfg.Epochs, aff.Every, cfg.BatchSize, cfg.Trunk.Widths)
	}
	for _, bad := range []struct {
		c     Changes
		given string
		want  string
	}{
		{Changes{Estimator: "exactly"}, "", "-estimator"},
		{Changes{Estimator: "exact", Sources: 2}, "sources", "-sources 2"},
		{Changes{Estimator: "auto", Every: 0}, "every", "-every 0"},
		{Changes{Estimator: "auto", Lookahead: "adam"}, "lookahead", "-lookahead"},
	} {
		cfg, aff := mtl.DefaultConfig(ds), affinity.DefaultOptions()
		err := bad.c.Apply(ds, 0, map[string]bool{bad.given: true}, &cfg, &aff)
		var ce *experiment.ConfigError
		if err == nil || !strings.Contains(err.Error(), bad.want) || !errors.As(err, &ce) {
			t.Errorf("%+v: got %v, want a ConfigError with %q", bad.c, err, bad.want)
		}
	}
}
