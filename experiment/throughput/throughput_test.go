package throughput

import (
	"errors"
	"strings"
	"testing"

	"github.com/tagroup/tag/experiment"
)

// TestBuild checks the models built by name and the refusals.
func TestBuild(t *testing.T) {
	ms, err := Build([]string{"glyphs", "mlp"}, 2, "")
	if err != nil || len(ms) != 2 || ms[0].Name != "glyphs" || len(ms[0].Tasks) != 2 || len(ms[1].Tasks) != 2 {
		t.Fatalf("got %+v, %v", ms, err)
	}
	if ms, err := Build([]string{"mnist"}, 0, ""); err != nil || len(ms[0].Tasks) != 6 {
		t.Errorf("mnist's own task count: got %+v, %v", ms, err)
	}
	for _, names := range [][]string{{"vgg"}, nil} {
		var ce *experiment.ConfigError
		if _, err := Build(names, 0, ""); err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), "-models") {
			t.Errorf("%v: got %v, want a ConfigError naming -models", names, err)
		}
	}
}
