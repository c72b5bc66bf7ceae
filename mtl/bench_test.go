package mtl

import (
	"context"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/glyphs"
)

// glyphBench returns the 9-task glyph data set (n examples) and its tasks.
func glyphBench(b *testing.B, n int) (data.Dataset, []string) {
	b.Helper()
	ds, err := glyphs.New(glyphs.Options{N: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var tasks []string
	for _, t := range ds.Tasks()[:9] {
		tasks = append(tasks, t.Name)
	}
	return ds, tasks
}

// BenchmarkStep compares one plain training step with one affinity
// measurement (the whole 9×9 matrix) on the default glyph model.
func BenchmarkStep(b *testing.B) {
	ds, tasks := glyphBench(b, 600)
	r, err := prepare(ds, tasks, DefaultConfig(ds), Options{Affinity: &affinity.Options{Every: 1}})
	if err != nil {
		b.Fatal(err)
	}
	defer r.eng.close()
	bt, err := r.train.load(data.Train, data.EpochOrder(ds.Len(data.Train), 1, 0)[:r.train.batch])
	if err != nil {
		b.Fatal(err)
	}
	defer bt.free()
	b.Run("train", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, _, err := r.eng.trainStep(bt, 1e-3, i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("affinity", func(b *testing.B) {
		for b.Loop() {
			if _, _, _, err := r.eng.measure(bt, 1e-3, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRun compares a whole default run on 9 glyph tasks without and
// with affinity every 10 steps.
func BenchmarkRun(b *testing.B) {
	ds, tasks := glyphBench(b, 6000)
	for _, c := range []struct {
		name string
		aff  *affinity.Options
	}{{"plain", nil}, {"every10", &affinity.Options{Every: 10}}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := DefaultConfig(ds)
			cfg.Epochs = 2
			for b.Loop() {
				if _, err := Train(context.Background(), ds, tasks, cfg, Options{Affinity: c.aff}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
