package mtl_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/mtl"
)

// twoTasks is a tiny data set: two features, a binary task "sign" and a
// regression task "sum".
type twoTasks struct{}

func (twoTasks) Name() string { return "two-tasks" }
func (twoTasks) Tasks() []data.Task {
	return []data.Task{{Name: "sign", Kind: data.Binary, Classes: 2}, {Name: "sum", Kind: data.Regression}}
}
func (twoTasks) InputShape() []int        { return []int{2} }
func (twoTasks) Len(split data.Split) int { return []int{256, 64, 64}[split] }
func (twoTasks) Fill(split data.Split, idx []int, x, y []float32) error {
	for b, i := range idx {
		r := rand.New(rand.NewPCG(uint64(split), uint64(i)))
		x0, x1 := float32(r.NormFloat64()), float32(r.NormFloat64())
		x[2*b], x[2*b+1] = x0, x1
		y[2*b], y[2*b+1] = 0, x0+x1
		if x0 > 0 {
			y[2*b] = 1
		}
	}
	return nil
}

func ExampleTrain() {
	ds := twoTasks{}
	cfg := mtl.DefaultConfig(ds)
	cfg.Epochs, cfg.BatchSize = 2, 32
	aff := affinity.DefaultOptions() // Eq. 1 every 10 steps
	res, err := mtl.Train(context.Background(), ds, []string{"sign", "sum"}, cfg, mtl.Options{Affinity: &aff})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("steps:", res.Steps, "recorded:", res.AffinitySteps)
	fmt.Println("matrix:", res.Affinity.Tasks, "trajectory points:", len(res.Trajectory))
	// Output:
	// steps: 16 recorded: 2
	// matrix: [sign sum] trajectory points: 8
}

// Training all tasks in one network with GradNorm instead of the plain sum
// of the losses; UpdateUW and UpdatePCGrad are set the same way.
func ExampleConfig_balance() {
	ds := twoTasks{}
	cfg := mtl.DefaultConfig(ds)
	cfg.Epochs, cfg.BatchSize = 2, 32
	cfg.UpdateRule = mtl.UpdateGradNorm // JSON "balance": "gradnorm"
	alpha := 1.0
	cfg.GradNormAlpha = &alpha // JSON "gradnorm_alpha"; nil for mtl.DefaultGradNormAlpha
	res, err := mtl.Train(context.Background(), ds, []string{"sign", "sum"}, cfg, mtl.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := res.TaskWeights // the learned weights, summing to the number of tasks
	fmt.Printf("steps: %d, weights sum to %.3f\n", res.Steps, w["sign"]+w["sum"])
	// Output:
	// steps: 16, weights sum to 2.000
}

// MeasureThroughput times a plain training step and an affinity-measuring
// step of a model on random data, as `tag bench throughput` does.
func ExampleMeasureThroughput() {
	tm := mtl.ThroughputModel{Name: "tiny", InputShape: []int{6}, Tasks: mtl.BinaryTasks(3),
		Config: mtl.Config{Trunk: mtl.TrunkSpec{Kind: mtl.TrunkMLP, Widths: []int{4}, Activation: "relu"},
			Optimizer: mtl.OptimizerSGD, LearningRate: 0.01, Momentum: 0.9,
			Schedule: mtl.Schedule{Kind: mtl.ScheduleConstant}, BatchSize: 8, Epochs: 1}}
	r, err := mtl.MeasureThroughput(tm, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d tasks, batch %d, plain step %.0f FLOPs, affinity step %.0f FLOPs\n",
		r.Model, r.Tasks, r.Batch, r.Plain.FLOPs, r.Affinity.FLOPs)
	// Output: tiny: 3 tasks, batch 8, plain step 1344 FLOPs, affinity step 3840 FLOPs
}

// A network trained on "sign" alone continues with "sum" added: the trunk
// and the head of sign start from the first network's last weights, sum's
// head starts fresh, and MaxSteps ends the continuation early.
func ExampleOptions_init() {
	ds := twoTasks{}
	cfg := mtl.DefaultConfig(ds)
	cfg.Epochs, cfg.BatchSize = 2, 32
	first, err := mtl.Train(context.Background(), ds, []string{"sign"}, cfg, mtl.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	aff := affinity.DefaultOptions()
	more, err := mtl.Train(context.Background(), ds, []string{"sign", "sum"}, cfg,
		mtl.Options{Init: first.Parameters, MaxSteps: 5, Affinity: &aff})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("heads before:", len(first.Parameters.Heads), "after:", len(more.Parameters.Heads))
	fmt.Println("steps:", more.Steps, "recorded:", more.Sums.Count)
	// Output:
	// heads before: 1 after: 2
	// steps: 5 recorded: 1
}
