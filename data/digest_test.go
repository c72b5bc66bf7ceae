package data

import "testing"

// The digest is stable across loads and changes with a target value, a
// note or a task's kind.
func TestDigest(t *testing.T) {
	d1, err := Digest(newMem())
	if err != nil {
		t.Fatal(err)
	}
	if d2, _ := Digest(newMem()); d2 != d1 {
		t.Error("two loads of the same data differ")
	}
	changed := newMem()
	changed.y[0][2][2] = 6
	kind := newMem()
	kind.tasks[2].Kind = Binary
	for name, ds := range map[string]*memSet{"a target value": changed, "a kind": kind} {
		if d, _ := Digest(ds); d == d1 {
			t.Errorf("changing %s kept the digest", name)
		}
	}
}
