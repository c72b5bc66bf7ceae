//go:build !xla

package mtl

import (
	"strings"
	"testing"
)

// The default build carries only the pure-Go backend; asking for XLA says
// how to get it.
func TestXLABackendNeedsTheBuildTag(t *testing.T) {
	err := CheckBackend("xla:cuda")
	if err == nil || !strings.Contains(err.Error(), "-tags xla") || !strings.Contains(err.Error(), `"xla:cuda"`) {
		t.Errorf("CheckBackend(\"xla:cuda\") = %v, want an error naming the configuration and the build tag", err)
	}
}
