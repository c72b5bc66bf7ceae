//go:build xla

package mtl

import "testing"

// Built with the tag xla, the XLA backend is compiled in and accepted
// (without being started: that needs a PJRT plugin).
func TestXLABackendIsCompiledIn(t *testing.T) {
	for _, cfg := range []string{"xla", "xla:cpu", "xla:cuda"} {
		if err := CheckBackend(cfg); err != nil {
			t.Errorf("CheckBackend(%q) = %v", cfg, err)
		}
	}
}
