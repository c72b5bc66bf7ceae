package faultfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestZeroMiddle(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("abcdefgh"), 0o644)
	if err := ZeroMiddle(p, 2); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, []byte("abcd\x00\x00gh")) {
		t.Errorf("got %q", b)
	}
	if err := ZeroMiddle(p, 64); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, []byte("abcd\x00\x00\x00\x00")) {
		t.Errorf("got %q", b)
	}
}
