//go:build !linux

package scale

import "os"

// peakBytes is 0 where the child's peak memory is not read.
func peakBytes(*os.ProcessState) int64 { return 0 }
