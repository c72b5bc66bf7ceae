package experiment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Two runs with different configurations started together on one
// directory: exactly one proceeds, the other is refused with a
// ConfigError that names the difference, however the two interleave
// (repeated). The one that proceeds cannot train before the other has
// returned, so the two always overlap.
func TestDifferentConfigurationsAreRefused(t *testing.T) {
	cases := map[string]struct {
		change func(c *Config, f *fakeTrainer)
		want   string
	}{
		"recipe":  {func(c *Config, f *fakeTrainer) { f.recipe = "fake-v2" }, "recipe.name"},
		"methods": {func(c *Config, f *fakeTrainer) { c.Methods = []string{MTL, STL, HOA} }, "methods"},
		"budgets": {func(c *Config, f *fakeTrainer) { c.Budgets = []int{2} }, "budgets"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for i := range 6 {
				dir := t.TempDir()
				done := make(chan struct{})
				var once sync.Once
				cfgs := [2]Config{cfg6(MTL, STL, TAG), cfg6(MTL, STL, TAG)}
				trainers := [2]*fakeTrainer{newFake(), newFake()}
				tc.change(&cfgs[1], trainers[1])
				// Both trainers training would be the bug: then neither waits.
				var entered [2]atomic.Bool
				for k, f := range trainers {
					f.before = func(ctx context.Context, _ int) error {
						entered[k].Store(true)
						if entered[1-k].Load() {
							once.Do(func() { close(done) })
						}
						select {
						case <-done:
							return nil
						case <-ctx.Done():
							return ctx.Err()
						}
					}
				}
				var errs [2]error
				var wg sync.WaitGroup
				for k := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[k] = Run(context.Background(), dir, cfgs[k], trainers[k], bruteSelector{})
						if errs[k] != nil {
							once.Do(func() { close(done) })
						}
					}()
				}
				wg.Wait()
				var refused []error
				for _, err := range errs {
					if err != nil {
						refused = append(refused, err)
					}
				}
				if len(refused) != 1 {
					t.Fatalf("try %d: errors %v, want exactly one refusal", i, errs)
				}
				var ce *ConfigError
				if msg := refused[0].Error(); !errors.As(refused[0], &ce) || !strings.Contains(msg, tc.want) || !strings.Contains(msg, dir) {
					t.Errorf("try %d: %v, want a ConfigError naming %s and %q", i, refused[0], dir, tc.want)
				}
			}
		})
	}
}
