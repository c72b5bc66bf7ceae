// Package jsondiff names the fields in which two values differ when both
// are written as JSON objects: what a command prints when a recorded
// recipe or data description is not the one it was given (Fields, the
// top-level fields), or when a folder is in use with another
// configuration (Paths, at any depth).
package jsondiff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// Fields returns, sorted, one line per top-level JSON field in which there
// and here differ: "name X there, Y here", with "unset" for a field one of
// them lacks. Values that do not encode as JSON objects compare as a whole
// under the field name "value".
func Fields(there, here any) []string {
	a, b := object(there), object(here)
	var diffs []string
	for k := range a {
		if !reflect.DeepEqual(a[k], b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %s there, %s here", k, text(a[k]), text(b[k])))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s unset there, %s here", k, text(b[k])))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// Paths returns, sorted, one line per field in which there and here
// differ: a field that is an object in both is compared field by field,
// at any depth, and named by its path ("recipe.mtl.epochs 20 there, 3
// here"); "unset" stands for a field one of them lacks.
func Paths(there, here any) []string {
	var out []string
	paths("", object(there), object(here), &out)
	sort.Strings(out)
	return out
}

// paths appends to out the differences of a and b, their fields' names
// prefixed.
func paths(prefix string, a, b map[string]any, out *[]string) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		va, inA := a[k]
		vb, inB := b[k]
		ma, objA := va.(map[string]any)
		mb, objB := vb.(map[string]any)
		switch {
		case objA && objB:
			paths(prefix+k+".", ma, mb, out)
		case inA != inB || !reflect.DeepEqual(va, vb):
			*out = append(*out, fmt.Sprintf("%s%s %s there, %s here", prefix, k, present(va, inA), present(vb, inB)))
		}
	}
}

// present is v as JSON, or "unset" for a field that is not there.
func present(v any, there bool) string {
	if !there {
		return "unset"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// object decodes v's JSON form into a map; a value that is not an object
// becomes {"value": v}.
func object(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"value": fmt.Sprint(v)}
	}
	m := map[string]any{}
	if json.Unmarshal(b, &m) != nil {
		var x any
		_ = json.Unmarshal(b, &x)
		return map[string]any{"value": x}
	}
	return m
}

func text(v any) string {
	if v == nil {
		return "unset"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
