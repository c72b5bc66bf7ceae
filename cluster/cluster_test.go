package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tagroup/tag/experiment"
)

// trainer is a Trainer whose every metric is the group size: enough for a
// run of mtl and stl, which select nothing.
type trainer struct{}

func (trainer) Recipe() any { return "cluster-test" }

func metrics(tasks []string) map[string]experiment.TaskMetrics {
	m := map[string]experiment.TaskMetrics{}
	for _, t := range tasks {
		v := float64(len(tasks))
		m[t] = experiment.TaskMetrics{Validation: experiment.Metrics{Loss: v, Error: v}, Test: experiment.Metrics{Loss: v, Error: v}}
	}
	return m
}

func (trainer) TrainGroup(_ context.Context, job experiment.Job) (*experiment.GroupResult, error) {
	return &experiment.GroupResult{Tasks: metrics(job.Tasks), Steps: 1}, nil
}

func (trainer) AffinityRun(context.Context, experiment.Job) (*experiment.AffinityResult, error) {
	return nil, errors.New("no affinity run in these tests")
}

// capture is an Executor that keeps the plan and stops the run.
type capture struct{ plan *experiment.Plan }

func (c *capture) Name() string { return "capture" }
func (c *capture) Execute(_ context.Context, p *experiment.Plan) ([]string, error) {
	c.plan = p
	return nil, errors.New("captured")
}

var testData = map[string]any{"name": "cluster-test"}

// testPlan returns the phase-1 plan of mtl and stl on five tasks: six units.
func testPlan(t *testing.T) *experiment.Plan {
	t.Helper()
	c := &capture{}
	cfg := experiment.Config{Tasks: []string{"a", "b", "c", "d", "e"}, Methods: []string{experiment.MTL, experiment.STL},
		Data: testData, Executor: c, Worker: []string{"-data", "x.csv"}}
	_, err := experiment.Run(context.Background(), t.TempDir(), cfg, trainer{}, nil)
	if c.plan == nil {
		t.Fatalf("no plan captured: %v", err)
	}
	if len(c.plan.Units) != 6 {
		t.Fatalf("plan of %d units, want 6", len(c.plan.Units))
	}
	return c.plan
}

// fakeSubmitter trains the units it is handed with Plan.RunUnit, except
// those in skip at the attempts listed there.
type fakeSubmitter struct {
	skip     map[int][]int // index → attempts at which it is not trained
	attempts [][]int
}

func (f *fakeSubmitter) submit(ctx context.Context, p *experiment.Plan, indices []int, attempt int) (string, error) {
	f.attempts = append(f.attempts, slices.Clone(indices))
	for _, i := range indices {
		if slices.Contains(f.skip[i], attempt) {
			continue
		}
		if _, err := p.RunUnit(ctx, i, testData, trainer{}); err != nil {
			return "", err
		}
	}
	return "job" + strconv.Itoa(attempt), nil
}

func (f *fakeSubmitter) ended(context.Context, *experiment.Plan, string) (bool, error) {
	return true, nil
}
func (f *fakeSubmitter) interval() time.Duration      { return time.Millisecond }
func (f *fakeSubmitter) logs(*experiment.Plan) string { return "nowhere" }
func (f *fakeSubmitter) cancel(string)                {}

// TestRetries: missing units are resubmitted, alone, up to the retry bound;
// past it, the error names them, and a later execute trains only them.
func TestRetries(t *testing.T) {
	p := testPlan(t)
	f := &fakeSubmitter{skip: map[int][]int{1: {0}, 4: {0, 1}}}
	var log bytes.Buffer
	ids, err := execute(context.Background(), f, p, 2, &log, "fake")
	if err != nil || !slices.Equal(ids, []string{"job0", "job1", "job2"}) {
		t.Fatalf("ids %v, err %v", ids, err)
	}
	if want := [][]int{{0, 1, 2, 3, 4, 5}, {1, 4}, {4}}; fmt.Sprint(f.attempts) != fmt.Sprint(want) {
		t.Errorf("submissions %v, want %v", f.attempts, want)
	}
	if !strings.Contains(log.String(), "resubmitting") {
		t.Errorf("log: %s", log.String())
	}

	p = testPlan(t)
	f = &fakeSubmitter{skip: map[int][]int{2: {0, 1, 2}}}
	_, err = execute(context.Background(), f, p, 1, io.Discard, "fake")
	var me *experiment.MissingError
	if !errors.As(err, &me) || !slices.Equal(me.Indices, []int{2}) || !strings.Contains(err.Error(), p.Units[2].String()) ||
		!strings.Contains(err.Error(), "after 2 fake submissions (jobs job0, job1; nowhere)") {
		t.Fatalf("want a MissingError naming unit 2 after 2 submissions, got %v", err)
	}
	f = &fakeSubmitter{}
	if _, err := execute(context.Background(), f, p, 0, io.Discard, "fake"); err != nil || fmt.Sprint(f.attempts) != "[[2]]" {
		t.Errorf("resume: submissions %v, err %v", f.attempts, err)
	}
}

