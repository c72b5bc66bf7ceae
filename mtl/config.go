package mtl

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/tagroup/tag/data"
)

// Trunk kinds accepted by TrunkSpec.Kind.
const (
	// TrunkMLP is a stack of dense layers; image inputs are flattened.
	TrunkMLP = "mlp"
	// TrunkCNN is a stack of strided 2-D convolutions followed by dense
	// layers on the flattened feature map.
	TrunkCNN = "cnn"
	// TrunkResNet is the paper's CelebA-style trunk: a strided convolution,
	// one residual block of two convolutions, global mean pooling and dense
	// layers.
	TrunkResNet = "resnet"
)

// TrunkSpec describes the shared trunk.
type TrunkSpec struct {
	// Kind is TrunkMLP, TrunkCNN or TrunkResNet.
	Kind string `json:"kind"`
	// Channels are the output channels of the convolutions (CNN: one
	// stride-2 convolution each; ResNet: Channels[0] is used for the stem
	// and the residual block).
	Channels []int `json:"channels,omitempty"`
	// Kernel is the side of the square convolution kernels.
	Kernel int `json:"kernel,omitempty"`
	// Widths are the dense layers' widths (after the convolutions, if any).
	Widths []int `json:"widths"`
	// Activation names the nonlinearity ("relu", "tanh", "gelu", ...).
	Activation string `json:"activation"`
}

// HeadSpec describes every task head: an optional hidden dense layer, then
// 1 logit (binary), C logits (multi-class) or 1 value (regression).
type HeadSpec struct {
	// Hidden is the width of the hidden layer; 0 for none.
	Hidden int `json:"hidden"`
}

// Schedule kinds accepted by Schedule.Kind.
const (
	// ScheduleConstant keeps the learning rate fixed.
	ScheduleConstant = "constant"
	// ScheduleCosine decays the rate from its initial value to 0 along half
	// a cosine over all the run's steps.
	ScheduleCosine = "cosine"
	// ScheduleStep multiplies the rate by Gamma every DecayEpochs epochs.
	ScheduleStep = "step"
)

// Schedule is the learning-rate schedule.
type Schedule struct {
	Kind        string  `json:"kind"`
	DecayEpochs int     `json:"decay_epochs,omitempty"`
	Gamma       float64 `json:"gamma,omitempty"`
}

// Optimizer names accepted by Config.Optimizer.
const (
	// OptimizerSGD is stochastic gradient descent with (heavy-ball)
	// momentum: v ← μv + g, θ ← θ − ηv.
	OptimizerSGD = "sgd"
	// OptimizerAdam is Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8 and bias
	// correction.
	OptimizerAdam = "adam"
)

// Config is the complete, JSON-serialisable recipe of a training run.
type Config struct {
	Trunk        TrunkSpec `json:"trunk"`
	Head         HeadSpec  `json:"head"`
	Optimizer    string    `json:"optimizer"`
	LearningRate float64   `json:"learning_rate"`
	// Momentum is the SGD momentum μ (ignored by Adam).
	Momentum float64  `json:"momentum"`
	Schedule Schedule `json:"schedule"`
	// BatchSize is the fixed batch size of training and evaluation. The
	// last partial training batch of an epoch is dropped; evaluation pads
	// and masks it.
	BatchSize int `json:"batch_size"`
	Epochs    int `json:"epochs"`
	// Patience stops training after this many epochs without a lower
	// validation loss; 0 trains all epochs. Either way the weights of the
	// best validation epoch are kept and evaluated.
	Patience int `json:"patience"`
	// Seed fixes the initial weights and the data order.
	Seed uint64 `json:"seed"`
	// Backend is the GoMLX backend configuration ("go", "xla:cuda", ...);
	// empty means $GOMLX_BACKEND, or "go" when that is unset.
	Backend string `json:"backend,omitempty"`
	// CheckpointEvery writes a checkpoint every this many steps (when
	// Options.CheckpointDir is set); 0 writes one at the end of each epoch
	// only. A checkpoint is always written at the end.
	CheckpointEvery int `json:"checkpoint_every"`
	// LossWeights scales each task's loss in the training objective;
	// tasks not listed have weight 1.
	LossWeights map[string]float64 `json:"loss_weights,omitempty"`
	// Balance selects a loss-balancing or gradient-surgery rule for the
	// training update: BalanceNone (the weighted sum of the task losses),
	// BalanceUW, BalanceGradNorm or BalancePCGrad (see balance.go).
	Balance string `json:"balance,omitempty"`
	// GradNormAlpha is GradNorm's asymmetry α (Balance "gradnorm" only);
	// nil means DefaultGradNormAlpha.
	GradNormAlpha *float64 `json:"gradnorm_alpha,omitempty"`
	// GradNormRate is the gradient-descent rate of GradNorm's task
	// weights (Balance "gradnorm" only); 0 means DefaultGradNormRate.
	GradNormRate float64 `json:"gradnorm_rate,omitempty"`
}

