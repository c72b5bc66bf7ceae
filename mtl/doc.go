// Package mtl trains multi-task networks, a shared trunk with one head per
// task, on the GoMLX graph engine (github.com/gomlx/gomlx) with the pure-Go
// compute backend by default. It is the training engine of Task Affinity
// Groupings (Fifty et al., NeurIPS 2021): the same run can record the
// lookahead inter-task affinity of Eq. 1 (package affinity) every few steps.
//
// One word per concept: parameters are the network's trained values
// (Parameters, Options.Init, Result.Parameters); loss weights scale each
// task's loss in the objective (Config.LossWeights); task weights are what
// an update rule learns in their place (Config.UpdateRule,
// Result.TaskWeights). A layer's weights are its weight matrix beside its
// bias.
//
// The model's parameters are explicit inputs and outputs of compiled
// executables with fixed batch shapes: a training step (per-task losses,
// weighted sum, gradient, optimizer update), an evaluation step (masked
// sums of loss and error, so that the metrics of a split are exact), an
// affinity step that computes the whole n×n matrix of Eq. 1 without
// writing anything back (used when affinity is measured on validation
// batches), and, for steps that measure on their own training batch, a
// training step fused with the affinity step: the per-task gradients of
// the measurement also make the training update, so a measured step costs
// the measurement plus a short backward pass through the heads. Keeping the parameters in Go makes checkpoints
// exact: a resumed run continues with the same parameters, optimizer state,
// step counters, data order (data.EpochOrder) and affinity sums, and ends
// with the same result as an uninterrupted one.
//
// Update rules (Config.UpdateRule): besides the weighted sum of the task
// losses, a run can train with one of the loss-balancing and
// gradient-surgery baselines of the TAG paper: uncertainty weighting
// (Kendall et al. 2018; learned log-variances among the parameters),
// GradNorm (Chen et al. 2018; task weights updated after every step from
// the gradient norms on the last shared layer) and PCGrad (Yu et al. 2020;
// conflicting per-task gradients on the shared parameters projected apart,
// from the same per-task gradients that the affinity measurement uses).
// Their exact forms are documented with UpdateUW, UpdateGradNorm and
// UpdatePCGrad; their state is in the checkpoint, so resuming stays exact.
//
// Losses: sigmoid cross-entropy for binary tasks, softmax cross-entropy for
// multi-class tasks, mean squared error for regression; metrics: error rate
// and mean squared error. Optimizers: SGD with momentum and Adam (Kingma &
// Ba 2015), with constant, cosine or step-decay learning-rate schedules and
// early stopping on the validation loss (the best epoch's parameters are kept
// and evaluated). The model has no batch normalisation, so no pass has
// running statistics to update.
//
// Backends: Config.Backend or $GOMLX_BACKEND, else the pure-Go backend with
// an unbounded worker pool, which runs independent operations in parallel;
// docs/go-backend-deadlock.md explains why the pool's default bound can deadlock in
// github.com/gomlx/compute v0.1.2 and which configurations are refused.
// The XLA backend (GPU) is compiled in with the build tag xla.
//
// Speed: the pure-Go backend's cost on small models is per graph
// operation, so the heads without a hidden layer are one product of the
// features with their weights side by side, all-binary losses are one
// expression, and one finiteness check covers the new parameters. Its
// AVX2/AVX-512 matrix kernels are compiled only with GOEXPERIMENT=simd
// (SIMDKernels; SIMDWarning is the line a long run prints without them).
// On a one-layer ReLU trunk with binary heads (the default glyph model)
// the measurement takes the n lookaheads through the batch's kernel x·xᵀ
// instead of forming the n gradients (kernelMeasurement) when that needs
// fewer multiply-adds (lookaheadByKernel); on the pure-Go backend the n²
// losses after the lookaheads are then evaluated on the host from the
// heads' outputs (lookahead.go), where a softplus costs a table lookup
// instead of two float64 math calls. MeasureThroughput times a plain
// step, an affinity-measuring training step and the measurement alone,
// and counts their FLOPs (`tag bench throughput`).
//
// Continuing on another task list: Result.Parameters are a run's last
// parameters, heads by task name (Parameters); Options.Init starts a run for another list
// from them (trunk and shared heads copied, new heads fresh), and
// Options.MaxSteps and Options.Stop end it early, all part of the
// checkpoint's fingerprint, so a resumed continuation ends like an
// uninterrupted one.
//
// Where things are: config.go (the recipe and its checks), params.go (the
// parameters), layer.go (an affine layer with its own gradient and its
// primitives), conv.go (the convolution as patches, with its own
// gradient), model.go (trunk, heads, losses), lookahead.go (every fast
// path of Eq. 1), balance.go (the balance rules), optimizer.go, engine.go
// (the compiled executables), train.go (the training loop), checkpoint.go,
// warmstart.go, throughput.go and backend.go.
package mtl
