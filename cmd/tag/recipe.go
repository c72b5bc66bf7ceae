package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
)

// recipeFlags are the command-line flags that change a training recipe
// (mtl.Config) and its affinity measurement (affinity.Options), bound to
// gomlxtrainer.Changes. Only the flags given on the command line change
// anything; the others keep the recipe a command starts from.
type recipeFlags struct {
	fs     *flag.FlagSet
	c      gomlxtrainer.Changes
	widths string
}

// addRecipeFlags defines the recipe flags on fs: -epochs, -optimizer, -lr,
// -momentum, -batch, -trunk, -widths, -every, -lookahead, -estimator,
// -sources, -validation-batches and -backend.
func addRecipeFlags(fs *flag.FlagSet) *recipeFlags {
	f := &recipeFlags{fs: fs}
	c := &f.c
	fs.IntVar(&c.Epochs, "epochs", 0, "training `EPOCHS` of every network (default: the recipe's)")
	fs.StringVar(&c.Optimizer, "optimizer", "", "optimizer: sgd (with -momentum) or adam (default: the recipe's)")
	fs.Float64Var(&c.LearningRate, "lr", 0, "learning `RATE` (default: the recipe's)")
	fs.Float64Var(&c.Momentum, "momentum", 0, "SGD momentum `MU`, 0 <= MU < 1 (default: the recipe's)")
	fs.IntVar(&c.BatchSize, "batch", 0, "batch `SIZE` (default: the recipe's)")
	fs.StringVar(&c.Trunk, "trunk", "", "shared trunk: mlp, cnn or resnet (cnn and resnet need image data; default: the recipe's)")
	fs.StringVar(&f.widths, "widths", "", "comma-separated `WIDTHS` of the trunk's dense layers, e.g. 64,32 (default: the recipe's)")
	fs.IntVar(&c.Every, "every", 0, "measure affinity every `N` steps (default: the recipe's, 10 unless tuned; under -estimator auto beyond "+fmt.Sprint(affinity.AutoExactMax)+" tasks at least ⌈tasks/"+fmt.Sprint(affinity.AutoTasksPerStep)+"⌉)")
	fs.StringVar(&c.Lookahead, "lookahead", "", "lookahead step: sgd (Eq. 1, the default) or optimizer (the optimizer's own update)")
	fs.StringVar(&c.Estimator, "estimator", "auto", "affinity estimator: exact (Eq. 1 for every pair at every measurement), sampled (Eq. 1 for -sources source tasks per measurement, in turn), firstorder (Eq. 1 to first order, from the gradients' dot products) or auto (exact up to "+fmt.Sprint(affinity.AutoExactMax)+" tasks, firstorder beyond)")
	fs.IntVar(&c.Sources, "sources", 0, fmt.Sprintf("source tasks per measurement of -estimator sampled (default %d)", affinity.DefaultSources))
	fs.BoolVar(&c.Validation, "validation-batches", true, "measure affinity on validation batches; -validation-batches=false measures on the training batch of the step, as the paper's Eq. 1")
	fs.StringVar(&c.Backend, "backend", "", "GoMLX `BACKEND`: go, go:ops_sequential, xla:cuda (with -tags xla), ... (default: $GOMLX_BACKEND, else go)")
	return f
}

// apply changes cfg and aff by the flags given (gomlxtrainer.Changes.Apply
// for ds and nTasks tasks); a refused recipe field names its flag.
func (f *recipeFlags) apply(ds data.Dataset, nTasks int, cfg *mtl.Config, aff *affinity.Options) error {
	set := givenFlags(f.fs)
	if set["widths"] {
		widths, err := parseIntList("widths", f.widths)
		if err != nil {
			return err
		}
		f.c.Widths = widths
	}
	return flagError(f.c.Apply(ds, nTasks, set, cfg, aff), set)
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
