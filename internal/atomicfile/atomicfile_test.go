package atomicfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteReplacesWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "result.json")
	if err := WriteBytes(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	// A failing writer leaves the previous content and no temporary file.
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half-writ"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write error = %v, want it to wrap %v", err, boom)
	}
	if b, err := ReadFile(path); err != nil || string(b) != "first" {
		t.Errorf("after a failed write the file holds %q (%v), want %q", b, err, "first")
	}
	if err := WriteBytes(path, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(path); err != nil || string(b) != "second" {
		t.Errorf("file holds %q (%v), want %q", b, err, "second")
	}
	want := []string{LockName, "result.json", "result.json.sha256"}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v", got, want)
	}
}

// TestWrittenFilesAreReadable: a written file and its checksum file are
// readable by others (FileMode), not private as the temporary file was.
func TestWrittenFilesAreReadable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := WriteBytes(path, []byte("a,b\n")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, Sidecar(path)} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != FileMode {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), got, FileMode)
		}
	}
}

func TestWriteIntoMissingFolderFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "x")
	if err := WriteBytes(path, []byte("x")); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

// The checksum file is what sha256sum writes, computed independently here
// (and by sha256sum itself when the machine has it).
func TestChecksumFileIsSha256sumFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.gob")
	content := bytes.Repeat([]byte{0, 1, 2, 250}, 5000)
	if err := WriteBytes(path, content); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:]) + "  w.gob\n"
	got, err := os.ReadFile(Sidecar(path))
	if err != nil || string(got) != want {
		t.Fatalf("checksum file = %q (%v), want %q", got, err, want)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "w.gob.sha256")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v: %s", err, out)
		}
	}
}

