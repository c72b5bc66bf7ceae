package mtl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/taskmatrix"
)

// Options are the parts of a run that are not part of its recipe.
type Options struct {
	// CheckpointDir receives checkpoints; empty means none. If it holds a
	// checkpoint of the same run, Train resumes from it (or returns the
	// stored result of a finished run).
	CheckpointDir string
	// Progress, if set, is called after every training step.
	Progress func(Progress)
	// Affinity, if set, records lookahead affinity during training.
	Affinity *affinity.Options
	// Init, if set, starts from these parameters instead of fresh ones:
	// the trunk and the heads of the tasks it holds (see Parameters); the other
	// heads and the optimizer state start fresh.
	Init *Parameters
	// SnapshotStep, if positive, keeps the parameters after that many
	// steps in Result.Snapshot (none when training ends before). The
	// snapshot is kept in the checkpoint once taken, so a resumed run
	// returns the same one.
	SnapshotStep int
	// MaxSteps, if positive, stops training after this many steps (the
	// epoch in progress is closed as if it had ended).
	MaxSteps int
	// Stop, if set, may end training at the end of an epoch.
	Stop *StopRule
	// Warn, if set, receives a line when a damaged checkpoint is removed
	// and training restarts from scratch; nil writes it to standard error.
	Warn func(string)
}

// Progress describes how far a run has come.
type Progress struct {
	Epoch, Epochs int // current epoch (0-based) and number of epochs
	Step, Steps   int // steps done and planned (without early stopping)
	// Loss is the mean training loss of the epoch so far, weighted by
	// Config.LossWeights (the weights a balance rule learns are not
	// applied).
	Loss    float64
	Elapsed time.Duration // training time, including earlier sessions
	ETA     time.Duration // estimated time left
}

// EpochRecord summarises one finished epoch.
type EpochRecord struct {
	Epoch          int     `json:"epoch"`
	TrainLoss      float64 `json:"train_loss"`
	ValidationLoss float64 `json:"validation_loss"`
}

// Result is the outcome of a run. Validation and Test hold the metrics of
// the parameters of BestEpoch (the epoch with the lowest weighted validation
// loss).
type Result struct {
	Tasks        []string           `json:"tasks"`
	Validation   map[string]Metrics `json:"validation"`
	Test         map[string]Metrics `json:"test"`
	Steps        int                `json:"steps"`
	Epochs       int                `json:"epochs"`
	BestEpoch    int                `json:"best_epoch"`
	StoppedEarly bool               `json:"stopped_early"`
	Seconds      float64            `json:"seconds"`
	History      []EpochRecord      `json:"history"`
	// Affinity (mean Z_{i→j}, row i column j), Cosine and Trajectory are
	// set when Options.Affinity was; AffinitySteps counts the recorded
	// steps.
	Affinity      *taskmatrix.Matrix `json:"affinity,omitempty"`
	Cosine        *taskmatrix.Matrix `json:"cosine,omitempty"`
	Trajectory    []taskmatrix.Point `json:"trajectory,omitempty"`
	AffinitySteps int                `json:"affinity_steps,omitempty"`
	// Parameters are the network's parameters after the last step (not
	// those of BestEpoch): where a continued run (Options.Init) starts.
	Parameters *Parameters `json:"-"`
	// Snapshot are the parameters after Options.SnapshotStep steps, in
	// the form of Parameters; nil without SnapshotStep or when training
	// ended before that step.
	Snapshot *Parameters `json:"-"`
	// Sums are the affinity sums behind Affinity and Cosine (nil when
	// Options.Affinity was not set).
	Sums *affinity.Accumulator `json:"-"`
	// TaskWeights are the task weights that Config.UpdateRule learned, at
	// the end of training: exp(−s_t) = 1/σ_t² for UpdateUW, w_t for
	// UpdateGradNorm; nil for the other rules.
	TaskWeights map[string]float64 `json:"task_weights,omitempty"`
}

// DivergedError reports a non-finite loss or update: the run stops and the
// last checkpoint written before Step stays in place.
type DivergedError struct {
	Step int
	// Task is the first task with a non-finite value, or "" when the
	// losses were finite but the update made a parameter non-finite.
	Task string
	Loss float64
	// What names the non-finite quantity ("loss" or "affinity").
	What string
}

