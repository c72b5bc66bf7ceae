package mtl

import (
	"testing"

	"github.com/tagroup/tag/data"
)

// TestFLOPs checks the analytic FLOP counts against sums written out by
// hand for an MLP and a strided CNN.
func TestFLOPs(t *testing.T) {
	backend, err := backendFor("go")
	if err != nil {
		t.Fatal(err)
	}
	mlp := Config{Trunk: TrunkSpec{Kind: TrunkMLP, Widths: []int{512, 512}, Activation: "relu"}, BatchSize: 256}
	cnn := Config{Trunk: TrunkSpec{Kind: TrunkCNN, Channels: []int{4}, Kernel: 3, Widths: []int{8}, Activation: "relu"},
		Head: HeadSpec{Hidden: 5}, BatchSize: 2}
	for _, c := range []struct {
		name      string
		cfg       Config
		input     []int
		tasks     []data.Task
		t1, t, h  float64 // forward FLOPs per batch: first trunk layer, whole trunk, all heads
		wantTasks int
	}{
		{"mlp", mlp, []int{128}, BinaryTasks(8),
			2 * 256 * 128 * 512, 2 * 256 * (128*512 + 512*512), 2 * 256 * 8 * 512, 8},
		// 7×7×3 input, stride 2 → 4×4×4 (64 features) → 8; heads 8→5→1 and 8→5→3.
		{"cnn", cnn, []int{7, 7, 3}, []data.Task{{Name: "a", Kind: data.Binary}, {Name: "b", Kind: data.MultiClass, Classes: 3}},
			2 * 2 * 16 * 27 * 4, 2 * 2 * (16*27*4 + 64*8), 2 * 2 * (8*5 + 5*1 + 8*5 + 5*3), 2},
	} {
		m, err := newModel(backend, c.cfg, c.tasks, c.input)
		if err != nil {
			t.Fatal(c.name, err)
		}
		n := float64(c.wantTasks)
		wantPlain := 3*(c.t+c.h) - c.t1
		wantAff := (c.t + c.h) + n*(2*c.t-c.t1) + c.h + n*(c.t+c.h) + c.h
		if p, a := m.flops(); p != wantPlain || a != wantAff {
			t.Errorf("%s: flops() = %g, %g, want %g, %g", c.name, p, a, wantPlain, wantAff)
		}
	}
}

// TestMeasureThroughput times a few steps of a tiny model: the result is
// complete (no assertion on the times themselves).
func TestMeasureThroughput(t *testing.T) {
	tm := ThroughputModel{Name: "tiny", InputShape: []int{6}, Tasks: BinaryTasks(3),
		Config: Config{Trunk: TrunkSpec{Kind: TrunkMLP, Widths: []int{4}, Activation: "relu"}, Optimizer: OptimizerSGD,
			LearningRate: 0.01, Momentum: 0.9, Schedule: Schedule{Kind: ScheduleConstant}, BatchSize: 8, Epochs: 1}}
	r, err := MeasureThroughput(tm, 7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tasks != 3 || r.Batch != 8 || r.Steps != 7 || r.Plain.Wall <= 0 || r.Affinity.Wall <= 0 || r.Measure.Wall <= 0 ||
		r.Plain.FLOPs <= 0 || r.Affinity.FLOPs <= r.Plain.FLOPs {
		t.Errorf("MeasureThroughput = %+v", r)
	}
	if got := (Throughput{Plain: StepTiming{Wall: 10}, Affinity: StepTiming{Wall: 30}}).EveryRatio(10); got != 1.2 {
		t.Errorf("EveryRatio(10) with affinity 3× plain = %g, want 1.2", got)
	}
	if got := (Throughput{Plain: StepTiming{Wall: 10}, Measure: StepTiming{Wall: 20}}).EveryRatioMeasure(10); got != 1.2 {
		t.Errorf("EveryRatioMeasure(10) with the measurement 2× plain = %g, want 1.2", got)
	}
	if _, err := MeasureThroughput(ThroughputModel{Config: tm.Config, InputShape: []int{6}}, 1); err == nil {
		t.Error("MeasureThroughput without tasks: no error")
	}
}

// BenchmarkThroughput times the MLP step of `tag bench throughput` (MLP
// 128→512→512, 8 binary heads, batch 256), plain and with the affinity
// measurement; b.N counts MeasureThroughput calls of 5 steps each.
func BenchmarkThroughput(b *testing.B) {
	tm := ThroughputModel{Name: "mlp", InputShape: []int{128}, Tasks: BinaryTasks(8),
		Config: Config{Trunk: TrunkSpec{Kind: TrunkMLP, Widths: []int{512, 512}, Activation: "relu"}, Optimizer: OptimizerSGD,
			LearningRate: 0.01, Momentum: 0.9, Schedule: Schedule{Kind: ScheduleConstant}, BatchSize: 256, Epochs: 1}}
	var r *Throughput
	for b.Loop() {
		var err error
		if r, err = MeasureThroughput(tm, 5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.Plain.Wall.Nanoseconds()), "plain-ns/step")
	b.ReportMetric(float64(r.Affinity.Wall.Nanoseconds()), "affinity-ns/step")
	b.ReportMetric(r.Plain.GFLOPS(), "plain-GFLOP/s")
}
