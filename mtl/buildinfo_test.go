package mtl

import (
	"strings"
	"testing"
)

func TestSIMDWarning(t *testing.T) {
	for _, c := range []struct {
		backend string
		simd    bool
		goarch  string
		avx2    bool
		warn    bool
	}{
		{"go", false, "amd64", true, true},
		{"go:parallelism=2", false, "amd64", true, true},
		{"go", true, "amd64", true, false},        // kernels compiled in
		{"go", false, "amd64", false, false},      // the CPU could not use them
		{"go", false, "arm64", true, false},       // no kernels for this architecture
		{"xla:cuda", false, "amd64", true, false}, // not the pure-Go backend
	} {
		got := simdWarning(c.backend, c.simd, c.goarch, c.avx2)
		if (got != "") != c.warn || strings.Contains(got, "\n") {
			t.Errorf("simdWarning(%q, simd=%v, %s, avx2=%v) = %q, want a warning: %v",
				c.backend, c.simd, c.goarch, c.avx2, got, c.warn)
		}
	}
}

func TestBuildInfo(t *testing.T) {
	b := ReadBuildInfo()
	if b.SIMD != SIMDKernels || b.Go == "" || len(b.Backends) == 0 {
		t.Fatalf("ReadBuildInfo() = %+v", b)
	}
	s := b.String()
	for _, want := range []string{"module:", "go:", "backend:", "simd kernels:"} {
		if !strings.Contains(s, want) {
			t.Errorf("BuildInfo.String() lacks %q:\n%s", want, s)
		}
	}
}
