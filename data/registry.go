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

// Open opens the registered data set called name, or returns an error that
// lists the known names.
func Open(name string) (Dataset, error) {
	registryMu.Lock()
	s, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		names := make([]string, 0)
		for _, s := range Sources() {
			names = append(names, s.Name)
		}
		return nil, fmt.Errorf("unknown data set %q (known: %s)", name, strings.Join(names, ", "))
	}
	return s.Open()
}
