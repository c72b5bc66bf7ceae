package dirlock

import (
	"errors"
	"os"
	"slices"
	"testing"
)

// Processes with one configuration share a folder; another configuration
// is refused while any of them works, and takes the folder once they are
// gone, whatever configuration file they left.
func TestAcquire(t *testing.T) {
	dir := t.TempDir()
	x := map[string]any{"budgets": []int{2, 3}, "recipe": map[string]any{"epochs": 20, "lr": 0.1}}
	y := map[string]any{"budgets": []int{2, 3}, "recipe": map[string]any{"epochs": 3, "lr": 0.1}}
	a, err := Acquire(dir, x)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Acquire(dir, x)
	if err != nil {
		t.Fatalf("same configuration: %v", err)
	}
	_, err = Acquire(dir, y)
	var ce *ConflictError
	if !errors.As(err, &ce) || !slices.Equal(ce.Diff, []string{"recipe.epochs 20 there, 3 here"}) {
		t.Fatalf("other configuration: %v", err)
	}
	a.Release()
	if _, err := Acquire(dir, y); !errors.As(err, &ce) {
		t.Fatalf("other configuration while one process works: %v", err)
	}
	b.Release()
	c, err := Acquire(dir, y)
	if err != nil {
		t.Fatalf("other configuration once the folder is free: %v", err)
	}
	c.Release()
}

// A folder this process may not write in is read without a lock.
func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	l, err := Acquire(dir, map[string]any{})
	if err != nil || l != nil {
		t.Fatalf("read-only folder: %v, %v", l, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}
