package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needSlurm skips the test, saying why, unless sbatch reaches a Slurm
// cluster with an idle node (scripts/slurm-local.sh starts one; .ci/run
// does so and exports SLURM_CONF).
func needSlurm(t *testing.T) {
	t.Helper()
	// Read through os, SLURM_CONF is part of the key of go test's cache: a
	// result cached without a cluster is not reused with one.
	_ = os.Getenv("SLURM_CONF")
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("slurm-wlm is not installed (scripts/slurm-local.sh install; .ci/run installs and starts it)")
	}
	out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput()
	if err != nil || !regexp.MustCompile(`idle|mix|alloc`).Match(out) {
		t.Skipf("no Slurm cluster answers (start one with scripts/slurm-local.sh start and export SLURM_CONF as it prints; .ci/run does): sinfo: %v %s",
			err, strings.TrimSpace(string(out)))
	}
}

// slurmJobs returns the job ids results.json records per phase.
func slurmJobs(t *testing.T, ex map[string]any) map[int][]string {
	t.Helper()
	if ex["name"] != "slurm" {
		t.Fatalf("executor record %v", ex)
	}
	out := map[int][]string{}
	phases, _ := ex["phases"].([]any)
	for _, p := range phases {
		p := p.(map[string]any)
		for _, j := range p["jobs"].([]any) {
			id := j.(string)
			if _, err := strconv.Atoi(id); err != nil {
				t.Errorf("job id %q is not a Slurm job id", id)
			}
			out[int(p["phase"].(float64))] = append(out[int(p["phase"].(float64))], id)
		}
	}
	return out
}

