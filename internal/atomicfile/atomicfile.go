// Package atomicfile writes files so that a reader or a crash never sees a
// half-written result, and so that damage to a file is found when it is
// read back instead of being used.
//
// Write puts the content in a temporary file in the same folder, syncs it
// and renames it over the destination. Beside every file it writes a
// checksum file, NAME.sha256, holding the SHA-256 of the content in the
// form of sha256sum ("<hex>  NAME"), so `sha256sum -c NAME.sha256` also
// checks it. ReadFile verifies the content against it and returns a
// *ChecksumError on a mismatch.
//
// A sidecar rather than a header or trailer keeps every file in its own
// format: affinity.csv stays a CSV that other tools read, run.json stays
// JSON for jq. The price is two files that must agree, which Write keeps
// so at every instant, kill -9 included:
//
//   - the checksum file is renamed into place before the content, so a
//     content file written by this package never exists without one;
//   - when a file is replaced, the checksum file first lists both the new
//     and the earlier checksums, then the content is renamed, then the
//     checksum file is rewritten with the new checksum alone;
//   - writers of one folder take an exclusive lock (flock on the folder's
//     .checksum.lock) around those renames, so two processes writing the
//     same file cannot interleave them.
//
// A file without a checksum file (written before checksums existed, or
// made by hand or by another program, like an affinity matrix given to
// `tag group`) is read as before, unverified; Verify tells the two cases
// apart for `tag check`.
//
// A folder this process may not write in (a read-only copy of a finished
// run) is no error for Write when the file there already holds the content
// to write: a rerun that reproduces its outputs can still print them.
//
// Temporary files carry the host and process id of their writer
// (.NAME.tmp-HOST-PID-N); RemoveStale deletes those whose writer is gone,
// so a writer killed mid-write leaves nothing behind for long.
package atomicfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/gofrs/flock"
)

// Suffix is appended to a file's name to name its checksum file.
const Suffix = ".sha256"

// LockName is the lock file that writers of a folder hold while they
// rename a file and its checksum into place.
const LockName = ".checksum.lock"

// Sidecar returns the checksum file of path.
func Sidecar(path string) string { return path + Suffix }