func TestDamageIsFound(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.gob")
	content := bytes.Repeat([]byte("abcdefgh"), 1000)
	if err := WriteBytes(path, content); err != nil {
		t.Fatal(err)
	}
	// 64 zero bytes in the middle, as in the reproduction.
	damaged := slices.Clone(content)
	copy(damaged[len(damaged)/2:], make([]byte, 64))
	if err := os.WriteFile(path, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile(path)
	var ce *ChecksumError
	if !errors.As(err, &ce) || b != nil {
		t.Fatalf("ReadFile of a damaged file = %d bytes, %v; want a *ChecksumError", len(b), err)
	}
	if ce.Path != path || !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("error %q does not name %s", err, path)
	}
	if st, err := Verify(path); st != Damaged || !errors.As(err, &ce) {
		t.Errorf("Verify = %v, %v; want damaged", st, err)
	}
	// A truncated file too.
	if err := os.WriteFile(path, content[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); !errors.As(err, &ce) {
		t.Errorf("ReadFile of a truncated file: %v, want a *ChecksumError", err)
	}
	// A damaged checksum file is damage too.
	if err := os.WriteFile(Sidecar(path), []byte("zz  checkpoint.gob\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); !errors.As(err, &ce) || !ce.Malformed {
		t.Errorf("ReadFile with a garbage checksum file: %v, want a malformed *ChecksumError", err)
	}
}

func TestFileWithoutChecksumIsReadUnverified(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(path); err != nil || string(b) != "{}" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if st, err := Verify(path); st != Unverified || err != nil {
		t.Errorf("Verify = %v, %v; want unverified", st, err)
	}
	if _, err := ReadFile(path + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want ErrNotExist", err)
	}
}

// Every state a kill can leave while a file is replaced reads back as the
// old or the new content, never as damage.
func TestReplacementStatesAllVerify(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	old, new := []byte("old content"), []byte("new content")
	if err := WriteBytes(path, old); err != nil {
		t.Fatal(err)
	}
	oldSide, _ := os.ReadFile(Sidecar(path))
	newSum := sha256.Sum256(new)
	transitional := mergeLines(checksumLine(newSum[:], "f"), oldSide)
	for _, c := range []struct {
		name          string
		content, side []byte
	}{
		{"checksum file renamed, content not yet", old, transitional},
		{"content renamed, checksum file not yet rewritten", new, transitional},
	} {
		os.WriteFile(path, c.content, 0o644)
		os.WriteFile(Sidecar(path), c.side, 0o644)
		if b, err := ReadFile(path); err != nil || !bytes.Equal(b, c.content) {
			t.Errorf("%s: ReadFile = %q, %v", c.name, b, err)
		}
	}
	// A second replacement from the stranded state keeps the old content
	// acceptable until its rename.
	os.WriteFile(path, old, 0o644)
	if err := WriteBytes(path, []byte("third")); err != nil {
		t.Fatal(err)
	}
	side, _ := os.ReadFile(Sidecar(path))
	if n := bytes.Count(side, []byte("\n")); n != 1 {
		t.Errorf("after a finished replacement the checksum file has %d lines, want 1: %q", n, side)
	}
}

// Writers of one file in several goroutines (each its own lock) and
// readers at the same time: a reader sees some whole version, never damage.
func TestConcurrentWritersAndReaders(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.json")
	if err := WriteBytes(path, []byte("v0")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 100)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if err := WriteBytes(path, fmt.Appendf(nil, "writer %d version %d", w, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := ReadFile(path); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st, err := Verify(path); st != Verified {
		t.Errorf("after the writers: %v, %v", st, err)
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	// A process that has exited: its pid is free (or reused, when the file
	// is kept, which errs on the safe side).
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	files := map[string]bool{ // name: should be removed
		fmt.Sprintf(".a.json.tmp-%s-%d-123", hostname, dead):        !alive(dead),
		fmt.Sprintf(".a.json.tmp-%s-%d-456", hostname, os.Getpid()): false,
		".b.png.tmp-otherhost-99-1":                                 false,
		".c.gob.tmp-otherhost-98-2":                                 true, // made old below
		".affinity.png.tmp123456":                                   true,
		".hidden":                                                   false,
		"x.tmp1":                                                    false,
		"units.json":                                                false,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-StaleAge - time.Hour)
	os.Chtimes(filepath.Join(dir, ".c.gob.tmp-otherhost-98-2"), old, old)
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, gone := range files {
		_, statErr := os.Stat(filepath.Join(dir, name))
		if gone != (statErr != nil) || gone != slices.Contains(removed, filepath.Join(dir, name)) {
			t.Errorf("%s: removed %v, want %v", name, statErr != nil, gone)
		}
	}
	if _, err := RemoveStale(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("RemoveStale of a missing folder: %v", err)
	}
}

// A writer killed (SIGKILL) at random moments leaves the last whole
// version, verified, and temporary files that RemoveStale removes.
func TestKilledWriter(t *testing.T) {
	if os.Getenv("ATOMICFILE_WRITER") != "" {
		path := os.Getenv("ATOMICFILE_WRITER")
		for i := 0; ; i++ {
			WriteBytes(path, bytes.Repeat([]byte(strconv.Itoa(i)), 20000))
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.gob")
	rng := rand.New(rand.NewPCG(1, 2))
	for try := range 12 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
		cmd.Env = append(os.Environ(), "ATOMICFILE_WRITER="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(150)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if st, err := Verify(path); err != nil && !errors.Is(err, os.ErrNotExist) || st == Damaged && err == nil {
			t.Fatalf("try %d: after kill -9: %v, %v", try, st, err)
		}
		if _, err := RemoveStale(dir); err != nil {
			t.Fatal(err)
		}
		for _, n := range names(t, dir) {
			if tempName.MatchString(n) {
				t.Fatalf("try %d: %s left after RemoveStale", try, n)
			}
		}
	}
}

// RemoveStaleTree removes old temporary files in every folder below root.
func TestRemoveStaleTree(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "checkpoints", "unit")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := []string{filepath.Join(root, ".r.json.tmp1"), filepath.Join(deep, ".checkpoint.gob.tmp22")}
	keep := filepath.Join(deep, "checkpoint.gob")
	for _, p := range append(stale, keep) {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStaleTree(root)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	slices.Sort(stale)
	if !slices.Equal(removed, stale) {
		t.Errorf("removed %q, want %q", removed, stale)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("removed %s", keep)
	}
	if _, err := RemoveStaleTree(filepath.Join(root, "missing")); err != nil {
		t.Errorf("missing root: %v", err)
	}
}

// In a folder it may not write in, Write succeeds when the file already
// holds the content, and fails otherwise.
func TestWriteReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	if err := WriteBytes(p, []byte("same")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if err := WriteBytes(p, []byte("same")); err != nil {
		t.Errorf("same content: %v", err)
	}
	if err := WriteBytes(p, []byte("other")); err == nil {
		t.Error("other content written into a read-only folder")
	}
}
