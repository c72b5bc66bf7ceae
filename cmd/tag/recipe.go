package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/mtl"
)

// recipeFlags are the command-line flags that change a training recipe
// (mtl.Config) and its affinity measurement (affinity.Options). Only the
// flags given on the command line change anything; the others keep the
// recipe a command starts from.
type recipeFlags struct {
	fs                       *flag.FlagSet
	optimizer, trunk, widths string
	lookahead, backend       string
	estimator                string
	lr, momentum             float64
	batch, every, epochs     int
	sources                  int
	validationBatches        bool
}

// addRecipeFlags defines the recipe flags on fs: -epochs, -optimizer, -lr,
// -momentum, -batch, -trunk, -widths, -every, -lookahead, -estimator,
// -sources, -validation-batches and -backend.
func addRecipeFlags(fs *flag.FlagSet) *recipeFlags {
	f := &recipeFlags{fs: fs}
	fs.IntVar(&f.epochs, "epochs", 0, "training `EPOCHS` of every network (default: the recipe's)")
	fs.StringVar(&f.optimizer, "optimizer", "", "optimizer: sgd (with -momentum) or adam (default: the recipe's)")
	fs.Float64Var(&f.lr, "lr", 0, "learning `RATE` (default: the recipe's)")
	fs.Float64Var(&f.momentum, "momentum", 0, "SGD momentum `MU`, 0 <= MU < 1 (default: the recipe's)")
	fs.IntVar(&f.batch, "batch", 0, "batch `SIZE` (default: the recipe's)")
	fs.StringVar(&f.trunk, "trunk", "", "shared trunk: mlp, cnn or resnet (cnn and resnet need image data; default: the recipe's)")
	fs.StringVar(&f.widths, "widths", "", "comma-separated `WIDTHS` of the trunk's dense layers, e.g. 64,32 (default: the recipe's)")
	fs.IntVar(&f.every, "every", 0, "measure affinity every `N` steps (default: the recipe's, 10 unless tuned; under -estimator auto beyond "+fmt.Sprint(affinity.AutoExactMax)+" tasks at least ⌈tasks/"+fmt.Sprint(affinity.AutoTasksPerStep)+"⌉)")
	fs.StringVar(&f.lookahead, "lookahead", "", "lookahead step: sgd (Eq. 1, the default) or optimizer (the optimizer's own update)")
	fs.StringVar(&f.estimator, "estimator", "auto", "affinity estimator: exact (Eq. 1 for every pair at every measurement), sampled (Eq. 1 for -sources source tasks per measurement, in turn), firstorder (Eq. 1 to first order, from the gradients' dot products) or auto (exact up to "+fmt.Sprint(affinity.AutoExactMax)+" tasks, firstorder beyond)")
	fs.IntVar(&f.sources, "sources", 0, fmt.Sprintf("source tasks per measurement of -estimator sampled (default %d)", affinity.DefaultSources))
	fs.BoolVar(&f.validationBatches, "validation-batches", true, "measure affinity on validation batches; -validation-batches=false measures on the training batch of the step, as the paper's Eq. 1")
	fs.StringVar(&f.backend, "backend", "", "GoMLX `BACKEND`: go, go:ops_sequential, xla:cuda (with -tags xla), ... (default: $GOMLX_BACKEND, else go)")
	return f
}

// apply changes cfg and aff by the flags given, checks every value, and
// then checks the whole recipe against ds, so that a bad flag fails
// before training starts; errors name the flag. Without -estimator (or
// with auto), the estimator is the one affinity.Options.ForTasks chooses
// for nTasks tasks, unless nTasks is 0 (aff's is kept).
func (f *recipeFlags) apply(ds data.Dataset, nTasks int, cfg *mtl.Config, aff *affinity.Options) error {
	set := givenFlags(f.fs)
	switch {
	case f.estimator != "auto":
		est, err := affinity.ParseEstimator(f.estimator)
		if err != nil {
			return badInputf("-estimator: %v (or auto)", err)
		}
		aff.Estimator, aff.Sources = est, 0
	case nTasks > 0:
		*aff = aff.ForTasks(nTasks)
	}
	if set["sources"] {
		if f.sources < 1 || aff.Estimator != affinity.Sampled {
			return badInputf("-sources %d: want at least 1, with -estimator sampled", f.sources)
		}
		aff.Sources = f.sources
	}
	if set["epochs"] {
		cfg.Epochs = f.epochs
	}
	if set["optimizer"] {
		cfg.Optimizer = f.optimizer
	}
	if set["lr"] {
		cfg.LearningRate = f.lr
	}
	if set["momentum"] {
		cfg.Momentum = f.momentum
	}
	if set["batch"] {
		cfg.BatchSize = f.batch
	}
	if set["trunk"] {
		*cfg = cfg.WithTrunk(f.trunk)
	}
	if set["widths"] {
		widths, err := parseIntList("widths", f.widths)
		if err != nil {
			return err
		}
		cfg.Trunk.Widths = widths
	}
	if set["every"] {
		if f.every < 1 {
			return badInputf("-every %d: want at least 1", f.every)
		}
		aff.Every = f.every
	}
	if set["lookahead"] {
		look, err := affinity.ParseLookahead(f.lookahead)
		if err != nil {
			return badInputf("-lookahead: %v", err)
		}
		aff.Lookahead = look
	}
	if set["validation-batches"] {
		aff.Validation = f.validationBatches
	}
	if set["backend"] {
		if err := mtl.CheckBackend(f.backend); err != nil {
			return badInputf("-backend: %v", err)
		}
		cfg.Backend = f.backend
	}
	if err := cfg.ValidateFor(ds.InputShape()); err != nil {
		return flagError(err, set)
	}
	return badInput(aff.Validate())
}

// recipeFields are the flags of mtl.Config's fields (mtl.FieldError.Field).
var recipeFields = map[string]string{"epochs": "epochs", "optimizer": "optimizer", "learning_rate": "lr",
	"momentum": "momentum", "batch_size": "batch", "trunk.kind": "trunk", "backend": "backend"}

// flagError names the flag of a refused recipe field when that flag was
// given (set), e.g. "-lr -1: want a positive number"; other errors stay
// as they are.
func flagError(err error, set map[string]bool) error {
	var fe *mtl.FieldError
	if errors.As(err, &fe) {
		if name := recipeFields[fe.Field]; set[name] {
			return badInputf("-%s %s: want %s", name, fe.ValueString(), fe.Want)
		}
	}
	return err
}
