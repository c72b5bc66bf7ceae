package quality

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
)

// SuiteNames lists the names of Suites, in order.
func SuiteNames() []string {
	var names []string
	for _, s := range Suites() {
		names = append(names, s.Name)
	}
	return names
}

// Select returns the suites named, in the order of Suites (all of them
// when names is empty); an unknown name is bad input
// (experiment.ConfigError) naming -data.
func Select(names []string) ([]Suite, error) {
	all := SuiteNames()
	for _, n := range names {
		if !slices.Contains(all, n) {
			return nil, &experiment.ConfigError{Err: fmt.Errorf("-data: unknown suite %q (want %s)", n, strings.Join(all, ", "))}
		}
	}
	suites := Suites()
	if len(names) == 0 {
		return suites, nil
	}
	return slices.DeleteFunc(suites, func(s Suite) bool { return !slices.Contains(names, s.Name) }), nil
}

// Write writes DIR/quality.md and DIR/quality.json for rep (each suite's
// own report is package report's) and returns the path of quality.md.
func (rep *Report) Write(dir string) (string, error) {
	p := filepath.Join(dir, "quality.md")
	if err := atomicfile.Write(p, rep.WriteMarkdown); err != nil {
		return "", err
	}
	return p, atomicfile.Write(filepath.Join(dir, "quality.json"), rep.WriteJSON)
}