// Error names the step, and the task whose loss diverged when there is one.
func (e *DivergedError) Error() string {
	if e.Task == "" {
		return fmt.Sprintf("step %d: the update made a parameter non-finite", e.Step)
	}
	return fmt.Sprintf("step %d: task %q %s is %g", e.Step, e.Task, e.What, e.Loss)
}

// run is the state of a training run, complete enough to resume it.
type run struct {
	cfg   Config
	opt   Options
	ds    data.Dataset
	tasks []string
	eng   *engine
	train *loader
	st    *runState

	lossWeights             []float32
	stepsPerEpoch, total    int
	started                 time.Time
	startSeconds, startStep float64
}

// Train trains one network with a shared trunk and a head for each of
// tasks on ds, following cfg, and returns the per-task metrics and, when
// opt.Affinity is set, the affinity matrices. Concurrent calls are safe.
// Cancelling ctx stops at the next step, writes a checkpoint (when
// opt.CheckpointDir is set) and returns ctx's error.
func Train(ctx context.Context, ds data.Dataset, tasks []string, cfg Config, opt Options) (*Result, error) {
	r, err := prepare(ds, tasks, cfg, opt)
	if err != nil {
		return nil, err
	}
	defer r.eng.close()
	if r.st.Done {
		res := *r.st.Result
		addAffinity(&res, r.st.Acc)
		res.Snapshot = r.snapshot()
		return &res, nil
	}
	return r.loop(ctx)
}

// StepsPerEpoch returns the training steps of one epoch of cfg on ds: the
// training split in whole batches of Config.BatchSize, or one batch of the
// whole split when it is smaller (0 for an empty split).
func StepsPerEpoch(ds data.Dataset, cfg Config) int {
	n := ds.Len(data.Train)
	if n == 0 {
		return 0
	}
	return n / min(cfg.BatchSize, n)
}

// prepare checks the inputs, builds the model and loads a checkpoint.
func prepare(ds data.Dataset, tasks []string, cfg Config, opt Options) (*run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Affinity != nil {
		if err := opt.Affinity.Validate(); err != nil {
			return nil, err
		}
	}
	if len(tasks) == 0 {
		return nil, errors.New("no tasks to train")
	}
	dsTasks := ds.Tasks()
	cols := make([]int, len(tasks))
	runTasks := make([]data.Task, len(tasks))
	seen := map[string]bool{}
	for j, name := range tasks {
		if seen[name] {
			return nil, fmt.Errorf("task %q listed twice", name)
		}
		seen[name] = true
		c, err := data.TaskIndex(ds, name)
		if err != nil {
			return nil, err
		}
		cols[j], runTasks[j] = c, dsTasks[c]
	}
	lossWeights := make([]float32, len(tasks))
	for j, name := range tasks {
		lossWeights[j] = 1
		if w, ok := cfg.LossWeights[name]; ok {
			lossWeights[j] = float32(w)
		}
	}
	for name := range cfg.LossWeights {
		if !seen[name] {
			return nil, fieldError(fmt.Sprintf("loss_weights[%q]", name), "given", "a task that is trained")
		}
	}
	for _, split := range []data.Split{data.Train, data.Validation, data.Test} {
		if ds.Len(split) == 0 {
			return nil, fmt.Errorf("data set %s has no %s examples", ds.Name(), split)
		}
	}
	m, backend, err := modelOnBackend(cfg, runTasks, ds.InputShape())
	if err != nil {
		return nil, err
	}
	var aff affinity.Options
	if opt.Affinity != nil {
		aff = *opt.Affinity
	}
	eng, err := newEngine(backend, m, lossWeights, aff)
	if err != nil {
		return nil, err
	}
	bs := min(cfg.BatchSize, ds.Len(data.Train))
	r := &run{cfg: cfg, opt: opt, ds: ds, tasks: tasks, eng: eng, train: newLoader(ds, cols, bs), lossWeights: lossWeights}
	r.stepsPerEpoch = StepsPerEpoch(ds, cfg)
	r.total = r.stepsPerEpoch * cfg.Epochs
	fp, err := r.fingerprint()
	if err != nil {
		eng.close()
		return nil, err
	}
	st, err := r.loadCheckpoint(fp)
	if err != nil {
		eng.close()
		return nil, err
	}
	if s := opt.Stop; s != nil && s.Restore != nil {
		var saved []byte
		if st != nil {
			saved = st.StopState
		}
		if err := s.Restore(saved); err != nil {
			eng.close()
			return nil, fmt.Errorf("checkpoint in %s: the stop rule's state: %w", opt.CheckpointDir, err)
		}
	}
	if st == nil {
		st = &runState{Fingerprint: fp, BestLoss: math.Inf(1), BestEpoch: -1}
		st.Params = m.initialValues(cfg.Seed)
		if opt.Init != nil {
			if err := m.warmStart(st.Params, opt.Init); err != nil {
				eng.close()
				return nil, err
			}
		}
		if opt.Affinity != nil {
			st.Acc = affinity.NewAccumulator(tasks)
		}
		if cfg.UpdateRule == UpdateGradNorm {
			st.GradNorm = &gradNormState{Weights: make([]float64, len(tasks))}
			for t := range st.GradNorm.Weights {
				st.GradNorm.Weights[t] = 1
			}
		}
	}
	r.st = st
	eng.setParameters(st.Params, st.State)
	eng.gn = st.GradNorm.clone()
	return r, nil
}