// DefaultConfig returns a recipe sized for ds: an MLP for 1-D inputs, a
// small strided CNN for images, Adam, batch size 64, 10 epochs with
// patience 3.
func DefaultConfig(ds data.Dataset) Config {
	cfg := Config{
		Trunk:        TrunkSpec{Kind: TrunkMLP, Widths: []int{64, 64}, Activation: "relu"},
		Head:         HeadSpec{Hidden: 0},
		Optimizer:    OptimizerAdam,
		LearningRate: 1e-3,
		Momentum:     0.9,
		Schedule:     Schedule{Kind: ScheduleConstant},
		BatchSize:    64,
		Epochs:       10,
		Patience:     3,
		Seed:         1,
	}
	if len(ds.InputShape()) == 3 {
		cfg.Trunk = TrunkSpec{Kind: TrunkCNN, Channels: []int{16, 32}, Kernel: 3, Widths: []int{64}, Activation: "relu"}
	}
	return cfg
}

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	switch c.Trunk.Kind {
	case TrunkMLP:
	case TrunkCNN, TrunkResNet:
		if len(c.Trunk.Channels) == 0 {
			return fmt.Errorf("config: trunk.channels is empty for a %s trunk", c.Trunk.Kind)
		}
		if c.Trunk.Kernel < 1 {
			return fmt.Errorf("config: trunk.kernel = %d, want at least 1", c.Trunk.Kernel)
		}
	default:
		return fmt.Errorf("config: trunk.kind %q unknown (want %s, %s or %s)", c.Trunk.Kind, TrunkMLP, TrunkCNN, TrunkResNet)
	}
	for k, w := range c.Trunk.Widths {
		if w < 1 {
			return fmt.Errorf("config: trunk.widths[%d] = %d, want at least 1", k, w)
		}
	}
	for k, ch := range c.Trunk.Channels {
		if ch < 1 {
			return fmt.Errorf("config: trunk.channels[%d] = %d, want at least 1", k, ch)
		}
	}
	if _, err := activation.TypeString(c.Trunk.Activation); err != nil {
		return fmt.Errorf("config: trunk.activation %q unknown", c.Trunk.Activation)
	}
	if c.Head.Hidden < 0 {
		return fmt.Errorf("config: head.hidden = %d, want 0 or more", c.Head.Hidden)
	}
	switch c.Optimizer {
	case OptimizerSGD, OptimizerAdam:
	default:
		return fmt.Errorf("config: optimizer %q unknown (want %s or %s)", c.Optimizer, OptimizerSGD, OptimizerAdam)
	}
	if !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0) {
		return fmt.Errorf("config: learning_rate = %g, want a positive number", c.LearningRate)
	}
	if c.Momentum < 0 || c.Momentum >= 1 {
		return fmt.Errorf("config: momentum = %g, want 0 <= momentum < 1", c.Momentum)
	}
	switch c.Schedule.Kind {
	case ScheduleConstant, ScheduleCosine:
	case ScheduleStep:
		if c.Schedule.DecayEpochs < 1 || !(c.Schedule.Gamma > 0) {
			return fmt.Errorf("config: step schedule needs decay_epochs >= 1 and gamma > 0 (got %d, %g)",
				c.Schedule.DecayEpochs, c.Schedule.Gamma)
		}
	default:
		return fmt.Errorf("config: schedule.kind %q unknown (want %s, %s or %s)",
			c.Schedule.Kind, ScheduleConstant, ScheduleCosine, ScheduleStep)
	}
	if c.BatchSize < 1 {
		return fmt.Errorf("config: batch_size = %d, want at least 1", c.BatchSize)
	}
	if c.Epochs < 1 {
		return fmt.Errorf("config: epochs = %d, want at least 1", c.Epochs)
	}
	if c.Patience < 0 {
		return fmt.Errorf("config: patience = %d, want 0 or more", c.Patience)
	}
	if c.CheckpointEvery < 0 {
		return fmt.Errorf("config: checkpoint_every = %d, want 0 or more", c.CheckpointEvery)
	}
	for name, w := range c.LossWeights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("config: loss_weights[%q] = %g, want a finite number >= 0", name, w)
		}
	}
	return c.validateBalance()
}

// learningRate returns the rate of the given step (0-based) in a run of
// totalSteps steps with stepsPerEpoch steps per epoch.
func (c Config) learningRate(step, stepsPerEpoch, totalSteps int) float64 {
	switch c.Schedule.Kind {
	case ScheduleCosine:
		return c.LearningRate * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(totalSteps)))
	case ScheduleStep:
		epoch := step / stepsPerEpoch
		return c.LearningRate * math.Pow(c.Schedule.Gamma, float64(epoch/c.Schedule.DecayEpochs))
	}
	return c.LearningRate
}
