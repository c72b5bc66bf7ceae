package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinityrun"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/mtl"
)

// The recipe flags reach the run: run.json records the configuration and
// the affinity options that were trained with; flags not given keep the
// default recipe.
func TestRecipeFlagsReachTheRun(t *testing.T) {
	csv := affinityCSV(t)
	for _, c := range []struct {
		name  string
		flags []string
		check func(t *testing.T, cfg mtl.Config, aff affinity.Options)
	}{
		{"defaults", nil, func(t *testing.T, cfg mtl.Config, aff affinity.Options) {
			want := affinity.DefaultOptions()
			want.Validation = true // the recipe measures on validation batches
			if cfg.Optimizer != mtl.OptimizerAdam || cfg.LearningRate != 1e-3 || cfg.BatchSize != 64 ||
				!reflect.DeepEqual(cfg.Trunk.Widths, []int{64, 64}) || cfg.Backend != "" || aff != want {
				t.Errorf("config %+v, affinity %+v: want the default recipe", cfg, aff)
			}
		}},
		{"all flags", []string{"--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.5", "--batch", "32",
			"--trunk", "mlp", "--widths", "8,4", "--every", "3", "--lookahead", "optimizer",
			"--validation-batches=false", "--backend", "go:ops_sequential"},
			func(t *testing.T, cfg mtl.Config, aff affinity.Options) {
				if cfg.Optimizer != mtl.OptimizerSGD || cfg.LearningRate != 0.05 || cfg.Momentum != 0.5 ||
					cfg.BatchSize != 32 || cfg.Trunk.Kind != mtl.TrunkMLP || !reflect.DeepEqual(cfg.Trunk.Widths, []int{8, 4}) ||
					cfg.Backend != "go:ops_sequential" {
					t.Errorf("config %+v", cfg)
				}
				if want := (affinity.Options{Every: 3, Lookahead: affinity.Optimizer}); aff != want {
					t.Errorf("affinity options %+v, want %+v", aff, want)
				}
			}},
		{"sampled", []string{"--estimator", "sampled", "--sources", "2"}, func(t *testing.T, _ mtl.Config, aff affinity.Options) {
			if aff.Estimator != affinity.Sampled || aff.Sources != 2 {
				t.Errorf("affinity options %+v, want the sampled estimator with 2 sources", aff)
			}
		}},
		{"firstorder", []string{"--estimator", "firstorder"}, func(t *testing.T, _ mtl.Config, aff affinity.Options) {
			if aff.Estimator != affinity.FirstOrder || aff.Sources != 0 {
				t.Errorf("affinity options %+v, want the first-order estimator", aff)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			args := append([]string{"affinity", "--data", csv, "--targets", "a,b,n,r", "--epochs", "1", "--out", out}, c.flags...)
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			b, err := os.ReadFile(filepath.Join(out, "run.json"))
			if err != nil {
				t.Fatal(err)
			}
			var rec affinityrun.Record
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatal(err)
			}
			c.check(t, rec.Config, rec.Affinity)
		})
	}
}

// Every bad recipe flag fails with exit status 2 and a message naming the
// flag, before any training starts.
func TestRecipeFlagsBadInput(t *testing.T) {
	csv := affinityCSV(t)
	out := filepath.Join(t.TempDir(), "run")
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--optimizer", "rmsprop"}, "-optimizer"},
		{[]string{"--lr", "0"}, "-lr"},
		{[]string{"--lr", "-0.1"}, "-lr"},
		{[]string{"--lr", "Inf"}, "-lr"},
		{[]string{"--momentum", "1"}, "-momentum"},
		{[]string{"--momentum", "-0.5"}, "-momentum"},
		{[]string{"--batch", "0"}, "-batch"},
		{[]string{"--trunk", "cnn"}, `-trunk "cnn": want mlp for inputs of shape`},
		{[]string{"--trunk", "transformer"}, "-trunk"},
		{[]string{"--widths", "8,x"}, "-widths"},
		{[]string{"--widths", "8,0"}, "-widths"},
		{[]string{"--widths", ""}, "-widths"},
		{[]string{"--widths", "8,,4"}, "-widths"},
		{[]string{"--every", "0"}, "-every"},
		{[]string{"--lookahead", "adam"}, "-lookahead"},
		{[]string{"--estimator", "guess"}, "-estimator"},
		{[]string{"--sources", "3"}, "-sources"},
		{[]string{"--estimator", "sampled", "--sources", "0"}, "-sources"},
		{[]string{"--backend", "nosuch"}, "-backend"},
		{[]string{"--backend", "go:parallelism=2,ops_parallel"}, "deadlock"},
		{[]string{"--backend", "go:bogus"}, "-backend"},
	} {
		args := append([]string{"affinity", "--data", csv, "--targets", "a,b", "--out", out}, c.flags...)
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q (want status 2 and %q)", c.flags, code, stderr.String(), c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a rejected command created the output folder")
	}
}
