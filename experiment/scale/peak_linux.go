//go:build linux

package scale

import (
	"os"
	"syscall"
)

// peakBytes is the peak resident memory of an exited child (VmHWM; Linux
// reports ru_maxrss in kilobytes).
func peakBytes(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
