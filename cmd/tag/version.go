package main

import (
	"fmt"
	"io"

	"github.com/tagroup/tag/mtl"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the module and Go versions, the backend and whether the SIMD kernels are compiled in",
		run:     runVersion,
	})
}

// runVersion prints mtl.ReadBuildInfo; `tag -version` does the same.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprint(stdout, mtl.ReadBuildInfo())
	return err
}