func TestIndexList(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{{[]int{0}, "0"}, {[]int{0, 1, 2, 3}, "0-3"}, {[]int{0, 2, 3, 4, 7, 9, 10}, "0,2-4,7,9-10"}, {nil, ""}} {
		if got := indexList(tc.in); got != tc.want {
			t.Errorf("indexList(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSbatchArgs: the array holds the indices and the bound, the pass-through
// options come before the job, and the worker command survives the shell.
func TestSbatchArgs(t *testing.T) {
	p := testPlan(t)
	s := &Slurm{Worker: []string{"/opt/my tag/tag", "unit"}, MaxParallel: 3, SbatchArgs: []string{"--partition=gpu", "--time=1:00:00"}}
	args, err := s.sbatchArgs(p, []int{0, 1, 2, 5}, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(args, "\n")
	for _, want := range []string{"--parsable", "--array=0-2,5%3", "--partition=gpu", "--time=1:00:00", "--chdir=" + p.WorkDir,
		"try1-%A_%a.out", "--wrap=exec '/opt/my tag/tag' unit -dir " + p.Dir() + " -phase 1"} {
		if !strings.Contains(joined, want) {
			t.Errorf("sbatch arguments lack %q:\n%s", want, joined)
		}
	}
	if !strings.HasPrefix(args[len(args)-1], "--wrap=") {
		t.Errorf("--wrap is not last: %v", args)
	}
	// Past MaxArraySize, arrays of task ids 0, 1, ... map to the plan's
	// indices with the worker's -indices.
	s.MaxArraySize = 4
	chunks, remap := s.arrays([]int{0, 1, 2, 3, 5, 6, 7, 9, 10})
	if fmt.Sprint(chunks, remap) != "[[0 1 2 3] [5 6 7 9] [10]] [false true true]" {
		t.Errorf("arrays: %v %v", chunks, remap)
	}
	args, err = s.sbatchArgs(p, chunks[1], true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if joined := strings.Join(args, "\n"); !strings.Contains(joined, "--array=0-3%3") || !strings.HasSuffix(joined, " -indices 5,6,7,9") {
		t.Errorf("remapped array:\n%s", joined)
	}
}

// job is the part of batch/v1 Job that Kubernetes.Manifest writes, with
// the API's field names; decoding refuses any other field.
type job struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		CompletionMode       string `json:"completionMode"`
		Completions          int    `json:"completions"`
		Parallelism          int    `json:"parallelism"`
		BackoffLimitPerIndex *int   `json:"backoffLimitPerIndex"`
		Template             struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				RestartPolicy string `json:"restartPolicy"`
				Containers    []struct {
					Name       string   `json:"name"`
					Image      string   `json:"image"`
					Command    []string `json:"command"`
					WorkingDir string   `json:"workingDir"`
					Env        []struct {
						Name      string `json:"name"`
						ValueFrom struct {
							FieldRef struct {
								FieldPath string `json:"fieldPath"`
							} `json:"fieldRef"`
						} `json:"valueFrom"`
					} `json:"env"`
					VolumeMounts []struct {
						Name      string `json:"name"`
						MountPath string `json:"mountPath"`
					} `json:"volumeMounts"`
				} `json:"containers"`
				Volumes []struct {
					Name                  string `json:"name"`
					PersistentVolumeClaim struct {
						ClaimName string `json:"claimName"`
					} `json:"persistentVolumeClaim"`
				} `json:"volumes"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

// TestManifest checks the Job of a first submission and of a resubmission
// against the batch/v1 fields: an Indexed Job of one completion per unit,
// the claim mounted where the pods work, the completion index in the
// environment, and -indices mapping completion indices to plan units.
func TestManifest(t *testing.T) {
	p := testPlan(t)
	k := &Kubernetes{Worker: []string{"tag", "unit"}, Image: "registry.example/tag:1", Claim: "tag-runs",
		MountPath: "/shared", Namespace: "ml", Parallelism: 4, BackoffLimitPerIndex: 2}
	for _, indices := range [][]int{{0, 1, 2, 3, 4, 5}, {1, 4}} {
		name, m := k.Manifest(p, indices, 0)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var j job
		if err := dec.Decode(&j); err != nil {
			t.Fatalf("manifest is not a batch/v1 Job as expected: %v\n%s", err, b)
		}
		if j.APIVersion != "batch/v1" || j.Kind != "Job" || j.Metadata.Name != name || j.Metadata.Namespace != "ml" {
			t.Errorf("header %+v", j.Metadata)
		}
		if !regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`).MatchString(name) || len(name) > 63 {
			t.Errorf("Job name %q is not a DNS label", name)
		}
		s := j.Spec
		if s.CompletionMode != "Indexed" || s.Completions != len(indices) || s.Parallelism != min(4, len(indices)) ||
			s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 2 {
			t.Errorf("spec: mode %s, completions %d, parallelism %d, backoffLimitPerIndex %v",
				s.CompletionMode, s.Completions, s.Parallelism, s.BackoffLimitPerIndex)
		}
		ps := s.Template.Spec
		if ps.RestartPolicy != "Never" || len(ps.Containers) != 1 || len(ps.Volumes) != 1 {
			t.Fatalf("pod spec %+v", ps)
		}
		c := ps.Containers[0]
		if c.Image != k.Image || c.WorkingDir != "/shared" || len(c.VolumeMounts) != 1 ||
			c.VolumeMounts[0].MountPath != "/shared" || c.VolumeMounts[0].Name != ps.Volumes[0].Name ||
			ps.Volumes[0].PersistentVolumeClaim.ClaimName != "tag-runs" {
			t.Errorf("container or volume: %+v %+v", c, ps.Volumes)
		}
		if len(c.Env) != 1 || c.Env[0].Name != "JOB_COMPLETION_INDEX" ||
			c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			t.Errorf("env %+v", c.Env)
		}
		want := []string{"tag", "unit", "-dir", p.Dir(), "-phase", "1"}
		if len(indices) == 2 {
			want = append(want, "-indices", "1,4")
		}
		if !slices.Equal(c.Command, want) {
			t.Errorf("command %q, want %q", c.Command, want)
		}
	}
	n1, _ := k.Manifest(p, []int{1}, 1)
	n2, _ := k.Manifest(p, []int{1}, 1)
	if n1 == n2 {
		t.Errorf("two submissions share the Job name %s", n1)
	}
}

func TestExecutorNeedsSettings(t *testing.T) {
	p := testPlan(t)
	for _, ex := range []experiment.Executor{&Slurm{}, &Kubernetes{Worker: []string{"tag"}}, &Kubernetes{Worker: []string{"tag"}, Image: "i"}} {
		if _, err := ex.Execute(context.Background(), p); err == nil {
			t.Errorf("%s %+v: no error", ex.Name(), ex)
		}
	}
}

// TestPoll: errors are tolerated up to four in a row, the fifth ends the
// wait; an answer of done ends it at once.
func TestPoll(t *testing.T) {
	calls := 0
	err := poll(context.Background(), time.Microsecond, "x", func() (bool, error) {
		calls++
		if calls%4 == 0 {
			return false, nil // resets the count of failures
		}
		if calls == 10 {
			return true, nil
		}
		return false, errors.New("busy")
	})
	if err != nil || calls != 10 {
		t.Errorf("poll: %v after %d calls, want nil after 10", err, calls)
	}
	calls = 0
	err = poll(context.Background(), time.Microsecond, "job 7", func() (bool, error) { calls++; return false, errors.New("down") })
	if err == nil || calls != 5 || !strings.Contains(err.Error(), "job 7") {
		t.Errorf("poll: %v after %d calls, want an error naming job 7 after 5", err, calls)
	}
}

// interrupted is a submitter whose wait ends with the context.
type interrupted struct{ cancelled []string }

func (f *interrupted) submit(context.Context, *experiment.Plan, []int, int) (string, error) {
	return "42", nil
}
func (f *interrupted) ended(context.Context, *experiment.Plan, string) (bool, error) {
	return false, nil
}
func (f *interrupted) interval() time.Duration      { return time.Millisecond }
func (f *interrupted) logs(*experiment.Plan) string { return "nowhere" }
func (f *interrupted) cancel(id string)             { f.cancelled = append(f.cancelled, id) }

// TestInterrupt: an interrupted run cancels the job it waits for.
func TestInterrupt(t *testing.T) {
	p := testPlan(t)
	ctx, stop := context.WithCancel(context.Background())
	stop()
	f := &interrupted{}
	ids, err := execute(ctx, f, p, 2, io.Discard, "fake")
	if !errors.Is(err, context.Canceled) || !slices.Equal(f.cancelled, []string{"42"}) || !slices.Equal(ids, []string{"42"}) {
		t.Errorf("err %v, cancelled %v, ids %v", err, f.cancelled, ids)
	}
}