// fingerprint identifies the run, so that a checkpoint of another run is
// never resumed. A data set's identifying notes (data.IdentityNotes) take
// part, since they carry what its name does not, such as a CSV file's
// content digest.
func (r *run) fingerprint() (string, error) {
	notes, _ := data.IdentityNotes(r.ds)
	var init, stop string
	if r.opt.Init != nil {
		init = r.opt.Init.Digest()
	}
	if r.opt.Stop != nil {
		stop = r.opt.Stop.Name
	}
	b, err := json.Marshal(struct {
		Config   Config
		Tasks    []string
		Affinity *affinity.Options
		Data     string
		Lens     [3]int
		Notes    []string `json:",omitempty"`
		Init     string   `json:",omitempty"`
		MaxSteps int      `json:",omitempty"`
		Stop     string   `json:",omitempty"`
	}{r.cfg, r.tasks, r.opt.Affinity, r.ds.Name(),
		[3]int{r.ds.Len(data.Train), r.ds.Len(data.Validation), r.ds.Len(data.Test)}, notes,
		init, r.opt.MaxSteps, stop})
	return string(b), err
}

func (r *run) weightedSum(v []float64) float64 {
	var s float64
	for j, x := range v {
		s += float64(r.lossWeights[j]) * x
	}
	return s
}

// loop trains from the current state to the end of the run.
func (r *run) loop(ctx context.Context) (*Result, error) {
	st := r.st
	r.started, r.startSeconds, r.startStep = time.Now(), st.Seconds, float64(st.Step)
	for st.Epoch < r.cfg.Epochs && !st.Stopped {
		order := data.EpochOrder(r.ds.Len(data.Train), r.cfg.Seed, st.Epoch)
		for st.StepInEpoch < r.stepsPerEpoch {
			if err := ctx.Err(); err != nil {
				return nil, errors.Join(err, r.checkpoint())
			}
			s := st.StepInEpoch * r.train.batch
			if err := r.step(order[s : s+r.train.batch]); err != nil {
				return nil, err
			}
			if err := r.takeSnapshot(); err != nil {
				return nil, err
			}
			if rule := r.opt.Stop; rule != nil && rule.Every > 0 && st.Step%rule.Every == 0 && rule.After(st.Epoch, st.Acc) {
				st.Stopped = true
			}
			if r.cfg.CheckpointEvery > 0 && st.Step%r.cfg.CheckpointEvery == 0 {
				if err := r.checkpoint(); err != nil {
					return nil, err
				}
			}
			if st.Stopped || r.opt.MaxSteps > 0 && st.Step >= r.opt.MaxSteps {
				st.Stopped = true
				break
			}
		}
		if err := r.endEpoch(); err != nil {
			return nil, err
		}
		if err := r.checkpoint(); err != nil {
			return nil, err
		}
	}
	res, err := r.finish()
	if err != nil {
		return nil, err
	}
	// The checkpoint keeps the result without what addAffinity derives
	// from st.Acc, which it holds already: at 1,000 tasks the trajectory's
	// n² points per epoch and a second copy of the sums made the final
	// checkpoint 0.5 GB, encoded in memory at once.
	kept := *res
	kept.Affinity, kept.Cosine, kept.Trajectory, kept.Sums, kept.Snapshot = nil, nil, nil, nil, nil
	st.Done, st.Result = true, &kept
	return res, r.checkpoint()
}

