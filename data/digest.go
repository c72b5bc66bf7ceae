package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
)

// digestSample is the number of examples per split whose values Digest
// reads: evenly spread, so that a large data set is fingerprinted in
// moments.
const digestSample = 256

// Fingerprinter is a data set that fingerprints its own content, for
// Digest: a table whose target columns are chosen when it is opened
// (a CSV file) fingerprints its rows, inputs and split but not its target
// list, so that the same file opened with more targets keeps its digest.
type Fingerprinter interface {
	// Fingerprint changes whenever the content it stands for does.
	Fingerprint() string
}

// Digest returns a hex SHA-256 fingerprint of ds's content. For a
// Fingerprinter it covers the name, the input shape and Fingerprint.
// Otherwise it covers the name, input shape, tasks with their kinds, split
// sizes, identifying notes (IdentityNotes) and the inputs and targets of up to 256
// evenly spread examples of each split. Two loads of the same data give
// the same digest; data that differ in any of these give different ones.
// It does not depend on which tasks a run trains.
func Digest(ds Dataset) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "name %q\ninput %v\n", ds.Name(), ds.InputShape())
	if f, ok := ds.(Fingerprinter); ok {
		fmt.Fprintf(h, "fingerprint %q\n", f.Fingerprint())
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	for _, t := range ds.Tasks() {
		fmt.Fprintf(h, "task %q %s %d\n", t.Name, t.Kind, t.Classes)
	}
	notes, _ := IdentityNotes(ds)
	for _, note := range notes {
		fmt.Fprintf(h, "note %q\n", note)
	}
	size, nt := InputSize(ds), len(ds.Tasks())
	for _, split := range []Split{Train, Validation, Test} {
		n := ds.Len(split)
		fmt.Fprintf(h, "%s %d\n", split, n)
		k := min(n, digestSample)
		idx := make([]int, k)
		for i := range idx {
			idx[i] = i * n / k
		}
		x, y := make([]float32, k*size), make([]float32, k*nt)
		if err := ds.Fill(split, idx, x, y); err != nil {
			return "", fmt.Errorf("digest of %s: %w", ds.Name(), err)
		}
		putFloats(h, x)
		putFloats(h, y)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func putFloats(h hash.Hash, v []float32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	h.Write(b)
}
