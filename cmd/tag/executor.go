package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tagroup/tag/cluster"
	"github.com/tagroup/tag/experiment"
)

// Executor names of -executor.
const (
	execLocal = "local"
	execSlurm = "slurm"
	execK8s   = "k8s"
)

// executorFlags choose where tag run trains its units: in the process
// (local), as Slurm job arrays or as Kubernetes Indexed Jobs.
type executorFlags struct {
	name, worker  string
	maxParallel   int
	retries       int
	sbatchArgs    listFlag
	poll          time.Duration
	image, claim  string
	mount, ns     string
	kubectl       string
	backoffPerIdx int
	submit        bool
}

// listFlag is a flag that may be given several times; each value is kept.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// addExecutorFlags defines -executor and the flags of the cluster
// executors on fs.
func addExecutorFlags(fs *flag.FlagSet) *executorFlags {
	e := &executorFlags{}
	fs.StringVar(&e.name, "executor", execLocal, "where the units train: local (this process, -workers at once), slurm (job arrays via sbatch) or k8s (Indexed Jobs); the run DIR must be on a file system every node shares")
	fs.StringVar(&e.worker, "worker", "", "`COMMAND` that trains one unit on a node, split at spaces (default: this tag binary's 'unit' for slurm, 'tag unit' in the image for k8s)")
	fs.IntVar(&e.maxParallel, "max-parallel", 0, "units running at once on the cluster (per array: sbatch --array=...%M; a Job's parallelism); 0: no bound")
	fs.IntVar(&e.retries, "retries", cluster.DefaultRetries, "resubmissions of the units still missing after a job array or Job ended")
	fs.Var(&e.sbatchArgs, "sbatch-arg", "`ARG` passed to sbatch, e.g. -sbatch-arg=--partition=gpu -sbatch-arg=--time=2:00:00 (repeatable)")
	fs.DurationVar(&e.poll, "poll", cluster.DefaultPoll, "interval between the executor's checks of its jobs")
	fs.StringVar(&e.image, "k8s-image", "", "container `IMAGE` with tag for -executor k8s")
	fs.StringVar(&e.claim, "k8s-pvc", "", "ReadWriteMany PersistentVolumeClaim `NAME` holding the run directory, for -executor k8s")
	fs.StringVar(&e.mount, "k8s-mount", "", "`PATH` where the claim is mounted and the pods work (default: the current directory, which must be the same path on the volume)")
	fs.StringVar(&e.ns, "k8s-namespace", "", "Kubernetes `NAMESPACE` of the Jobs (default: kubectl's)")
	fs.IntVar(&e.backoffPerIdx, "k8s-backoff", 1, "backoffLimitPerIndex of each Job: retries of a failed index within the Job")
	fs.BoolVar(&e.submit, "submit", false, "-executor k8s: apply each Job with kubectl and wait for it (default: write DIR/jobs/*.json and wait for the units)")
	fs.StringVar(&e.kubectl, "kubectl", "kubectl", "kubectl `COMMAND` for -executor k8s -submit")
	return e
}

// executor returns the executor the flags choose (nil for local); errors
// are input errors naming the flag. Progress lines go to log.
func (e *executorFlags) executor(log io.Writer) (experiment.Executor, error) {
	if e.maxParallel < 0 {
		return nil, badInputf("-max-parallel %d: must be at least 0 (0: no bound)", e.maxParallel)
	}
	if e.retries < 0 {
		return nil, badInputf("-retries %d: must be at least 0", e.retries)
	}
	if e.poll <= 0 {
		return nil, badInputf("-poll %v: must be positive", e.poll)
	}
	worker := strings.Fields(e.worker)
	switch e.name {
	case execLocal:
		return nil, nil
	case execSlurm:
		if len(worker) == 0 {
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("-executor slurm: finding this program for the workers (give -worker): %w", err)
			}
			worker = []string{exe, "unit"}
		}
		return &cluster.Slurm{Worker: worker, MaxParallel: e.maxParallel, Retries: e.retries,
			SbatchArgs: e.sbatchArgs, Poll: e.poll, Log: log}, nil
	case execK8s:
		if e.image == "" {
			return nil, badInputf("-executor k8s needs -k8s-image")
		}
		if e.claim == "" {
			return nil, badInputf("-executor k8s needs -k8s-pvc (a ReadWriteMany claim holding the run directory)")
		}
		if e.backoffPerIdx < 0 {
			return nil, badInputf("-k8s-backoff %d: must be at least 0", e.backoffPerIdx)
		}
		if len(worker) == 0 {
			worker = []string{"tag", "unit"}
		}
		return &cluster.Kubernetes{Worker: worker, Image: e.image, Claim: e.claim, MountPath: e.mount, Namespace: e.ns,
			Parallelism: e.maxParallel, BackoffLimitPerIndex: e.backoffPerIdx, Retries: e.retries, Submit: e.submit,
			Kubectl: e.kubectl, Poll: e.poll, Log: log}, nil
	}
	return nil, badInputf("-executor %q: want local, slurm or k8s", e.name)
}

// describe says where units train, for tag run's first line.
func (e *executorFlags) describe(workers int) string {
	if e.name == execLocal {
		return fmt.Sprintf("%d workers", workers)
	}
	return "executor " + e.name
}
