//go:build linux

package main

import (
	"os"
	"runtime/debug"
	"syscall"
)

// tuneGC makes the garbage collector run less often than Go's default
// (GOGC=100): a training step allocates many short-lived tensors while the
// live heap stays small, so collections were about a tenth of the CPU time
// of the default `tag run`. The heap may grow to 5× the live data
// (GOGC=400), but never past half of the machine's memory (a soft limit,
// GOMEMLIMIT), so a large data set held in memory does not multiply.
// Setting GOGC or GOMEMLIMIT in the environment keeps Go's own handling.
// Results do not depend on it.
func tuneGC() {
	if gcUser() {
		return
	}
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil || si.Totalram == 0 {
		return
	}
	debug.SetMemoryLimit(int64(uint64(si.Totalram) * uint64(si.Unit) / 2))
	debug.SetGCPercent(400)
}

// gcUser reports whether the environment sets the garbage collector's
// parameters, which tag then leaves alone.
func gcUser() bool { return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" }

// untuneGC returns to Go's default collection pace (GOGC=100) once the
// training is over, unless the environment set it: writing the outputs
// allocates a few large, short-lived buffers (at 1,000 tasks the n² points
// of each epoch's trajectory), and at GOGC=400 the heap would grow to five
// times them before a collection.
func untuneGC() {
	if !gcUser() {
		debug.SetGCPercent(100)
	}
}
