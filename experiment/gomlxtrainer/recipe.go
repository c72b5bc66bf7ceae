package gomlxtrainer

import (
	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/mtl"
)

// Recipe returns the training recipe and affinity measurement for ds: the
// narrow recipe of a built-in data set with a recipe hint
// (catalog.Record.TrunkWidth), mtl.DefaultConfig otherwise, and
// affinity.DefaultOptions measured on validation batches. `tag run` and
// `tag affinity` start from it before applying their recipe flags.
//
// Validation batches: every measured step, Eq. 1 is computed on a batch of
// the validation split (each task's lookahead gradient and every task's
// loss before and after it) at the current weights, instead of on the
// training batch the step then trains on, so that an affinity describes how
// the tasks interact on examples the network does not fit
// (docs/validation-batches.md).
//
// The tuned recipes follow the paper's optimizer (SGD with momentum 0.9,
// so that the plain-SGD lookahead of Eq. 1 takes a step of the size
// training takes) with a deliberately narrow trunk, so that tasks compete
// for it; affinity is measured every 2 steps, as the runs are short and
// single measurements are noisy.
func Recipe(ds data.Dataset) (mtl.Config, affinity.Options) {
	cfg := mtl.DefaultConfig(ds)
	aff := affinity.DefaultOptions()
	aff.Validation = true
	if w := catalog.RecipeWidth(ds); w > 0 {
		Narrow(&cfg, &aff, w)
	}
	return cfg, aff
}

// AffinityRecipe is the recipe of an affinity run from scratch (`tag
// affinity`, whose record `tag update` continues) on ds: Recipe, with the
// seed, a checkpoint every 50 steps and Z divided by the learning rate
// when divide is set, before the recipe flags change it.
func AffinityRecipe(ds data.Dataset, seed uint64, divide bool) (mtl.Config, affinity.Options) {
	cfg, aopt := Recipe(ds)
	cfg.Seed = seed
	cfg.CheckpointEvery = 50
	aopt.DivideByLR = divide
	return cfg, aopt
}

// Narrow sets the kind of recipe the built-in data sets use: a trunk of one
// ReLU layer of width units, SGD with momentum 0.9 and learning rate 0.1,
// 20 epochs without early stopping, affinity measured every 2 steps.
func Narrow(cfg *mtl.Config, aff *affinity.Options, width int) {
	cfg.Trunk = mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{width}, Activation: "relu"}
	cfg.Optimizer, cfg.LearningRate, cfg.Momentum = mtl.OptimizerSGD, 0.1, 0.9
	cfg.Epochs, cfg.Patience = 20, 0
	aff.Every = 2
}
