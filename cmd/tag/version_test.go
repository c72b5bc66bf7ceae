package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tagroup/tag/mtl"
)

func TestVersionCommand(t *testing.T) {
	want := "simd kernels: no"
	if mtl.SIMDKernels {
		want = "simd kernels: yes"
	}
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("tag %v: exit %d, stderr %q", args, code, stderr.String())
		}
		for _, s := range []string{"module:", "go:", "backend:", want} {
			if !strings.Contains(stdout.String(), s) {
				t.Errorf("tag %v lacks %q:\n%s", args, s, stdout.String())
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("tag version extra: exit %d, want 2", code)
	}
}
