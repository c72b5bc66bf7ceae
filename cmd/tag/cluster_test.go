package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The test binary doubles as the tag command (TAG_TEST_AS=tag), so that
// Slurm's array tasks and the fake kubectl's pods run the code under test,
// and as a fake kubectl (TAG_TEST_AS=kubectl).
func TestMain(m *testing.M) {
	switch os.Getenv("TAG_TEST_AS") {
	case "tag":
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	case "kubectl":
		os.Exit(fakeKubectl(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// clusterArgs is the small planted run of the cluster tests: 4 tasks, one
// budget, 13 units in phase 1 and up to 2 in phase 2.
func clusterArgs(out string, extra ...string) []string {
	return append([]string{"run", "-data", "planted", "-tasks", "a0,a1,b0,b1", "-methods", "mtl,stl,tag,hoa,random",
		"-random-seeds", "2", "-budgets", "2", "-epochs", "2", "-seeds", "1", "-no-report", "-out", out, "-poll", "100ms"}, extra...)
}

// runTag runs tag in this process and returns its exit status and stderr.
func runTag(args []string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stderr.String()
}

// comparable returns results.json with every timing and the executor
// record removed: what must not depend on where the units trained.
func comparable(t *testing.T, dir string) (any, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	ex, _ := v["executor"].(map[string]any)
	delete(v, "executor")
	var strip func(any) any
	strip = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, y := range x {
				if strings.Contains(k, "seconds") {
					delete(x, k)
				} else {
					x[k] = strip(y)
				}
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return x
	}
	return strip(v), ex
}

// localReference runs the cluster tests' experiment locally once.
func localReference(t *testing.T) any {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "local")
	if code, stderr := runTag(clusterArgs(dir)); code != 0 {
		t.Fatalf("local run: exit %d: %s", code, stderr)
	}
	v, ex := comparable(t, dir)
	if ex["name"] != "local" {
		t.Errorf("local run's executor record: %v", ex)
	}
	return v
}

// testBinary returns this test binary, which runs as tag with TAG_TEST_AS=tag.
func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// writeScript writes an executable shell script and returns its path.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUnitWorker: the worker trains exactly the unit of its index (flag,
// SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX), a unit already written
// exits 0 at once, and bad indices are input errors.
func TestUnitWorker(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// A k8s run whose "cluster" runs nothing writes the plan of phase 1,
	// then gives up naming the missing units.
	kubectl := writeScript(t, "kubectl", `[ "$1" = get ] && echo Complete; exit 0`+"\n")
	code, stderr := runTag(clusterArgs(dir, "-executor", "k8s", "-k8s-image", "img", "-k8s-pvc", "pvc", "-submit", "-kubectl", kubectl, "-retries", "0"))
	if code != 1 || !strings.Contains(stderr, "13 of 13 units not trained") || !strings.Contains(stderr, "affinity[a0+a1+b0+b1]") {
		t.Fatalf("exit %d; want 1 naming the 13 missing units:\n%s", code, stderr)
	}
	units := func() int {
		es, _ := filepath.Glob(filepath.Join(dir, "units", "*.json"))
		return len(es)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "0")
	if code, stderr := runTag([]string{"unit", "-dir", dir}); code != 0 || units() != 1 || !strings.Contains(stderr, "affinity[") {
		t.Fatalf("JOB_COMPLETION_INDEX=0: exit %d, %d units: %s", code, units(), stderr)
	}
	if code, stderr := runTag([]string{"unit", "-dir", dir, "-phase", "1"}); code != 0 || !strings.Contains(stderr, "already written") {
		t.Errorf("again: exit %d: %s", code, stderr)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "3") // Slurm's variable comes first
	if code, stderr := runTag([]string{"unit", "-dir", dir}); code != 0 || units() != 2 {
		t.Errorf("SLURM_ARRAY_TASK_ID=3: exit %d, %d units: %s", code, units(), stderr)
	}
	if code, _ := runTag([]string{"unit", "-dir", dir, "-index", "1", "-indices", "5,4"}); code != 0 || units() != 3 {
		t.Errorf("-indices 5,4 -index 1: exit %d, %d units", code, units())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"unit", "-dir", dir, "-index", "13"}, "index 13 is past its end"},
		{[]string{"unit", "-dir", dir, "-phase", "2", "-index", "0"}, "no plan for phase 2"},
		{[]string{"unit", "-index", "0"}, "-dir is required"},
		{[]string{"unit", "-dir", t.TempDir(), "-index", "0"}, "no plan"},
	} {
		if code, stderr := runTag(tc.args); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %q", tc.args, code, stderr, tc.want)
		}
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "x")
	if code, stderr := runTag([]string{"unit", "-dir", dir}); code != 2 || !strings.Contains(stderr, "SLURM_ARRAY_TASK_ID") {
		t.Errorf("bad SLURM_ARRAY_TASK_ID: exit %d: %s", code, stderr)
	}
	// The rest of phase 1 by index; then the run finishes phase 1 from disk.
	os.Unsetenv("SLURM_ARRAY_TASK_ID")
	for i := range 13 {
		if code, stderr := runTag([]string{"unit", "-dir", dir, "-phase", "1", "-index", strconv.Itoa(i)}); code != 0 {
			t.Fatalf("index %d: exit %d: %s", i, code, stderr)
		}
	}
	if code, stderr := runTag(clusterArgs(dir)); code != 0 {
		t.Fatalf("local rerun: exit %d: %s", code, stderr)
	}
	got, _ := comparable(t, dir)
	if want := localReference(t); !reflect.DeepEqual(got, want) {
		t.Error("results from units trained by tag unit differ from a local run's")
	}
}