// step runs one training step (and an affinity measurement when due) on
// the training examples idx. A measurement on the training batch shares
// its passes with the step (engine.trainMeasureStep); one on a validation
// batch runs before it.
func (r *run) step(idx []int) error {
	st := r.st
	b, err := r.train.load(data.Train, idx)
	if err != nil {
		return err
	}
	defer b.free()
	lr := float32(r.cfg.learningRate(st.Step, r.stepsPerEpoch, r.total))
	var losses []float32
	var ok bool
	switch a := r.opt.Affinity; {
	case a == nil || st.Step%a.Every != 0:
		losses, ok, err = r.eng.trainStep(b, lr, st.Step)
	case a.Validation:
		if err := r.measureValidation(lr); err != nil {
			return err
		}
		losses, ok, err = r.eng.trainStep(b, lr, st.Step)
	default:
		sources := r.sources()
		losses, ok, err = r.eng.trainMeasureStep(b, lr, st.Step, sources, func(z, cos [][]float64) error {
			return r.record(sources, z, cos, lr)
		})
	}
	if err != nil {
		return err
	}
	if !ok {
		return r.diverged(losses, "loss")
	}
	l64 := make([]float64, len(losses))
	for j, l := range losses {
		l64[j] = float64(l)
	}
	st.EpochLoss += r.weightedSum(l64)
	st.EpochSteps++
	st.Step++
	st.StepInEpoch++
	r.report()
	return nil
}

func (r *run) diverged(values []float32, what string) error {
	for j, v := range values {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return &DivergedError{Step: r.st.Step, Task: r.tasks[j], Loss: f, What: what}
		}
	}
	return &DivergedError{Step: r.st.Step}
}

// measureValidation records the affinity matrix of the current step on a
// validation batch.
func (r *run) measureValidation(lr float32) error {
	st := r.st
	n := r.ds.Len(data.Validation)
	order := data.EpochOrder(n, r.cfg.Seed^0x76616c, st.Step)
	idx := make([]int, r.train.batch)
	for k := range idx {
		idx[k] = order[k%n]
	}
	vb, err := r.train.load(data.Validation, idx)
	if err != nil {
		return err
	}
	defer vb.free()
	sources := r.sources()
	z, cos, losses, err := r.eng.measure(vb, lr, st.Step, sources)
	if err != nil {
		return err
	}
	if !allFinite(losses) {
		return r.diverged(losses, "loss")
	}
	return r.record(sources, z, cos, lr)
}

// sources returns the source tasks of the next measurement of the sampled
// estimator (affinity.SourceTasks, numbered by the measurements recorded
// so far, so that a resumed run takes the same), nil for the others.
func (r *run) sources() []int {
	a := r.opt.Affinity
	if a.Estimator != affinity.Sampled {
		return nil
	}
	n := len(r.tasks)
	return affinity.SourceTasks(r.cfg.Seed, n, a.SourcesFor(n), r.st.Acc.Count)
}

// record adds the matrices of the current step to the accumulator, after
// dividing Z by the learning rate if asked: row k of z is the lookahead
// of sources[k] (of task k when sources is nil). A non-finite Z stops the
// run naming both tasks.
func (r *run) record(sources []int, z, cos [][]float64, lr float32) error {
	st, a := r.st, r.opt.Affinity
	for k, row := range z {
		i := k
		if sources != nil {
			i = sources[k]
		}
		for j := range row {
			if a.DivideByLR {
				row[j] /= float64(lr)
			}
			if math.IsNaN(row[j]) || math.IsInf(row[j], 0) {
				return &DivergedError{Step: st.Step, Task: r.tasks[j], Loss: row[j],
					What: fmt.Sprintf("affinity from %q", r.tasks[i])}
			}
		}
	}
	if sources != nil {
		return st.Acc.AddSources(st.Epoch, sources, z, cos)
	}
	return st.Acc.Add(st.Epoch, z, cos)
}

func (r *run) elapsed() time.Duration {
	return time.Duration(r.startSeconds*float64(time.Second)) + time.Since(r.started)
}

