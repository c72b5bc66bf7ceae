// Package cluster hands the units of an experiment (package experiment) to
// a cluster's own scheduler instead of training them in the running
// process: Slurm job arrays (Slurm) and Kubernetes Indexed Jobs
// (Kubernetes). Both implement experiment.Executor: for each phase of a
// run, the experiment writes a Plan of the units still missing to the run
// directory, and the executor submits one array task (or Job index) per
// unit, each running a worker command (`tag unit -dir DIR -phase N`) that
// reads its index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX and
// trains exactly that unit of the plan. The executor waits for the jobs to
// end, resubmits the indices whose unit file is still missing (a bounded
// number of times), and returns; the experiment then reads the unit files.
//
// Units are idempotent and written atomically, and a unit's lock file lets
// one process train it at a time, so a task that runs twice, is cancelled
// or is killed costs time, never correctness. The run directory (and any
// data file the run reads) must be on a file system every node sees at
// the same path, with working flock (NFS v4 and most cluster file systems;
// Lustre needs its flock mount option).
package cluster
