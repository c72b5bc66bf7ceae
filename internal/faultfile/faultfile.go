// Package faultfile damages files the way a failing disk or a stray write
// does, for the tests that check such damage is found: the content changes
// while its checksum file stays.
package faultfile

import "os"

// ZeroMiddle overwrites n bytes in the middle of path with zeros (fewer
// when the file is shorter), leaving its size and checksum file as they
// were.
func ZeroMiddle(path string, n int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	clear(b[len(b)/2 : min(len(b), len(b)/2+n)])
	return os.WriteFile(path, b, 0o644)
}
