package mtl

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/tagroup/tag/affinity"
)

// Parameters are a network's parameter values by name, each head's under its
// task's name, so that a network trained on one list of tasks can start a
// network for another list (Options.Init): the trunk and the heads of the
// tasks both lists share are copied, the other heads start fresh.
type Parameters struct {
	// Shared maps each trunk parameter's name (e.g. "trunk/dense0/w") to
	// its values, row-major.
	Shared map[string][]float32
	// Heads maps a task to its head's parameters, named within the head
	// ("out/w", "out/b", "hidden/w", ...).
	Heads map[string]map[string][]float32
}

// headPrefix is the name prefix of head j's parameters.
func headPrefix(j int) string { return fmt.Sprintf("head%d/", j) }

// parametersOf returns the values (in specs order) as Parameters. UW's
// log-variances, which belong to no head, are left out.
func (m *model) parametersOf(values [][]float32) *Parameters {
	w := &Parameters{Shared: map[string][]float32{}, Heads: map[string]map[string][]float32{}}
	for k, s := range m.specs {
		v := slices.Clone(values[k])
		switch {
		case s.Owner == sharedOwner:
			w.Shared[s.Name] = v
		case s.Owner >= 0:
			w.setHead(m.tasks[s.Owner].Name, strings.TrimPrefix(s.Name, headPrefix(s.Owner)), v)
		}
	}
	return w
}

// warmStart overwrites values (in specs order) with those of w: every
// trunk parameter, which w must hold with the same size (else the
// networks differ and an error names the parameter), and the parameters
// of every head whose task w has. Other heads keep their values.
func (m *model) warmStart(values [][]float32, w *Parameters) error {
	for k, s := range m.specs {
		var v []float32
		var ok bool
		switch {
		case s.Owner == sharedOwner:
			if v, ok = w.Shared[s.Name]; !ok {
				return fmt.Errorf("warm start: the weights have no trunk parameter %q (another trunk)", s.Name)
			}
		case s.Owner >= 0:
			head, found := w.Heads[m.tasks[s.Owner].Name]
			if !found {
				continue
			}
			name := strings.TrimPrefix(s.Name, headPrefix(s.Owner))
			if v, ok = head[name]; !ok {
				return fmt.Errorf("warm start: the head of task %q has no parameter %q (another head)", m.tasks[s.Owner].Name, name)
			}
		default:
			continue
		}
		if len(v) != s.size() {
			return fmt.Errorf("warm start: parameter %q has %d values, want %d %v (another network)", s.Name, len(v), s.size(), s.Shape)
		}
		copy(values[k], v)
	}
	return nil
}

// setHead sets parameter name of task's head to v.
func (w *Parameters) setHead(task, name string, v []float32) {
	if w.Heads[task] == nil {
		w.Heads[task] = map[string][]float32{}
	}
	w.Heads[task][name] = v
}

// Digest returns a hex SHA-256 of every name and value, independent of map
// order: two Parameters with equal digests are equal.
func (w *Parameters) Digest() string {
	h := sha256.New()
	for _, p := range w.list() {
		name := "shared/" + p.Name
		if p.Task != "" {
			name = "head/" + p.Task + "/" + p.Name
		}
		fmt.Fprintf(h, "%s:%d:", name, len(p.Values))
		var b [4]byte
		for _, x := range p.Values {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Without returns a copy of w without the heads of the given tasks.
func (w *Parameters) Without(tasks []string) *Parameters {
	out := &Parameters{Shared: w.Shared, Heads: map[string]map[string][]float32{}}
	for t, h := range w.Heads {
		if !slices.Contains(tasks, t) {
			out.Heads[t] = h
		}
	}
	return out
}

// StopRule ends training early: After is called with the 0-based epoch
// (just finished, or in progress) and the affinity recorded so far (nil
// without Options.Affinity), and training stops when it returns true.
// With Every == 0 it is called at the end of each epoch; with Every > 0
// after every Every-th step of the run instead (training then ends at
// once, mid-epoch, after the epoch's validation). Name identifies the
// rule (and its parameters) in the checkpoint's fingerprint. A rule must
// depend on its arguments only, or keep its own state through State and
// Restore, so that a resumed run stops where an uninterrupted one does.
type StopRule struct {
	Name  string
	Every int
	After func(epoch int, acc *affinity.Accumulator) bool
	// State, if set, returns the rule's state for a checkpoint. Restore,
	// if set, is called as a run starts: with the state stored in the
	// checkpoint it resumes, or with nil for a fresh run.
	State   func() []byte
	Restore func([]byte) error
}

// namedValues is one parameter in the encoded form of Parameters.
type namedValues struct {
	Task, Name string // Task is "" for a trunk parameter
	Values     []float32
}

// list returns w's parameters in a fixed order: the trunk's by name, then
// each head's by task and name.
func (w *Parameters) list() []namedValues {
	var list []namedValues
	for _, name := range slices.Sorted(maps.Keys(w.Shared)) {
		list = append(list, namedValues{Name: name, Values: w.Shared[name]})
	}
	for _, task := range slices.Sorted(maps.Keys(w.Heads)) {
		for _, name := range slices.Sorted(maps.Keys(w.Heads[task])) {
			list = append(list, namedValues{Task: task, Name: name, Values: w.Heads[task][name]})
		}
	}
	return list
}

// GobEncode encodes w with its parameters in a fixed order (list), so
// that equal weights give equal bytes.
func (w *Parameters) GobEncode() ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(w.list())
	return buf.Bytes(), err
}

// GobDecode is the inverse of GobEncode.
func (w *Parameters) GobDecode(b []byte) error {
	var list []namedValues
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&list); err != nil {
		return err
	}
	w.Shared, w.Heads = map[string][]float32{}, map[string]map[string][]float32{}
	for _, p := range list {
		if p.Task == "" {
			w.Shared[p.Name] = p.Values
			continue
		}
		w.setHead(p.Task, p.Name, p.Values)
	}
	return nil
}
