// Package jsondiff names the top-level fields in which two values differ
// when both are written as JSON objects: what a command prints when a
// recorded recipe or data description is not the one it was given.
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