func (r *run) report() {
	if r.opt.Progress == nil {
		return
	}
	st := r.st
	p := Progress{Epoch: st.Epoch, Epochs: r.cfg.Epochs, Step: st.Step, Steps: r.total,
		Loss: st.EpochLoss / float64(max(st.EpochSteps, 1)), Elapsed: r.elapsed()}
	if done := float64(st.Step) - r.startStep; done > 0 {
		p.ETA = time.Duration(float64(time.Since(r.started)) / done * float64(r.total-st.Step))
	}
	r.opt.Progress(p)
}

// endEpoch evaluates the validation split and updates early stopping.
func (r *run) endEpoch() error {
	st := r.st
	val, err := r.eng.evaluate(r.train, data.Validation)
	if err != nil {
		return err
	}
	losses := make([]float64, len(val))
	for j, m := range val {
		losses[j] = m.Loss
	}
	vl := r.weightedSum(losses)
	st.History = append(st.History, EpochRecord{Epoch: st.Epoch,
		TrainLoss: st.EpochLoss / float64(max(st.EpochSteps, 1)), ValidationLoss: vl})
	if vl < st.BestLoss {
		best, err := r.eng.copyParams()
		if err != nil {
			return err
		}
		st.Best, st.BestLoss, st.BestEpoch, st.BadEpochs = best, vl, st.Epoch, 0
	} else {
		st.BadEpochs++
	}
	st.Epoch++
	st.StepInEpoch, st.EpochLoss, st.EpochSteps = 0, 0, 0
	if r.cfg.Patience > 0 && st.BadEpochs >= r.cfg.Patience {
		st.Stopped = true
	}
	if r.opt.Stop != nil && r.opt.Stop.Every == 0 && r.opt.Stop.After(st.Epoch-1, st.Acc) {
		st.Stopped = true
	}
	return nil
}

// takeSnapshot keeps the parameters in the run's state when the step
// just done is Options.SnapshotStep.
func (r *run) takeSnapshot() error {
	st := r.st
	if r.opt.SnapshotStep <= 0 || st.Step != r.opt.SnapshotStep {
		return nil
	}
	v, err := r.eng.copyParams()
	if err != nil {
		return err
	}
	st.Snapshot, st.SnapshotStep = v, st.Step
	return nil
}

// snapshot returns the parameters kept at Options.SnapshotStep, nil when
// none were.
func (r *run) snapshot() *Parameters {
	st := r.st
	if st.Snapshot == nil || r.opt.SnapshotStep <= 0 || st.SnapshotStep != r.opt.SnapshotStep {
		return nil
	}
	return r.eng.m.parametersOf(st.Snapshot)
}

// finish evaluates the best weights and assembles the result.
func (r *run) finish() (*Result, error) {
	st := r.st
	learned, err := r.eng.learnedWeights()
	if err != nil {
		return nil, err
	}
	last, err := r.eng.copyParams()
	if err != nil {
		return nil, err
	}
	if st.Best != nil {
		r.eng.setParameters(st.Best, nil)
	}
	res := &Result{Tasks: r.tasks, Steps: st.Step, Epochs: st.Epoch, BestEpoch: st.BestEpoch,
		StoppedEarly: st.Stopped, History: st.History, Seconds: r.elapsed().Seconds(),
		Validation: map[string]Metrics{}, Test: map[string]Metrics{}, Parameters: r.eng.m.parametersOf(last),
		Snapshot: r.snapshot()}
	if learned != nil {
		res.TaskWeights = map[string]float64{}
		for t, w := range learned {
			res.TaskWeights[r.tasks[t]] = w
		}
	}
	for _, part := range []struct {
		split data.Split
		dst   map[string]Metrics
	}{{data.Validation, res.Validation}, {data.Test, res.Test}} {
		ms, err := r.eng.evaluate(r.train, part.split)
		if err != nil {
			return nil, err
		}
		for j, m := range ms {
			part.dst[r.tasks[j]] = m
		}
	}
	addAffinity(res, st.Acc)
	return res, nil
}

// addAffinity sets the affinity fields of res from acc (none when acc is
// nil): the means, the trajectory, the count and the sums.
func addAffinity(res *Result, acc *affinity.Accumulator) {
	if acc != nil {
		res.Affinity, res.Cosine = acc.Affinity(), acc.CosineMean()
		res.Trajectory, res.AffinitySteps = acc.Trajectory(), acc.Count
		res.Sums = acc
	}
}
