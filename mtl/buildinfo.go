package mtl

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"golang.org/x/sys/cpu"
)

// SIMDKernels reports whether this program was built with the pure-Go
// backend's packed AVX2/AVX-512 matrix kernels, which
// github.com/gomlx/compute compiles only with GOEXPERIMENT=simd on amd64
// (Go 1.26's simd/archsimd). Without them a training step of a 512-wide
// network is several times slower; the results agree to float32 rounding.
const SIMDKernels = simdKernels

// BuildInfo describes the program's training engine, for `tag version`.
type BuildInfo struct {
	// Module is the main module's path and version ("(devel)" for a build
	// from a work tree), with the VCS revision when the build recorded it.
	Module string
	// Go is the Go version the program was built with.
	Go string
	// Backend is the backend a run uses by default (Config.Backend empty):
	// $GOMLX_BACKEND, else the pure-Go backend.
	Backend string
	// Backends lists the backends compiled in, sorted.
	Backends []string
	// GoMLX and Compute are the versions of github.com/gomlx/gomlx and
	// github.com/gomlx/compute.
	GoMLX, Compute string
	// SIMD is SIMDKernels; CPUHasAVX2 whether this machine can run them.
	SIMD, CPUHasAVX2 bool
	// GOEXPERIMENT is the experiment list the program was built with.
	GOEXPERIMENT string
}

// ReadBuildInfo returns the BuildInfo of the running program.
func ReadBuildInfo() BuildInfo {
	info := BuildInfo{Go: runtime.Version(), Backend: backendConfig(""), SIMD: SIMDKernels,
		CPUHasAVX2: cpu.X86.HasAVX2 && cpu.X86.HasFMA, Module: "unknown"}
	info.Backends = compute.List()
	slices.Sort(info.Backends)
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	info.Module = bi.Main.Path + " " + bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Module += " " + s.Value
		case "GOEXPERIMENT":
			info.GOEXPERIMENT = s.Value
		}
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/gomlx/gomlx":
			info.GoMLX = d.Version
		case "github.com/gomlx/compute":
			info.Compute = d.Version
		}
	}
	return info
}

// String formats the information as "key: value" lines.
func (b BuildInfo) String() string {
	simd := "no (build with GOEXPERIMENT=simd for the AVX2/AVX-512 matrix kernels)"
	if b.SIMD {
		simd = "yes"
	}
	if !b.CPUHasAVX2 {
		simd += "; this CPU has no AVX2+FMA"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "module:       %s\n", b.Module)
	fmt.Fprintf(&sb, "go:           %s\n", b.Go)
	fmt.Fprintf(&sb, "backend:      %s (compiled in: %s)\n", b.Backend, strings.Join(b.Backends, ", "))
	fmt.Fprintf(&sb, "gomlx:        %s, compute %s\n", b.GoMLX, b.Compute)
	fmt.Fprintf(&sb, "simd kernels: %s\n", simd)
	return sb.String()
}

// SIMDWarning returns a one-line warning for a long run on backend (a
// Config.Backend value; empty means the default) when it is the pure-Go
// backend, this machine has AVX2 and FMA, and the program was built
// without the SIMD kernels; otherwise "". Commands print it once, when a
// run starts.
func SIMDWarning(backend string) string {
	return simdWarning(backendConfig(backend), SIMDKernels, runtime.GOARCH, cpu.X86.HasAVX2 && cpu.X86.HasFMA)
}

func simdWarning(backend string, simd bool, goarch string, avx2 bool) string {
	name, _, _ := strings.Cut(backend, ":")
	if simd || name != gobackend.BackendName || goarch != "amd64" || !avx2 {
		return ""
	}
	return "warning: built without the SIMD matrix kernels, training is several times slower; " +
		"rebuild with GOEXPERIMENT=simd (see `tag version`)"
}
