package mtl

import (
	"os"
	"path/filepath"
	"testing"
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
