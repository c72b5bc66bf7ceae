package affinityrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/internal/atomicfile"
)

// Each file `tag update` reads back from a finished affinity run, with 64
// zero bytes written into its middle, is refused by Read with its name: the
// weights (whose damage decodes without error), the sums, the trajectory and
// run.json. Sums without a checksum file are still checked for their
// domain.
func TestReadRefusesDamagedFiles(t *testing.T) {
	l, _ := plantedRun(t, []string{"a0", "b0"}, 1)
	for _, path := range []string{l.Weights(), l.AffinitySums(), l.TrajectoryCSV(), l.RunRecord()} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		damaged := append([]byte(nil), b...)
		copy(damaged[len(b)/2:], make([]byte, 64))
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err = Read(l)
		if !IsInput(err) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s damaged: err %v, want an input error naming it", filepath.Base(path), err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := Read(l); err != nil {
		t.Fatalf("restored files: %v", err)
	}
	b, _ := os.ReadFile(l.AffinitySums())
	nan := strings.Replace(string(b), `"z":[[`, `"z":[[1e999,`, 1)
	os.WriteFile(l.AffinitySums(), []byte(nan), 0o644)
	os.Remove(atomicfile.Sidecar(l.AffinitySums()))
	if _, _, err := Read(l); !IsInput(err) {
		t.Errorf("sums with an infinite value, no checksum file: err %v", err)
	}
}
