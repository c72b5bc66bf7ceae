package mtl

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tagroup/tag/internal/atomicfile"
)

// TestMkdirAllRetry checks that nested folders are made, and that an error
// other than a vanished parent (a file in the way) is returned at once.
func TestMkdirAllRetry(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "checkpoints", "unit")
	if err := mkdirAllRetry(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s not made: %v", dir, err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := mkdirAllRetry(filepath.Join(file, "sub")); err == nil {
		t.Error("made a folder under a file")
	}
}

// A damaged checkpoint is never resumed: 64 zero bytes in its middle (found
// by its checksum), or, without a checksum file, a file cut in half or
// replaced by garbage (found by decoding) or whose affinity sums lost a row
// (found by checkState), are each reported through Warn with the file's
// name, and the network is trained from scratch to the result of an
// undisturbed run.
func TestDamagedCheckpointRestartsFromScratch(t *testing.T) {
	ds := newSynthetic(128, 32, 32)
	cfg, opt := affinityConfig(ds)
	tasks := []string{"a", "noise", "r", "c"}
	full, err := Train(context.Background(), ds, tasks, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	damages := map[string]func(b []byte) []byte{
		"zeroed": func(b []byte) []byte {
			copy(b[len(b)/2:], make([]byte, 64))
			return b
		},
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"garbage":   func(b []byte) []byte { return []byte("not a checkpoint") },
		// Decodes, but its affinity sums lost a row (a panic before).
		"sizes": func(b []byte) []byte {
			var st runState
			if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&st); err != nil {
				t.Fatal(err)
			}
			st.Acc.Z = st.Acc.Z[1:]
			var out bytes.Buffer
			if err := gob.NewEncoder(&out).Encode(&st); err != nil {
				t.Fatal(err)
			}
			return out.Bytes()
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			o := opt
			o.CheckpointDir = t.TempDir()
			path := filepath.Join(o.CheckpointDir, CheckpointFile)
			ctx, cancel := context.WithCancel(context.Background())
			o.Progress = func(p Progress) {
				if p.Step == 7 {
					cancel()
				}
			}
			if _, err := Train(ctx, ds, tasks, cfg, o); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v", err)
			}
			cancel()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if name != "zeroed" {
				os.Remove(atomicfile.Sidecar(path))
			}
			if err := os.WriteFile(path, damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			var warned []string
			o.Progress, o.Warn = nil, func(s string) { warned = append(warned, s) }
			got, err := Train(context.Background(), ds, tasks, cfg, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(warned) != 1 || !strings.Contains(warned[0], path) || !strings.Contains(warned[0], "from scratch") {
				t.Errorf("warnings %q, want one naming %s", warned, path)
			}
			got.Seconds, full.Seconds = 0, 0
			if !reflect.DeepEqual(got, full) {
				t.Error("the retrained network differs from an undisturbed run")
			}
		})
	}
}
