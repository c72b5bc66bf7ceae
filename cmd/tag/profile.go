package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profileFlags are -cpuprofile and -memprofile: Go profiles of a command,
// for `go tool pprof`.
type profileFlags struct{ cpu, mem string }

// addProfileFlags defines -cpuprofile and -memprofile on fs.
func addProfileFlags(fs *flag.FlagSet) *profileFlags {
	p := &profileFlags{}
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the command to `FILE` (go tool pprof)")
	fs.StringVar(&p.mem, "memprofile", "", "write a heap profile (allocations, and memory in use at the end) to `FILE` (go tool pprof)")
	return p
}

// start starts the CPU profile, if asked for, and returns the function
// that ends it and writes the heap profile; a failure to write a profile
// goes to stderr and does not change the command's outcome.
func (p *profileFlags) start() (stop func(), err error) {
	var cpu *os.File
	if p.cpu != "" {
		if cpu, err = os.Create(p.cpu); err != nil {
			return nil, badInputf("-cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				fmt.Fprintf(os.Stderr, "-cpuprofile: %v\n", err)
			}
		}
		if p.mem != "" {
			runtime.GC()
			f, err := os.Create(p.mem)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "-memprofile: %v\n", err)
			}
		}
	}, nil
}
