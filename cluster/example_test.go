package cluster

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/tagroup/tag/experiment"
)

// printer is an Executor that shows the Job of each phase instead of
// submitting it, and stops the run.
type printer struct{ k *Kubernetes }

func (p printer) Name() string { return "k8s" }

func (p printer) Execute(_ context.Context, plan *experiment.Plan) ([]string, error) {
	name, job := p.k.Manifest(plan, plan.Missing(), 0)
	spec := job["spec"].(map[string]any)
	pod := spec["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	cmd := strings.Join(c["command"].([]string), " ")
	fmt.Println(strings.HasPrefix(name, "tag-p1-"), spec["completionMode"], spec["completions"], spec["parallelism"])
	fmt.Println(strings.Replace(cmd, plan.Dir(), "DIR", 1))
	return []string{name}, fmt.Errorf("stopped after phase %d", plan.Phase)
}

// ExampleKubernetes_Manifest runs an experiment of mtl and stl on five
// tasks with an executor that prints phase 1's Indexed Job: six units, at
// most four pods at once, each running `tag unit` on its completion index.
func ExampleKubernetes_Manifest() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	k := &Kubernetes{Worker: []string{"tag", "unit"}, Image: "registry.example/tag:1", Claim: "tag-runs", Parallelism: 4}
	cfg := experiment.Config{Tasks: []string{"a", "b", "c", "d", "e"}, Methods: []string{experiment.MTL, experiment.STL},
		Data: testData, Executor: printer{k}}
	_, err := experiment.Run(context.Background(), dir, cfg, trainer{}, nil)
	fmt.Println(err)
	// Output:
	// true Indexed 6 4
	// tag unit -dir DIR -phase 1
	// stopped after phase 1
}
