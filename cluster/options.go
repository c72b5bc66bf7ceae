package cluster

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tagroup/tag/experiment"
)

// Executor names of Options.Name: where `tag run` trains its units.
const (
	// ExecutorLocal trains the units in the process (no cluster).
	ExecutorLocal = "local"
	// ExecutorSlurm submits them as Slurm job arrays (Slurm).
	ExecutorSlurm = "slurm"
	// ExecutorK8s runs them as Kubernetes Indexed Jobs (Kubernetes).
	ExecutorK8s = "k8s"
)

// Environment variables that carry a worker's index.
const (
	// EnvSlurmIndex is the index of a Slurm array task.
	EnvSlurmIndex = "SLURM_ARRAY_TASK_ID"
	// EnvK8sIndex is the completion index of a Kubernetes Indexed Job's pod.
	EnvK8sIndex = "JOB_COMPLETION_INDEX"
)

// Options choose and configure the executor of a run, as the flags of
// `tag run` give them (each field's flag is named beside it); errors name
// those flags.
type Options struct {
	Name        string        // -executor: ExecutorLocal, ExecutorSlurm or ExecutorK8s
	Worker      string        // -worker: the command that trains one unit, split at spaces
	MaxParallel int           // -max-parallel: units at once (0: no bound)
	Retries     int           // -retries: resubmissions of missing units
	SbatchArgs  []string      // -sbatch-arg
	Poll        time.Duration // -poll: interval between checks of the jobs
	Image       string        // -k8s-image
	Claim       string        // -k8s-pvc
	MountPath   string        // -k8s-mount
	Namespace   string        // -k8s-namespace
	Kubectl     string        // -kubectl
	Backoff     int           // -k8s-backoff: backoffLimitPerIndex
	Submit      bool          // -submit
}

// Executor returns the executor o chooses (nil for ExecutorLocal); errors
// are experiment.ConfigError (bad input) naming the flag. Progress lines
// go to log.
func (o Options) Executor(log io.Writer) (experiment.Executor, error) {
	if o.MaxParallel < 0 {
		return nil, badOption("-max-parallel %d: must be at least 0 (0: no bound)", o.MaxParallel)
	}
	if o.Retries < 0 {
		return nil, badOption("-retries %d: must be at least 0", o.Retries)
	}
	if o.Poll <= 0 {
		return nil, badOption("-poll %v: must be positive", o.Poll)
	}
	worker := strings.Fields(o.Worker)
	switch o.Name {
	case ExecutorLocal:
		return nil, nil
	case ExecutorSlurm:
		if len(worker) == 0 {
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("-executor slurm: finding this program for the workers (give -worker): %w", err)
			}
			worker = []string{exe, "unit"}
		}
		return &Slurm{Worker: worker, MaxParallel: o.MaxParallel, Retries: o.Retries,
			SbatchArgs: o.SbatchArgs, Poll: o.Poll, Log: log}, nil
	case ExecutorK8s:
		if o.Image == "" {
			return nil, badOption("-executor k8s needs -k8s-image")
		}
		if o.Claim == "" {
			return nil, badOption("-executor k8s needs -k8s-pvc (a ReadWriteMany claim holding the run directory)")
		}
		if o.Backoff < 0 {
			return nil, badOption("-k8s-backoff %d: must be at least 0", o.Backoff)
		}
		if len(worker) == 0 {
			worker = []string{"tag", "unit"}
		}
		return &Kubernetes{Worker: worker, Image: o.Image, Claim: o.Claim, MountPath: o.MountPath, Namespace: o.Namespace,
			Parallelism: o.MaxParallel, BackoffLimitPerIndex: o.Backoff, Retries: o.Retries, Submit: o.Submit,
			Kubectl: o.Kubectl, Poll: o.Poll, Log: log}, nil
	}
	return nil, badOption("-executor %q: want %s, %s or %s", o.Name, ExecutorLocal, ExecutorSlurm, ExecutorK8s)
}

// Describe says where units train, for the first line of `tag run`.
func (o Options) Describe(workers int) string {
	if o.Name == ExecutorLocal {
		return fmt.Sprintf("%d workers", workers)
	}
	return "executor " + o.Name
}

// UnitIndex returns the plan index of a worker's unit: its own index,
// which is flagIndex when given (≥ 0), else the array task id of Slurm,
// else the completion index of Kubernetes; mapped, when indices (the
// -indices of a resubmission, workerCommand) is given, through that
// comma-separated list. Errors are bad input.
func UnitIndex(flagIndex int, indices string) (int, error) {
	i, err := ownIndex(flagIndex)
	if err != nil || indices == "" {
		return i, err
	}
	list := strings.Split(indices, ",")
	if i >= len(list) {
		return 0, badOption("-indices has %d entries; index %d is past its end", len(list), i)
	}
	j, err := strconv.Atoi(strings.TrimSpace(list[i]))
	if err != nil || j < 0 {
		return 0, badOption("-indices: %q is not an index", list[i])
	}
	return j, nil
}

// ownIndex is the index of UnitIndex before the -indices list.
func ownIndex(flagIndex int) (int, error) {
	if flagIndex >= 0 {
		return flagIndex, nil
	}
	for _, env := range []string{EnvSlurmIndex, EnvK8sIndex} {
		if v, ok := os.LookupEnv(env); ok {
			i, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || i < 0 {
				return 0, badOption("$%s=%q is not an index", env, v)
			}
			return i, nil
		}
	}
	return 0, badOption("no unit index: give -index, or run as a Slurm array task ($%s) or a Kubernetes Indexed Job ($%s)", EnvSlurmIndex, EnvK8sIndex)
}

// badOption formats a refusal of the user's settings.
func badOption(format string, args ...any) error {
	return &experiment.ConfigError{Err: fmt.Errorf(format, args...)}
}