// Write creates path atomically with the content that write produces, and
// its checksum file. If write returns an error, path is left as it was.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, sum, err := writeTemp(dir, filepath.Base(path), write)
	if err != nil && ReadOnly(err) && unchanged(path, write) {
		// A folder this process may not write in already holds this
		// content (a finished run reread from a read-only copy).
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	unlock, err := lockDir(dir, true)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer unlock()
	line := checksumLine(sum, filepath.Base(path))
	old, err := os.ReadFile(Sidecar(path))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, statErr := os.Stat(path)
	replacing := statErr == nil && len(old) > 0
	first := line
	if replacing {
		// Until the content is renamed, either content must match.
		first = mergeLines(line, old)
	}
	if err = writeSidecar(dir, path, first); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if replacing && !bytes.Equal(first, line) {
		if err = writeSidecar(dir, path, line); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}

// WriteBytes creates path atomically with content b (see Write).
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// ReadOnly reports an error of a folder or file this process may not
// write (permissions, or a read-only file system).
func ReadOnly(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// unchanged reports whether path holds, byte for byte, the content that
// write produces, and agrees with its checksum file if it has one.
func unchanged(path string, write func(w io.Writer) error) bool {
	h := sha256.New()
	bw := bufio.NewWriter(h)
	if write(bw) != nil || bw.Flush() != nil {
		return false
	}
	st, err := Verify(path)
	if err != nil || st == Damaged {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	old := sha256.New()
	if _, err := io.Copy(old, f); err != nil {
		return false
	}
	return bytes.Equal(h.Sum(nil), old.Sum(nil))
}

// FileMode is the permission of every file Write creates: readable by
// all, writable by the owner.
const FileMode fs.FileMode = 0o644

// writeTemp writes the content into a new synced temporary file in dir and
// returns its name and the content's SHA-256.
func writeTemp(dir, base string, write func(w io.Writer) error) (name string, sum []byte, err error) {
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return "", nil, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file private (0600); a written file is an
	// output others may read, as os.Create under the usual umask 022.
	if err = f.Chmod(FileMode); err != nil {
		return "", nil, err
	}
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(f, h))
	if err = write(bw); err != nil {
		return "", nil, err
	}
	if err = bw.Flush(); err != nil {
		return "", nil, err
	}
	if err = f.Sync(); err != nil {
		return "", nil, err
	}
	if err = f.Close(); err != nil {
		return "", nil, err
	}
	return tmp, h.Sum(nil), nil
}

// writeSidecar renames a synced temporary file holding content over the
// checksum file of path.
func writeSidecar(dir, path string, content []byte) error {
	tmp, _, err := writeTemp(dir, filepath.Base(Sidecar(path)), func(w io.Writer) error {
		_, err := w.Write(content)
		return err
	})
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, Sidecar(path)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// checksumLine is one line of a checksum file, as sha256sum writes it.
func checksumLine(sum []byte, base string) []byte {
	return []byte(hex.EncodeToString(sum) + "  " + base + "\n")
}

// mergeLines returns line followed by the lines of old that differ from it.
func mergeLines(line, old []byte) []byte {
	out := slices.Clone(line)
	for l := range bytes.Lines(old) {
		if !bytes.Equal(bytes.TrimSpace(l), bytes.TrimSpace(line)) && len(bytes.TrimSpace(l)) > 0 {
			out = append(out, bytes.TrimRight(l, "\n")...)
			out = append(out, '\n')
		}
	}
	return out
}

// lockDir takes the exclusive lock of dir's writers. A reader (write
// false) of a folder it cannot create the lock file in goes on without it.
func lockDir(dir string, write bool) (unlock func(), err error) {
	fl := flock.New(filepath.Join(dir, LockName))
	if err := fl.Lock(); err != nil {
		if !write {
			return func() {}, nil
		}
		return nil, fmt.Errorf("locking %s: %w", fl.Path(), err)
	}
	return func() { fl.Unlock() }, nil
}

// ChecksumError reports a file whose content does not match its checksum
// file: the file was damaged (or edited) after it was written.
type ChecksumError struct {
	// Path is the damaged file, Sidecar its checksum file.
	Path, Sidecar string
	// Want lists the checksums the checksum file accepts; Got is the
	// content's.
	Want []string
	Got  string
	// Malformed is set when the checksum file itself cannot be read as one.
	Malformed bool
}

// Error names the file and says what can be done.
func (e *ChecksumError) Error() string {
	if e.Malformed {
		return fmt.Sprintf("%s: its checksum file %s is damaged (not a SHA-256 line); delete both to redo the file, or only %s if the file is known to be good",
			e.Path, e.Sidecar, e.Sidecar)
	}
	return fmt.Sprintf("%s is damaged: its SHA-256 is %.12s…, but %s says %.12s…; delete it to redo it (or, if you edited it on purpose, delete %s)",
		e.Path, e.Got, e.Sidecar, e.Want[0], e.Sidecar)
}

// ReadFile returns the content of path after checking it against its
// checksum file: a *ChecksumError if they differ. A file without a
// checksum file is returned unverified, as os.ReadFile would.
func ReadFile(path string) ([]byte, error) {
	var b []byte
	err := retryLocked(path, func() (err error) {
		b, _, err = read(path)
		return err
	})
	return b, err
}

// retryLocked runs f, and once more on a *ChecksumError while no writer of
// the folder can rename: a writer may have replaced the file between the
// reads of the content and of its checksum file.
func retryLocked(path string, f func() error) error {
	err := f()
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		return err
	}
	unlock, lerr := lockDir(filepath.Dir(path), false)
	if lerr != nil {
		return err
	}
	defer unlock()
	return f()
}

// Status says how a file stands against its checksum file.
type Status int

const (
	// Verified: the content matches its checksum file.
	Verified Status = iota
	// Unverified: there is no checksum file (a file written before
	// checksums, or by another program).
	Unverified
	// Damaged: the content does not match (a *ChecksumError).
	Damaged
)

// String names the status.
func (s Status) String() string {
	switch s {
	case Verified:
		return "verified"
	case Unverified:
		return "no checksum"
	}
	return "damaged"
}

// read reads path and checks it against its checksum file.
func read(path string) ([]byte, Status, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Damaged, err
	}
	st, err := check(path, sha256.Sum256(b))
	if err != nil {
		return nil, st, err
	}
	return b, st, nil
}

// Verify checks path against its checksum file without keeping its
// content in memory.
func Verify(path string) (Status, error) {
	var st Status
	err := retryLocked(path, func() (err error) {
		st, err = verify(path)
		return err
	})
	return st, err
}

func verify(path string) (Status, error) {
	f, err := os.Open(path)
	if err != nil {
		return Damaged, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return Damaged, fmt.Errorf("reading %s: %w", path, err)
	}
	return check(path, [sha256.Size]byte(h.Sum(nil)))
}

// check compares sum with the checksum file of path.
func check(path string, sum [sha256.Size]byte) (Status, error) {
	side, err := os.ReadFile(Sidecar(path))
	if errors.Is(err, fs.ErrNotExist) {
		return Unverified, nil
	}
	if err != nil {
		return Damaged, err
	}
	got := hex.EncodeToString(sum[:])
	want, ok := parseSidecar(side)
	if !ok {
		return Damaged, &ChecksumError{Path: path, Sidecar: Sidecar(path), Got: got, Malformed: true}
	}
	if slices.Contains(want, got) {
		return Verified, nil
	}
	return Damaged, &ChecksumError{Path: path, Sidecar: Sidecar(path), Want: want, Got: got}
}

// parseSidecar returns the checksums of a checksum file's lines.
func parseSidecar(b []byte) ([]string, bool) {
	var sums []string
	for l := range bytes.Lines(b) {
		f := strings.Fields(string(l))
		if len(f) == 0 {
			continue
		}
		s := f[0]
		if len(s) != 2*sha256.Size {
			return nil, false
		}
		if _, err := hex.DecodeString(s); err != nil {
			return nil, false
		}
		sums = append(sums, strings.ToLower(s))
	}
	return sums, len(sums) > 0
}

// Remove removes path and its checksum file; missing ones are no error.
func Remove(path string) error {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	err2 := os.Remove(Sidecar(path))
	if errors.Is(err2, fs.ErrNotExist) {
		err2 = nil
	}
	return errors.Join(err, err2)
}
