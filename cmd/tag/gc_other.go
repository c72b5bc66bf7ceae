//go:build !linux

package main

// tuneGC keeps Go's default garbage collection outside Linux, where the
// machine's memory size is not read (see gc_linux.go).
func tuneGC() {}

// untuneGC does nothing outside Linux (see gc_linux.go).
func untuneGC() {}