// TestSlurmEndToEnd runs the small experiment with -executor slurm: every
// unit runs as a task of a job array under slurmd (its output file says
// so), and results.json equals the local run's, timings and the executor
// record aside.
func TestSlurmEndToEnd(t *testing.T) {
	needSlurm(t)
	want := localReference(t)
	t.Setenv("TAG_TEST_AS", "tag") // sbatch passes the environment to the tasks
	dir := filepath.Join(t.TempDir(), "run")
	code, stderr := runTag(clusterArgs(dir, "-executor", "slurm", "-worker", testBinary(t)+" unit", "-max-parallel", "2",
		"-sbatch-arg=--job-name=tag-e2e"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, ex := comparable(t, dir)
	if !reflect.DeepEqual(got, want) {
		t.Error("slurm results differ from the local run's")
	}
	// The local cluster's MaxArraySize is 10: 13 units are two arrays,
	// the second's tasks 0-2 mapped to units 10-12.
	jobs := slurmJobs(t, ex)
	if len(jobs[1]) != 2 {
		t.Errorf("phase 1 jobs %v: want two arrays", jobs[1])
	}
	var logs []string
	for _, id := range jobs[1] {
		l, _ := filepath.Glob(filepath.Join(dir, "jobs", "slurm-phase1-try0-"+id+"_*.out"))
		logs = append(logs, l...)
	}
	units, _ := filepath.Glob(filepath.Join(dir, "units", "*.json"))
	if len(logs) != 13 {
		t.Errorf("%d task outputs of phase 1's array, want 13", len(logs))
	}
	written := 0
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if strings.Contains(string(b), " written") {
			written++
		}
	}
	if written != 13 || len(units) < 13 {
		t.Errorf("%d array tasks wrote their unit, %d units in all", written, len(units))
	}
}

// slurmWorker writes a worker script that injects faults by marker files in
// folder faults (I is the plan's index, the array task id mapped through
// -indices): fail-P-I fails index I of phase P every time; kill-P-I
// starts the worker and kills it (SIGKILL) once it has started training,
// the first time only.
func slurmWorker(t *testing.T, faults string) string {
	return writeScript(t, "worker", `i=$SLURM_ARRAY_TASK_ID
p=$(echo "$@" | sed -n 's/.*-phase \([0-9]*\).*/\1/p')
list=$(echo "$@" | sed -n 's/.*-indices \([0-9,]*\).*/\1/p')
[ -n "$list" ] && i=$(echo "$list" | cut -d, -f$((i+1)))
F=`+faults+`
if [ -e "$F/fail-$p-$i" ]; then echo "injected failure of index $i" >&2; exit 1; fi
if [ -e "$F/kill-$p-$i" ]; then
  rm -f "$F/kill-$p-$i"
  TAG_TEST_AS=tag `+testBinary(t)+` unit "$@" 2>"$F/killed.log" &
  pid=$!
  while kill -0 $pid 2>/dev/null && ! grep -q training "$F/killed.log"; do sleep 0.01; done
  kill -9 $pid
  echo "killed" >>"$F/killed.log"
  exit 137
fi
TAG_TEST_AS=tag exec `+testBinary(t)+` unit "$@"
`)
}

// TestSlurmFaults: a worker killed while training and an array task
// cancelled with scancel are resubmitted and the results equal the local
// run's; a unit that fails on every try ends the run with an error naming
// it once the retries are spent, and rerunning resumes with that unit only.
func TestSlurmFaults(t *testing.T) {
	needSlurm(t)
	want := localReference(t)
	faults := t.TempDir()
	worker := slurmWorker(t, faults)
	touch := func(name string) {
		if err := os.WriteFile(filepath.Join(faults, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Kill the worker of the affinity run (index 0, the largest unit) and
	// scancel the last pending task of phase 1's array.
	touch("kill-1-0")
	dir := filepath.Join(t.TempDir(), "run")
	ctx, stop := context.WithCancel(context.Background())
	cancelled := make(chan string, 1)
	go func() { cancelled <- scancelPending(ctx, "tag-"+filepath.Base(dir)+"-p1") }()
	code, stderr := runTag(clusterArgs(dir, "-executor", "slurm", "-worker", worker, "-max-parallel", "2", "-retries", "2"))
	stop()
	task := <-cancelled
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(faults, "killed.log")); !strings.Contains(string(b), "killed") {
		t.Errorf("the worker of index 0 was not killed: %s", b)
	}
	if task == "" {
		t.Error("found no pending array task to cancel")
	}
	got, ex := comparable(t, dir)
	if !reflect.DeepEqual(got, want) {
		t.Error("results after the faults differ from the local run's")
	}
	if jobs := slurmJobs(t, ex); len(jobs[1]) != 3 {
		t.Errorf("phase 1 jobs %v: want two arrays and one resubmission", jobs[1])
	}
	if !strings.Contains(stderr, "resubmitting") {
		t.Errorf("no resubmission reported:\n%s", stderr)
	}

	// Index 2 of phase 1 fails on every node: the retries run out.
	touch("fail-1-2")
	dir = filepath.Join(t.TempDir(), "run")
	args := clusterArgs(dir, "-executor", "slurm", "-worker", worker, "-max-parallel", "2", "-retries", "1")
	code, stderr = runTag(args)
	if code != 1 || !strings.Contains(stderr, "1 of 13 units not trained after 2 slurm submissions") || !strings.Contains(stderr, "[2] group[") ||
		!strings.Contains(stderr, "output is in "+filepath.Join(dir, "jobs")) {
		t.Fatalf("exit %d; want 1 naming unit [2] after 2 submissions:\n%s", code, stderr)
	}
	os.Remove(filepath.Join(faults, "fail-1-2"))
	code, stderr = runTag(args)
	if code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	got, ex = comparable(t, dir)
	if !reflect.DeepEqual(got, want) {
		t.Error("resumed results differ from the local run's")
	}
	if phases := ex["phases"].([]any); phases[0].(map[string]any)["units"].(float64) != 1 {
		t.Errorf("the rerun's phase 1 handed %v units to slurm, want the 1 missing", phases[0])
	}
}

// scancelPending waits for a pending task of the job array named name and
// cancels the one with the highest index; it returns the task's id, or ""
// when ctx ends first.
func scancelPending(ctx context.Context, name string) string {
	for ctx.Err() == nil {
		out, _ := exec.Command("squeue", "-h", "-r", "-n", name, "-t", "PENDING", "-o", "%i").Output()
		var tasks []string
		for _, f := range strings.Fields(string(out)) {
			if regexp.MustCompile(`^\d+_\d+$`).MatchString(f) {
				tasks = append(tasks, f)
			}
		}
		if len(tasks) > 1 {
			sort.Slice(tasks, func(i, j int) bool {
				a, _ := strconv.Atoi(tasks[i][strings.Index(tasks[i], "_")+1:])
				b, _ := strconv.Atoi(tasks[j][strings.Index(tasks[j], "_")+1:])
				return a < b
			})
			last := tasks[len(tasks)-1]
			if exec.Command("scancel", last).Run() == nil {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ""
}
