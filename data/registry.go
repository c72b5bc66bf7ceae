package data

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Source is a built-in data set known by name: `tag data list` prints the
// registered sources and other commands open them by name.
type Source struct {
	// Name is the identifier used on the command line, e.g. "glyphs".
	Name string
	// Summary is a one-line description.
	Summary string
	// Open builds the data set with its default options.
	Open func() (Dataset, error)
	// Options, when not empty, says which options the data set takes after
	// its name ("NAME:key=value,..."), e.g. "families=F,size=T,seed=S".
	Options string
	// OpenWith builds the data set with the options that follow "NAME:"
	// (nil for a data set without options).
	OpenWith func(options string) (Dataset, error)
}

var (
	registryMu sync.Mutex
	registry   = map[string]Source{}
)

// Register makes a data set available by name. It panics if name is empty,
// open is nil or the name is taken, since these are programming errors made
// at init time. The package data/catalog registers the built-in sets.
func Register(name, summary string, open func() (Dataset, error)) {
	if name == "" || open == nil {
		panic("data: Register needs a name and an open function")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("data: data set registered twice: " + name)
	}
	registry[name] = Source{Name: name, Summary: summary, Open: open}
}

// RegisterOptions registers, like Register, a data set that also takes
// options: Open("NAME:OPTIONS") calls openWith(OPTIONS), and
// Open("NAME") calls openWith(""). usage lists the options for `tag data
// list`, e.g. "families=F,size=T,seed=S".
func RegisterOptions(name, summary, usage string, openWith func(options string) (Dataset, error)) {
	if openWith == nil {
		panic("data: RegisterOptions needs an open function")
	}
	Register(name, summary, func() (Dataset, error) { return openWith("") })
	registryMu.Lock()
	defer registryMu.Unlock()
	s := registry[name]
	s.Options, s.OpenWith = usage, openWith
	registry[name] = s
}

// Sources returns the registered data sets sorted by name.
func Sources() []Source {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Source, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SpecError is the error of Open for a name that is not registered or for
// options that the data set rejects: a mistake in the user's input rather
// than in the data set's files.
type SpecError struct{ Err error }

// Error is the message of the underlying error.
func (e *SpecError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *SpecError) Unwrap() error { return e.Err }

// BadInput marks the error as the user's: commands exit with status 2.
func (e *SpecError) BadInput() {}

// FileError is bad input in a file the user named: the file cannot be
// read, or its content at Line (0 when the fault is not on one line) is
// refused. Commands exit with status 2 for it.
type FileError struct {
	File string
	Line int
	Err  error
}

// Error is "FILE:LINE: reason", or "FILE: reason" without a line.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// BadInput marks the error as the user's: commands exit with status 2.
func (e *FileError) BadInput() {}

// Open opens the registered data set called name, or returns an error that
// lists the known names. A name of the form "NAME:OPTIONS" passes OPTIONS to
// a data set registered with RegisterOptions; options given to any other
// data set are an error.
func Open(name string) (Dataset, error) {
	name, options, hasOptions := strings.Cut(name, ":")
	s, err := Find(name)
	if err != nil {
		return nil, err
	}
	if hasOptions {
		if s.OpenWith == nil {
			return nil, &SpecError{fmt.Errorf("data set %q takes no options (got %q)", name, options)}
		}
		ds, err := s.OpenWith(options)
		if err != nil {
			return nil, &SpecError{err}
		}
		return ds, nil
	}
	return s.Open()
}

// Find returns the registered data set called name (without options), or
// a *SpecError that lists the known names.
func Find(name string) (Source, error) {
	registryMu.Lock()
	s, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		names := make([]string, 0)
		for _, s := range Sources() {
			names = append(names, s.Name)
		}
		return Source{}, &SpecError{fmt.Errorf("unknown data set %q (known: %s)", name, strings.Join(names, ", "))}
	}
	return s, nil
}
