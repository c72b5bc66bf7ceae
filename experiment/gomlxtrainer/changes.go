package gomlxtrainer

import (
	"fmt"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// Changes are changes to a recipe (mtl.Config) and its affinity
// measurement (affinity.Options), as the recipe flags of `tag run`,
// `tag affinity` and `tag update` give them (each field's flag is named
// beside it). Only the fields whose flag Apply is told was given change
// anything; the others keep the recipe a command starts from.
type Changes struct {
	Epochs       int     // -epochs
	Optimizer    string  // -optimizer
	LearningRate float64 // -lr
	Momentum     float64 // -momentum
	BatchSize    int     // -batch
	Trunk        string  // -trunk: a trunk kind, with its defaults (mtl.Config.WithTrunk)
	Widths       []int   // -widths: the trunk's dense layers
	Every        int     // -every: steps between two affinity measurements
	Lookahead    string  // -lookahead
	Estimator    string  // -estimator: an affinity estimator, or "auto"
	Sources      int     // -sources of the sampled estimator
	Validation   bool    // -validation-batches
	Backend      string  // -backend
}

// Apply changes cfg and aff by the fields whose flags are in given, checks
// every value, and then checks the whole recipe against ds, so that a bad
// value fails before training starts. Errors in a value name its flag
// (experiment.ConfigError); a refused recipe field is the mtl.FieldError of
// mtl.Config.ValidateFor. With Estimator "auto", the estimator is the one
// affinity.Options.ForTasks chooses for nTasks tasks, unless nTasks is 0
// (aff's is kept).
func (c Changes) Apply(ds data.Dataset, nTasks int, given map[string]bool, cfg *mtl.Config, aff *affinity.Options) error {
	switch {
	case c.Estimator != "auto":
		est, err := affinity.ParseEstimator(c.Estimator)
		if err != nil {
			return badValue("-estimator: %v (or auto)", err)
		}
		aff.Estimator, aff.Sources = est, 0
	case nTasks > 0:
		*aff = aff.ForTasks(nTasks)
	}
	if given["sources"] {
		if c.Sources < 1 || aff.Estimator != affinity.Sampled {
			return badValue("-sources %d: want at least 1, with -estimator sampled", c.Sources)
		}
		aff.Sources = c.Sources
	}
	if given["epochs"] {
		cfg.Epochs = c.Epochs
	}
	if given["optimizer"] {
		cfg.Optimizer = c.Optimizer
	}
	if given["lr"] {
		cfg.LearningRate = c.LearningRate
	}
	if given["momentum"] {
		cfg.Momentum = c.Momentum
	}
	if given["batch"] {
		cfg.BatchSize = c.BatchSize
	}
	if given["trunk"] {
		*cfg = cfg.WithTrunk(c.Trunk)
	}
	if given["widths"] {
		cfg.Trunk.Widths = c.Widths
	}
	if given["every"] {
		if c.Every < 1 {
			return badValue("-every %d: want at least 1", c.Every)
		}
		aff.Every = c.Every
	}
	if given["lookahead"] {
		look, err := affinity.ParseLookahead(c.Lookahead)
		if err != nil {
			return badValue("-lookahead: %v", err)
		}
		aff.Lookahead = look
	}
	if given["validation-batches"] {
		aff.Validation = c.Validation
	}
	if given["backend"] {
		if err := mtl.CheckBackend(c.Backend); err != nil {
			return badValue("-backend: %v", err)
		}
		cfg.Backend = c.Backend
	}
	if err := cfg.ValidateFor(ds.InputShape()); err != nil {
		return err
	}
	if err := aff.Validate(); err != nil {
		return &experiment.ConfigError{Err: err}
	}
	return nil
}

// badValue formats the refusal of a changed value: bad input.
func badValue(format string, args ...any) error {
	return &experiment.ConfigError{Err: fmt.Errorf(format, args...)}
}
