package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/shellquote"
)

// Slurm runs each phase's units as one Slurm job array: `sbatch --parsable
// --array=INDICES%MaxParallel`, one array task per unit of the plan, each
// running Worker followed by "-dir DIR -phase N" (the worker reads its
// index from SLURM_ARRAY_TASK_ID). It polls squeue until the array has
// left the queue, then resubmits, as a new array, the indices whose unit
// file is still missing (a cancelled, failed, killed or timed-out task), at
// most Retries times. Each task's output goes to DIR/jobs/.
//
// sbatch, squeue and scancel must be on PATH and reach the cluster (for
// example through SLURM_CONF). A plan of more units than the cluster's
// MaxArraySize is split into several arrays (MaxParallel bounds each).
type Slurm struct {
	// Worker is the command that trains one unit, e.g. ["/usr/local/bin/tag",
	// "unit"]; it must exist on the compute nodes.
	Worker []string
	// MaxParallel bounds the array tasks running at once (%M); 0: no bound.
	MaxParallel int
	// Retries is the number of resubmissions of missing units.
	Retries int
	// MaxArraySize is the cluster's MaxArraySize (0: read with `scontrol
	// show config`, else DefaultMaxArraySize); a plan with more units is
	// submitted as several arrays.
	MaxArraySize int
	// SbatchArgs are passed to sbatch before the job (partition, time,
	// memory, GPUs: "--partition=gpu", "--time=2:00:00", ...).
	SbatchArgs []string
	// Poll is the interval between squeue calls (0: DefaultPoll).
	Poll time.Duration
	// Log receives a line per submission and resubmission (nil: none).
	Log io.Writer
}

// Name returns "slurm".
func (s *Slurm) Name() string { return "slurm" }

// Execute submits the plan's missing units as job arrays until every unit
// is written or the retries are spent, and returns the job ids.
func (s *Slurm) Execute(ctx context.Context, p *experiment.Plan) ([]string, error) {
	if len(s.Worker) == 0 {
		return nil, errors.New("slurm executor: no worker command")
	}
	if s.MaxArraySize <= 0 {
		s.MaxArraySize = maxArraySize(ctx)
	}
	return execute(ctx, s, p, s.Retries, logOrDiscard(s.Log), "slurm")
}

// maxArraySize reads the cluster's MaxArraySize from `scontrol show
// config`; DefaultMaxArraySize when it cannot.
func maxArraySize(ctx context.Context) int {
	out, err := command(ctx, "scontrol", "show", "config")
	if err != nil {
		return DefaultMaxArraySize
	}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "MaxArraySize" {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				return n
			}
		}
	}
	return DefaultMaxArraySize
}

// DefaultMaxArraySize is Slurm's default MaxArraySize: array task ids
// must be below it.
const DefaultMaxArraySize = 1001

// arrays splits indices into the arrays of one submission: at most
// MaxArraySize tasks each; a chunk whose indices are all below
// MaxArraySize uses them as task ids, another uses task ids 0, 1, ... and
// the worker's -indices list.
func (s *Slurm) arrays(indices []int) (chunks [][]int, remap []bool) {
	m := s.MaxArraySize
	if m <= 0 {
		m = DefaultMaxArraySize
	}
	for start := 0; start < len(indices); start += m {
		c := indices[start:min(start+m, len(indices))]
		chunks = append(chunks, c)
		remap = append(remap, c[len(c)-1] >= m)
	}
	return chunks, remap
}

// sbatchArgs returns the arguments of sbatch for the plan's units at
// indices, as one array (remap: task i trains indices[i]).
func (s *Slurm) sbatchArgs(p *experiment.Plan, indices []int, remap bool, attempt int) ([]string, error) {
	dir, err := filepath.Abs(p.Dir())
	if err != nil {
		return nil, err
	}
	l := experiment.Layout{Dir: dir}
	if err := os.MkdirAll(l.Jobs(), 0o755); err != nil {
		return nil, err
	}
	array, taskUnits := indexList(indices), []int(nil)
	if remap {
		array, taskUnits = fmt.Sprintf("0-%d", len(indices)-1), indices
	}
	words := append([]string{"exec"}, workerCommand(s.Worker, dir, p, taskUnits)...)
	if s.MaxParallel > 0 {
		array += "%" + strconv.Itoa(s.MaxParallel)
	}
	wd := p.WorkDir
	if wd == "" {
		wd = dir
	}
	for i, w := range words[1:] {
		words[i+1] = shellquote.Quote(w)
	}
	args := []string{
		"--parsable",
		"--array=" + array,
		"--job-name=tag-" + filepath.Base(dir) + "-p" + strconv.Itoa(p.Phase),
		"--output=" + l.Job(fmt.Sprintf("slurm-phase%d-try%d-%%A_%%a.out", p.Phase, attempt)),
		"--chdir=" + wd,
	}
	args = append(args, s.SbatchArgs...)
	return append(args, "--wrap="+strings.Join(words, " ")), nil
}

// submit submits one array per chunk of indices (see arrays) and returns
// their job ids joined by commas, as squeue -j takes them.
func (s *Slurm) submit(ctx context.Context, p *experiment.Plan, indices []int, attempt int) (string, error) {
	var ids []string
	chunks, remap := s.arrays(indices)
	for i, c := range chunks {
		args, err := s.sbatchArgs(p, c, remap[i], attempt)
		if err != nil {
			return "", err
		}
		out, err := command(ctx, "sbatch", args...)
		if err != nil {
			if len(ids) > 0 {
				s.cancel(strings.Join(ids, ","))
			}
			return "", err
		}
		// --parsable prints "jobid" or "jobid;cluster".
		id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return "", fmt.Errorf("sbatch printed %q, not a job id", out)
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, ","), nil
}

// ended asks squeue whether the jobs of id (ids joined by commas) have a
// task pending, running or completing; squeue forgetting the ids ("Invalid
// job id") also means they ended.
func (s *Slurm) ended(ctx context.Context, _ *experiment.Plan, id string) (bool, error) {
	out, err := command(ctx, "squeue", "-h", "-j", id, "-o", "%i %T")
	if err != nil && strings.Contains(err.Error(), "Invalid job id") {
		return true, nil
	}
	return err == nil && strings.TrimSpace(out) == "", err
}

func (s *Slurm) interval() time.Duration { return s.Poll }

func (s *Slurm) logs(p *experiment.Plan) string {
	return "the tasks' output is in " + experiment.Layout{Dir: p.Dir()}.Jobs()
}

func (s *Slurm) cancel(ids string) {
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	command(ctx, "scancel", strings.Split(ids, ",")...)
}

func logOrDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
