package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
)

// Kubernetes runs each phase's units as one batch/v1 Job with
// completionMode Indexed: completion index i runs Worker followed by
// "-dir DIR -phase N" in a pod of Image, with the ReadWriteMany claim
// Claim mounted at MountPath, which is also the pods' working directory
// (run `tag run` from the root of the shared volume, mounted at the same
// path, so that the run directory and data paths resolve alike). A
// resubmission of missing units adds "-indices LIST", which maps
// completion index i to the plan's unit LIST[i].
//
// Each Job's manifest is written as JSON (which kubectl reads as YAML) to
// DIR/jobs/. With Submit, it is applied with `kubectl apply -f`, and the
// Job's conditions are polled until it is Complete or Failed; units still
// missing are resubmitted as a new Job, at most Retries times. Without
// Submit, the manifest is written and Execute waits for the units' files
// to appear (apply it yourself); it cannot resubmit.
type Kubernetes struct {
	// Worker is the container's command, e.g. ["tag", "unit"].
	Worker []string
	// Image is the container image holding the worker (required).
	Image string
	// Claim is the name of a ReadWriteMany PersistentVolumeClaim holding
	// the run directory (required).
	Claim string
	// MountPath is where the claim is mounted and the pods work (default:
	// the plan's working directory).
	MountPath string
	// Namespace of the Jobs ("" : kubectl's current namespace).
	Namespace string
	// Parallelism bounds the pods running at once (0: all of them).
	Parallelism int
	// BackoffLimitPerIndex is the number of retries of a failed index
	// within a Job (Kubernetes ≥ 1.29).
	BackoffLimitPerIndex int
	// Retries is the number of resubmissions of missing units.
	Retries int
	// Submit applies the manifests with Kubectl and polls the Jobs.
	Submit bool
	// Kubectl is the kubectl command (default "kubectl").
	Kubectl string
	// Poll is the interval between status checks (0: DefaultPoll).
	Poll time.Duration
	// Log receives a line per Job written or submitted (nil: none).
	Log io.Writer
}

// Name returns "k8s".
func (k *Kubernetes) Name() string { return "k8s" }

// Execute writes (and with Submit, applies) a Job per attempt until every
// unit of the plan is written or the retries are spent; it returns the
// Jobs' names.
func (k *Kubernetes) Execute(ctx context.Context, p *experiment.Plan) ([]string, error) {
	switch {
	case len(k.Worker) == 0:
		return nil, errors.New("k8s executor: no worker command")
	case k.Image == "":
		return nil, errors.New("k8s executor: no container image")
	case k.Claim == "":
		return nil, errors.New("k8s executor: no volume claim for the run directory")
	}
	retries := k.Retries
	if !k.Submit {
		retries = 0
	}
	return execute(ctx, k, p, retries, logOrDiscard(k.Log), "k8s")
}

// Manifest returns the Job that trains the plan's units at indices, and
// its name (unique per plan, indices, attempt and time).
func (k *Kubernetes) Manifest(p *experiment.Plan, indices []int, attempt int) (name string, job map[string]any) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%v\x00%d\x00%d", p.Dir(), p.Phase, indices, attempt, time.Now().UnixNano())
	name = fmt.Sprintf("tag-p%d-%s", p.Phase, hex.EncodeToString(h.Sum(nil))[:10])
	mount := k.MountPath
	if mount == "" {
		mount = p.WorkDir
	}
	var remap []int
	if !isIdentity(indices) {
		remap = indices
	}
	args := workerCommand(k.Worker, p.Dir(), p, remap)
	n := len(indices)
	par := n
	if k.Parallelism > 0 {
		par = min(k.Parallelism, n)
	}
	meta := map[string]any{"name": name, "labels": map[string]any{"app.kubernetes.io/name": "tag", "tag/phase": strconv.Itoa(p.Phase)}}
	if k.Namespace != "" {
		meta["namespace"] = k.Namespace
	}
	job = map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "Job",
		"metadata":   meta,
		"spec": map[string]any{
			"completionMode":       "Indexed",
			"completions":          n,
			"parallelism":          par,
			"backoffLimitPerIndex": k.BackoffLimitPerIndex,
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "tag"}},
				"spec": map[string]any{
					"restartPolicy": "Never",
					"containers": []any{map[string]any{
						"name":       "unit",
						"image":      k.Image,
						"command":    args,
						"workingDir": mount,
						"env": []any{map[string]any{
							"name": "JOB_COMPLETION_INDEX",
							"valueFrom": map[string]any{"fieldRef": map[string]any{
								"fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}},
						}},
						"volumeMounts": []any{map[string]any{"name": "run", "mountPath": mount}},
					}},
					"volumes": []any{map[string]any{
						"name": "run", "persistentVolumeClaim": map[string]any{"claimName": k.Claim},
					}},
				},
			},
		},
	}
	return name, job
}

func (k *Kubernetes) kubectl(ctx context.Context, args ...string) (string, error) {
	name := k.Kubectl
	if name == "" {
		name = "kubectl"
	}
	if k.Namespace != "" {
		args = append([]string{"--namespace", k.Namespace}, args...)
	}
	return command(ctx, name, args...)
}

func (k *Kubernetes) submit(ctx context.Context, p *experiment.Plan, indices []int, attempt int) (string, error) {
	name, job := k.Manifest(p, indices, attempt)
	l := experiment.Layout{Dir: p.Dir()}
	if err := os.MkdirAll(l.Jobs(), 0o755); err != nil {
		return "", err
	}
	path := l.Job(name + ".json")
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteBytes(path, append(b, '\n')); err != nil {
		return "", err
	}
	if !k.Submit {
		fmt.Fprintf(logOrDiscard(k.Log), "k8s: phase %d: wrote %s; apply it with: kubectl apply -f %s (waiting for its %d units)\n",
			p.Phase, path, path, len(indices))
		return name, nil
	}
	if _, err := k.kubectl(ctx, "apply", "-f", path); err != nil {
		return "", err
	}
	return name, nil
}

// ended reads the Job's conditions: Complete or Failed (with Submit); or,
// without Submit, whether the plan's units are all written.
func (k *Kubernetes) ended(ctx context.Context, p *experiment.Plan, name string) (bool, error) {
	if !k.Submit {
		return len(p.Missing()) == 0, nil
	}
	out, err := k.kubectl(ctx, "get", "job", name, "-o", `jsonpath={.status.conditions[?(@.status=="True")].type}`)
	if err != nil {
		return false, err
	}
	for _, c := range strings.Fields(out) {
		if c == "Complete" || c == "Failed" {
			return true, nil
		}
	}
	return false, nil
}

func (k *Kubernetes) interval() time.Duration { return k.Poll }

func (k *Kubernetes) logs(*experiment.Plan) string { return "the pods' output: kubectl logs job/NAME" }

func (k *Kubernetes) cancel(name string) {
	if !k.Submit {
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	k.kubectl(ctx, "delete", "job", name, "--wait=false")
}

// isIdentity reports whether indices are 0, 1, ..., n−1.
func isIdentity(indices []int) bool {
	for i, v := range indices {
		if v != i {
			return false
		}
	}
	return true
}
