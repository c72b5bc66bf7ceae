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
	// validation loss; 0 trains all epochs. Either way the parameters of the
	// best validation epoch are kept and evaluated.
	Patience int `json:"patience"`
	// Seed fixes the initial parameters and the data order.
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
	// UpdateRule selects a loss-balancing or gradient-surgery rule for the
	// training update: UpdateSum (the weighted sum of the task losses),
	// UpdateUW, UpdateGradNorm or UpdatePCGrad (see balance.go). Its JSON
	// name stays "balance", the name it had before, so that configuration
	// hashes, checkpoints and cached units stay valid.
	UpdateRule string `json:"balance,omitempty"`
	// GradNormAlpha is GradNorm's asymmetry α (UpdateRule "gradnorm" only);
	// nil means DefaultGradNormAlpha.
	GradNormAlpha *float64 `json:"gradnorm_alpha,omitempty"`
	// GradNormRate is the gradient-descent rate of GradNorm's task
	// weights (UpdateRule "gradnorm" only); 0 means DefaultGradNormRate.
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
		cfg.Trunk = TrunkSpec{Kind: TrunkCNN, Channels: defaultChannels(), Kernel: defaultKernel, Widths: []int{64}, Activation: "relu"}
	}
	return cfg
}

// FieldError is a refusal of one field of a Config (or of the recipe's
// combination with the data): Field is its JSON name, Value the value
// given and Want what the field accepts. Commands map Field to their flag
// and exit with status 2 for it.
type FieldError struct {
	Field string
	Value any
	Want  string
}

// Error is "config: FIELD = VALUE, want WANT".
func (e *FieldError) Error() string {
	return fmt.Sprintf("config: %s = %s, want %s", e.Field, e.ValueString(), e.Want)
}

// ValueString formats Value: strings quoted, numbers as %g or %d.
func (e *FieldError) ValueString() string {
	switch v := e.Value.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case float64:
		return fmt.Sprintf("%g", v)
	}
	return fmt.Sprint(e.Value)
}

// BadInput marks the error as the user's: commands exit with status 2.
func (e *FieldError) BadInput() {}

func fieldError(field string, value any, want string) error {
	return &FieldError{Field: field, Value: value, Want: want}
}

// Validate reports the first invalid field as a *FieldError.
func (c Config) Validate() error {
	switch c.Trunk.Kind {
	case TrunkMLP:
	case TrunkCNN, TrunkResNet:
		if len(c.Trunk.Channels) == 0 {
			return fieldError("trunk.channels", "[]", "at least one for a "+c.Trunk.Kind+" trunk")
		}
		if c.Trunk.Kernel < 1 {
			return fieldError("trunk.kernel", c.Trunk.Kernel, "at least 1")
		}
	default:
		return fieldError("trunk.kind", c.Trunk.Kind, TrunkMLP+", "+TrunkCNN+" or "+TrunkResNet)
	}
	for k, w := range c.Trunk.Widths {
		if w < 1 {
			return fieldError(fmt.Sprintf("trunk.widths[%d]", k), w, "at least 1")
		}
	}
	for k, ch := range c.Trunk.Channels {
		if ch < 1 {
			return fieldError(fmt.Sprintf("trunk.channels[%d]", k), ch, "at least 1")
		}
	}
	if _, err := activation.TypeString(c.Trunk.Activation); err != nil {
		return fieldError("trunk.activation", c.Trunk.Activation, "an activation of GoMLX (relu, tanh, ...)")
	}
	if c.Head.Hidden < 0 {
		return fieldError("head.hidden", c.Head.Hidden, "0 or more")
	}
	switch c.Optimizer {
	case OptimizerSGD, OptimizerAdam:
	default:
		return fieldError("optimizer", c.Optimizer, OptimizerSGD+" or "+OptimizerAdam)
	}
	if !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0) {
		return fieldError("learning_rate", c.LearningRate, "a positive number")
	}
	if c.Momentum < 0 || c.Momentum >= 1 {
		return fieldError("momentum", c.Momentum, "0 <= momentum < 1")
	}
	switch c.Schedule.Kind {
	case ScheduleConstant, ScheduleCosine:
	case ScheduleStep:
		if c.Schedule.DecayEpochs < 1 {
			return fieldError("schedule.decay_epochs", c.Schedule.DecayEpochs, "at least 1 with a step schedule")
		}
		if !(c.Schedule.Gamma > 0) {
			return fieldError("schedule.gamma", c.Schedule.Gamma, "a positive number with a step schedule")
		}
	default:
		return fieldError("schedule.kind", c.Schedule.Kind, ScheduleConstant+", "+ScheduleCosine+" or "+ScheduleStep)
	}
	if c.BatchSize < 1 {
		return fieldError("batch_size", c.BatchSize, "at least 1")
	}
	if c.Epochs < 1 {
		return fieldError("epochs", c.Epochs, "at least 1")
	}
	if c.Patience < 0 {
		return fieldError("patience", c.Patience, "0 or more")
	}
	if c.CheckpointEvery < 0 {
		return fieldError("checkpoint_every", c.CheckpointEvery, "0 or more")
	}
	for name, w := range c.LossWeights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fieldError(fmt.Sprintf("loss_weights[%q]", name), w, "a finite number >= 0")
		}
	}
	return c.validateUpdateRule()
}

// defaultChannels and defaultKernel are the convolutions of a CNN or ResNet
// trunk that no recipe describes: 16 and 32 channels with 3×3 kernels.
func defaultChannels() []int { return []int{16, 32} }

const defaultKernel = 3

// WithTrunk returns c with a trunk of the given kind, keeping its dense
// widths: a convolutional trunk keeps c's convolutions, or gets the
// default ones (16 and 32 channels with 3×3 kernels); an MLP trunk has
// none. Validate refuses an unknown kind.
func (c Config) WithTrunk(kind string) Config {
	c.Trunk.Kind = kind
	switch kind {
	case TrunkMLP:
		c.Trunk.Channels, c.Trunk.Kernel = nil, 0
	case TrunkCNN, TrunkResNet:
		if len(c.Trunk.Channels) == 0 || c.Trunk.Kernel < 1 {
			c.Trunk.Channels, c.Trunk.Kernel = defaultChannels(), defaultKernel
		}
	}
	return c
}

// ValidateFor is Validate, then the check that the trunk fits inputs of
// inputShape (a CNN or ResNet trunk needs images), as a *FieldError.
func (c Config) ValidateFor(inputShape []int) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return c.checkInput(inputShape)
}

// checkInput refuses a convolutional trunk for inputs that are not images
// [height, width, channels].
func (c Config) checkInput(inputShape []int) error {
	if (c.Trunk.Kind == TrunkCNN || c.Trunk.Kind == TrunkResNet) && len(inputShape) != 3 {
		return fieldError("trunk.kind", c.Trunk.Kind, fmt.Sprintf("%s for inputs of shape %v (a %s trunk needs images [height, width, channels])",
			TrunkMLP, inputShape, c.Trunk.Kind))
	}
	return nil
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
