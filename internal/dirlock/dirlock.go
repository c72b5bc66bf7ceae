// Package dirlock keeps the processes that work in one output folder at one
// configuration: any number of processes with the same configuration share
// the folder (and the work in it), while a process with another one is
// refused for as long as they run, instead of interleaving its files with
// theirs.
//
// Three files in the folder carry it:
//
//   - MutexName, locked exclusively (flock) for the moment a process joins:
//     the look at the folder's configuration and the claim to it happen
//     under it, so two processes started together cannot both find the
//     folder free (the race of a look-then-write check);
//   - ActiveName, locked shared by every process at work for as long as it
//     works: a process that can lock it exclusively knows that none is at
//     work, whatever configuration file a killed process left behind (the
//     kernel drops the locks of a process that dies);
//   - ConfigName, the configuration of the processes at work, written by
//     the first of them.
//
// A folder this process cannot create the lock files in (a read-only
// folder) cannot be written by it either: Acquire then goes on without a
// lock, so a finished run there can still be read.
package dirlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/internal/jsondiff"
)

// File names inside the folder.
const (
	MutexName  = ".config.lock"
	ActiveName = ".active.lock"
	ConfigName = ".active.json"
)

// Lock is a process's share of a folder; Release gives it up.
type Lock struct{ active *flock.Flock }

// Release gives the share up. A nil Lock (a read-only folder) is no error.
func (l *Lock) Release() error {
	if l == nil || l.active == nil {
		return nil
	}
	return l.active.Unlock()
}

// ConflictError is the refusal of a configuration other than that of the
// processes at work in the folder.
type ConflictError struct {
	// Dir is the folder.
	Dir string
	// Diff names each field that differs: "name X there, Y here", there
	// being the processes at work and here the refused one.
	Diff []string
}

// Error is one line naming the folder and the differences.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s is in use by another tag process with another configuration (%s); wait for it to end or use another output folder",
		e.Dir, strings.Join(e.Diff, "; "))
}

// Acquire joins the processes at work in dir with configuration conf (a
// value that encodes as a JSON object), or returns a *ConflictError when
// they work with another. dir must exist. The share lasts until Release or
// the end of the process.
func Acquire(dir string, conf any) (*Lock, error) {
	mu := flock.New(filepath.Join(dir, MutexName))
	if err := mu.Lock(); err != nil {
		if atomicfile.ReadOnly(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("locking %s: %w", mu.Path(), err)
	}
	defer mu.Unlock()
	active := flock.New(filepath.Join(dir, ActiveName))
	free, err := active.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", active.Path(), err)
	}
	path := filepath.Join(dir, ConfigName)
	if free {
		// Nobody is at work: this configuration becomes the folder's.
		active.Unlock()
		b, err := json.Marshal(conf)
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteBytes(path, b); err != nil {
			return nil, err
		}
	} else {
		b, err := atomicfile.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		var there any
		if len(b) > 0 {
			if err := json.Unmarshal(b, &there); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		if diff := jsondiff.Paths(there, conf); len(diff) > 0 {
			return nil, &ConflictError{Dir: dir, Diff: diff}
		}
	}
	// Under the mutex nobody holds ActiveName exclusively: this cannot
	// block.
	if err := active.RLock(); err != nil {
		return nil, fmt.Errorf("locking %s: %w", active.Path(), err)
	}
	return &Lock{active: active}, nil
}
