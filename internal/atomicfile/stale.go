package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// StaleAge is how old an unfinished temporary file of another host must be
// before RemoveStale deletes it (whether its writer lives cannot be asked).
const StaleAge = 24 * time.Hour

// hostname is this machine's name as written into temporary files' names.
var hostname = func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '-' || r < ' ' {
			return '_'
		}
		return r
	}, h)
}()

// tempPattern is the os.CreateTemp pattern of a temporary file for base.
func tempPattern(base string) string {
	return fmt.Sprintf(".%s.tmp-%s-%d-*", base, hostname, os.Getpid())
}

var (
	// tempName matches what tempPattern makes: host, pid, random digits.
	tempName = regexp.MustCompile(`^\..+\.tmp-([^-/]+)-([0-9]+)-[0-9]+$`)
	// oldTempName matches the temporary files of tag before checksums
	// (.NAME.tmpDIGITS), which carried no writer.
	oldTempName = regexp.MustCompile(`^\..+\.tmp[0-9]+$`)
)

// RemoveStale deletes, in dir (not below), the temporary files of writers
// that are gone: those of this host whose process has exited, those of
// other hosts older than StaleAge, and those of tag versions that did not
// name their writer. It returns the paths removed; a missing dir is no
// error.
func RemoveStale(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !stale(e) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}

// RemoveStaleTree is RemoveStale in root and every folder below it.
func RemoveStaleTree(root string) ([]string, error) {
	var removed []string
	var errs []error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			errs = append(errs, err)
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		r, err := RemoveStale(path)
		removed = append(removed, r...)
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	return removed, errors.Join(append(errs, err)...)
}

// stale reports whether e is a temporary file whose writer is gone.
func stale(e fs.DirEntry) bool {
	name := e.Name()
	if m := tempName.FindStringSubmatch(name); m != nil {
		pid, err := strconv.Atoi(m[2])
		if err != nil {
			return false
		}
		if m[1] == hostname {
			return pid != os.Getpid() && !alive(pid)
		}
		info, err := e.Info()
		return err == nil && time.Since(info.ModTime()) > StaleAge
	}
	return oldTempName.MatchString(name)
}
