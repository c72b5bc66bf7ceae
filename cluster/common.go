package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tagroup/tag/experiment"
)

// DefaultPoll is how often an executor asks the scheduler whether its jobs
// have ended.
const DefaultPoll = 5 * time.Second

// DefaultRetries is how many times an executor resubmits the units still
// missing after a job ended.
const DefaultRetries = 2

// progressEvery is the least time between two progress lines of a wait.
const progressEvery = 10 * time.Second

// submitter submits the missing units of a plan as one job and waits for it
// to end; the loop around it (retries, errors) is shared by the executors.
type submitter interface {
	// submit starts a job training the plan's units at indices; attempt
	// counts from 0. Several jobs have their ids joined by commas.
	submit(ctx context.Context, p *experiment.Plan, indices []int, attempt int) (id string, err error)
	// ended reports whether job id of the plan has ended (successfully or
	// not).
	ended(ctx context.Context, p *experiment.Plan, id string) (bool, error)
	// interval is the time between two calls of ended.
	interval() time.Duration
	// logs says where the workers' output is, for errors.
	logs(p *experiment.Plan) string
	// cancel stops job id, when the run is interrupted.
	cancel(id string)
}

// execute submits the plan's missing units with s, waits, and resubmits
// those still missing up to retries times. It returns the job ids, and a
// *experiment.MissingError naming the units still missing at the end.
func execute(ctx context.Context, s submitter, p *experiment.Plan, retries int, log io.Writer, name string) ([]string, error) {
	var ids []string
	todo := p.Missing()
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt > retries {
			return ids, &experiment.MissingError{Plan: p, Indices: todo,
				Reason: fmt.Sprintf("after %d %s submissions (jobs %s; %s)", attempt, name, strings.Join(ids, ", "), s.logs(p))}
		}
		id, err := s.submit(ctx, p, todo, attempt)
		if err != nil {
			return ids, err
		}
		ids = append(ids, strings.Split(id, ",")...)
		fmt.Fprintf(log, "%s: phase %d: job %s: %d units (indices %s)\n", name, p.Phase, id, len(todo), indexList(todo))
		written := len(p.Units) - len(todo)
		last := time.Now()
		err = poll(ctx, s.interval(), name+" job "+id, func() (bool, error) {
			// A line when units were written, at most every progressEvery.
			if time.Since(last) >= progressEvery {
				if n := len(p.Units) - len(p.Missing()); n != written {
					written, last = n, time.Now()
					fmt.Fprintf(log, "%s: phase %d: %d of %d units written\n", name, p.Phase, n, len(p.Units))
				}
			}
			return s.ended(ctx, p, id)
		})
		if err != nil {
			if ctx.Err() != nil {
				s.cancel(id)
				err = fmt.Errorf("interrupted; job %s cancelled (rerun the same command to resume): %w", id, ctx.Err())
			}
			return ids, err
		}
		todo = p.Missing()
		if len(todo) > 0 && attempt < retries {
			fmt.Fprintf(log, "%s: phase %d: job %s ended with %d units missing (indices %s); resubmitting\n",
				name, p.Phase, id, len(todo), indexList(todo))
		}
	}
	return ids, nil
}

// indexList writes increasing indices compactly, as Slurm's --array takes
// them: runs of consecutive indices as ranges, e.g. "0-3,7,9-10".
func indexList(idx []int) string {
	var b strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(idx[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(idx[j]))
		}
		i = j + 1
	}
	return b.String()
}

// command runs name with args and returns its standard output; an error
// carries the command line and its standard error.
func command(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// poll calls ended every interval (DefaultPoll when not positive) until it
// reports true. Its errors are tolerated up to 4 in a row (a scheduler
// busy for a moment); the fifth ends the wait, naming what.
func poll(ctx context.Context, interval time.Duration, what string, ended func() (bool, error)) error {
	if interval <= 0 {
		interval = DefaultPoll
	}
	failures := 0
	for {
		done, err := ended()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			if failures++; failures == 5 {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		case done:
			return nil
		default:
			failures = 0
		}
		if err := sleep(ctx, interval); err != nil {
			return err
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// workerCommand is the command line of a worker of the plan's phase:
// worker followed by the run directory dir and the phase (the index comes
// from the scheduler's environment), and, when indices is given, the
// list that maps the job's task index i to the plan's unit indices[i].
func workerCommand(worker []string, dir string, p *experiment.Plan, indices []int) []string {
	args := append(slices.Clone(worker), "-dir", dir, "-phase", strconv.Itoa(p.Phase))
	if indices != nil {
		list := make([]string, len(indices))
		for i, x := range indices {
			list[i] = strconv.Itoa(x)
		}
		args = append(args, "-indices", strings.Join(list, ","))
	}
	return args
}
