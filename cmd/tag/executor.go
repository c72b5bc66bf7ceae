package main

import (
	"flag"
	"strings"

	"github.com/tagroup/tag/cluster"
)

// listFlag is a flag that may be given several times; each value is kept.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// addExecutorFlags defines -executor and the flags of the cluster
// executors on fs, into the cluster.Options they return.
func addExecutorFlags(fs *flag.FlagSet) *cluster.Options {
	e := &cluster.Options{}
	fs.StringVar(&e.Name, "executor", cluster.ExecutorLocal, "where the units train: local (this process, -workers at once), slurm (job arrays via sbatch) or k8s (Indexed Jobs); the run DIR must be on a file system every node shares")
	fs.StringVar(&e.Worker, "worker", "", "`COMMAND` that trains one unit on a node, split at spaces (default: this tag binary's 'unit' for slurm, 'tag unit' in the image for k8s)")
	fs.IntVar(&e.MaxParallel, "max-parallel", 0, "units running at once on the cluster (per array: sbatch --array=...%M; a Job's parallelism); 0: no bound")
	fs.IntVar(&e.Retries, "retries", cluster.DefaultRetries, "resubmissions of the units still missing after a job array or Job ended")
	fs.Var((*listFlag)(&e.SbatchArgs), "sbatch-arg", "`ARG` passed to sbatch, e.g. -sbatch-arg=--partition=gpu -sbatch-arg=--time=2:00:00 (repeatable)")
	fs.DurationVar(&e.Poll, "poll", cluster.DefaultPoll, "interval between the executor's checks of its jobs")
	fs.StringVar(&e.Image, "k8s-image", "", "container `IMAGE` with tag for -executor k8s")
	fs.StringVar(&e.Claim, "k8s-pvc", "", "ReadWriteMany PersistentVolumeClaim `NAME` holding the run directory, for -executor k8s")
	fs.StringVar(&e.MountPath, "k8s-mount", "", "`PATH` where the claim is mounted and the pods work (default: the current directory, which must be the same path on the volume)")
	fs.StringVar(&e.Namespace, "k8s-namespace", "", "Kubernetes `NAMESPACE` of the Jobs (default: kubectl's)")
	fs.IntVar(&e.Backoff, "k8s-backoff", 1, "backoffLimitPerIndex of each Job: retries of a failed index within the Job")
	fs.BoolVar(&e.Submit, "submit", false, "-executor k8s: apply each Job with kubectl and wait for it (default: write DIR/jobs/*.json and wait for the units)")
	fs.StringVar(&e.Kubectl, "kubectl", "kubectl", "kubectl `COMMAND` for -executor k8s -submit")
	return e
}