// fakeKubectl stands for kubectl and a cluster: `apply -f JOB.json` checks
// the Job and runs its container's command once per completion index, in
// its working directory with JOB_COMPLETION_INDEX set ("tag" is this test
// binary); index TAG_TEST_K8S_SKIP of a Job without -indices is skipped
// (a pod that failed). `get job` says Complete.
func fakeKubectl(args []string) int {
	if len(args) > 0 && args[0] == "get" {
		fmt.Println("Complete")
		return 0
	}
	if len(args) != 3 || args[0] != "apply" || args[1] != "-f" {
		fmt.Fprintf(os.Stderr, "fake kubectl: unexpected %v\n", args)
		return 1
	}
	b, err := os.ReadFile(args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var job struct {
		Spec struct {
			Completions int `json:"completions"`
			Template    struct {
				Spec struct {
					Containers []struct {
						Command    []string `json:"command"`
						WorkingDir string   `json:"workingDir"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(b, &job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c := job.Spec.Template.Spec.Containers[0]
	skip := -1
	if v, ok := os.LookupEnv("TAG_TEST_K8S_SKIP"); ok && !slices.Contains(c.Command, "-indices") {
		skip, _ = strconv.Atoi(v)
	}
	exe, _ := os.Executable()
	for i := range job.Spec.Completions {
		if i == skip {
			continue
		}
		argv := slices.Clone(c.Command)
		if argv[0] == "tag" {
			argv[0] = exe
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = c.WorkingDir
		cmd.Env = append(os.Environ(), "TAG_TEST_AS=tag", "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "fake kubectl: index %d: %v\n", i, err)
		}
	}
	return 0
}

// TestK8sEndToEnd runs the experiment with -executor k8s -submit on the fake
// kubectl: the pods run `tag unit` with JOB_COMPLETION_INDEX as the Jobs'
// manifests say, one skipped index is resubmitted as a Job of its own
// (with -indices), and the results equal a local run's.
func TestK8sEndToEnd(t *testing.T) {
	want := localReference(t)
	kubectl := writeScript(t, "kubectl", "TAG_TEST_AS=kubectl exec "+testBinary(t)+` "$@"`+"\n")
	t.Setenv("TAG_TEST_K8S_SKIP", "2")
	dir := filepath.Join(t.TempDir(), "run")
	code, stderr := runTag(clusterArgs(dir, "-executor", "k8s", "-k8s-image", "example.org/tag:1", "-k8s-pvc", "runs",
		"-submit", "-kubectl", kubectl, "-max-parallel", "4"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, ex := comparable(t, dir)
	if !reflect.DeepEqual(got, want) {
		t.Error("k8s results differ from the local run's")
	}
	phases, _ := ex["phases"].([]any)
	if ex["name"] != "k8s" || len(phases) == 0 {
		t.Fatalf("executor record %v", ex)
	}
	p1 := phases[0].(map[string]any)
	if jobs := p1["jobs"].([]any); len(jobs) != 2 {
		t.Errorf("phase 1 jobs %v: want the first and the resubmission of the skipped index", jobs)
	}
	manifests, _ := filepath.Glob(filepath.Join(dir, "jobs", "tag-p1-*.json"))
	if len(manifests) != 2 {
		t.Fatalf("phase 1 manifests %v", manifests)
	}
}

// TestK8sVarySplit: workers rebuild the data of every seed as the run does
// (a CSV file, relative to the run's working directory, split anew per
// seed), so their units have the run's configuration hash and results.
func TestK8sVarySplit(t *testing.T) {
	csv := affinityCSV(t)
	t.Chdir(filepath.Dir(csv))
	args := func(out string, extra ...string) []string {
		return append([]string{"run", "-data", filepath.Base(csv), "-targets", "a,b,n", "-methods", "stl,mtl", "-budgets", "2",
			"-epochs", "1", "-seeds", "2", "-vary-split", "-no-report", "-out", out}, extra...)
	}
	local := filepath.Join(t.TempDir(), "local")
	if code, stderr := runTag(args(local)); code != 0 {
		t.Fatalf("local: exit %d: %s", code, stderr)
	}
	want, _ := comparable(t, local)
	kubectl := writeScript(t, "kubectl", "TAG_TEST_AS=kubectl exec "+testBinary(t)+` "$@"`+"\n")
	dir := filepath.Join(t.TempDir(), "k8s")
	if code, stderr := runTag(args(dir, "-executor", "k8s", "-k8s-image", "tag:1", "-k8s-pvc", "runs", "-submit", "-kubectl", kubectl, "-poll", "50ms")); code != 0 {
		t.Fatalf("k8s: exit %d: %s", code, stderr)
	}
	if got, _ := comparable(t, dir); !reflect.DeepEqual(got, want) {
		t.Error("k8s results with -vary-split differ from the local run's")
	}
}
