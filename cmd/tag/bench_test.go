package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchCommand(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  []string
		err  string
	}{
		{[]string{"bench", "throughput", "-models", "glyphs", "-steps", "1", "-tasks", "2"}, 0,
			[]string{"model", "every-10 ratio", "measure ms", "every-10 measure", "glyphs      2     64"}, ""},
		{[]string{"bench", "throughput", "-models", "mnist", "-steps", "1"}, 0, []string{"mnist      6     64"}, ""},
		{[]string{"bench", "-h"}, 0, []string{"usage: tag bench throughput", "resnet", "mnist"}, ""},
		{[]string{"bench"}, 2, nil, "want a sub-command"},
		{[]string{"bench", "throughput", "-models", "vgg"}, 2, nil, `unknown model "vgg" (want one of mlp,cnn,resnet,glyphs,mnist)`},
		{[]string{"bench", "throughput", "-steps", "0"}, 2, nil, "-steps"},
		{[]string{"bench", "throughput", "-backend", "nope"}, 2, nil, `backend "nope" is not compiled in`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != tc.code {
			t.Errorf("tag %v: exit %d, want %d; stderr %q", tc.args, code, tc.code, stderr.String())
		}
		for _, s := range tc.out {
			if !strings.Contains(stdout.String(), s) {
				t.Errorf("tag %v: stdout lacks %q:\n%s", tc.args, s, stdout.String())
			}
		}
		if !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("tag %v: stderr %q lacks %q", tc.args, stderr.String(), tc.err)
		}
	}
}
