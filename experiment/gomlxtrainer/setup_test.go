package gomlxtrainer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/mtl"
)

// recipeCalls is a Request.Recipe that records the task counts it was
// called with and sets the epochs to 5.
type recipeCalls []int

func (c *recipeCalls) change(_ data.Dataset, nTasks int, cfg *mtl.Config, _ *affinity.Options) error {
	*c = append(*c, nTasks)
	cfg.Epochs = 5
	return nil
}

// NewSetup builds the training from the data flags alone (the recipe for
// the data, changed for its task count), or from a -from record (its
// source and recipe, the estimator kept, data flags only repeating the
// record, the added task a further CSV target), and splits a CSV file
// per seed from the source as opened.
func TestNewSetup(t *testing.T) {
	var calls recipeCalls
	st, err := NewSetup(Request{Data: catalog.Choice{Data: "planted", Tasks: "a0,b0"}, Given: map[string]bool{"data": true}, Seed: 1, Recipe: calls.change})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Recipe(st.Data)
	want.Epochs = 5
	if !slices.Equal(st.Tasks, []string{"a0", "b0"}) || !slices.Equal(calls, []int{2}) || !reflect.DeepEqual(st.Trainer.Config, want) ||
		st.Source.Name != "planted" || st.Description["name"] == nil || st.Trainer.DataForSeed != nil || st.From != nil {
		t.Errorf("from the flags: tasks %v, recipe calls %v, config %+v, source %+v, description %v", st.Tasks, calls, st.Trainer.Config, st.Source, st.Description)
	}

	// A CSV run recorded with split seed 4: continued with no data flag
	// and -vary-split, the added column is a target and the split seed
	// the record's.
	var b strings.Builder
	b.WriteString("x,a,b\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i, i%2, i%3%2)
	}
	csv := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := Trainer{Config: mtl.Config{Epochs: 3, LearningRate: 0.5}, Affinity: affinity.Options{Every: 4, Estimator: affinity.Sampled}}
	recipe, _ := json.Marshal(tr.Recipe())
	source, _ := json.Marshal(catalog.Spec{CSV: &catalog.CSVSpec{Path: csv, Targets: []string{"a"}, Features: []string{"x"}, SplitSeed: 4, ValFraction: 0.2, TestFraction: 0.2}})
	results := `{"tasks":["a"],"source":` + string(source) + `,"recipe":` + string(recipe) + `}`
	f := planFrom(t, filepath.Join(t.TempDir(), "old"), results, "b")
	calls = nil
	st, err = NewSetup(Request{From: f, Given: map[string]bool{"vary-split": true}, Seed: 1, Recipe: calls.change, VarySplit: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Tasks, []string{"a", "b"}) || !slices.Equal(calls, []int{0}) || st.Trainer.Config.LearningRate != 0.5 || st.Trainer.Config.Epochs != 5 ||
		st.Trainer.Affinity.Estimator != affinity.Sampled || !slices.Equal(st.Source.CSV.Targets, []string{"a", "b"}) || st.From != f {
		t.Errorf("from the record: tasks %v, recipe calls %v, config %+v, affinity %+v, source %+v", st.Tasks, calls, st.Trainer.Config, st.Trainer.Affinity, st.Source.CSV)
	}
	if split, _ := st.Description["split"].(string); !strings.Contains(split, "row-split seed 4+r") || st.Trainer.DataForSeed == nil {
		t.Errorf("-vary-split from the record: %q", split)
	}
	if ds, err := st.Trainer.DataForSeed(2); err != nil || ds == st.Data || len(ds.Tasks()) != 2 {
		t.Errorf("the second seed's data: %v (the first seed's: %t)", err, ds == st.Data)
	}

	// Refused: a data flag that differs from the record, naming the
	// field; -vary-split on data that cannot be split anew.
	for _, c := range []struct {
		r    Request
		want string
	}{
		{Request{From: f, Data: catalog.Choice{SplitSeed: 9}, Given: map[string]bool{"data-seed": true}}, "split_seed 4 there, 9 here"},
		{Request{Data: catalog.Choice{Data: "planted"}, Given: map[string]bool{"data": true}, VarySplit: true}, "-vary-split: planted is not a CSV file"},
	} {
		if _, err := NewSetup(c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.r, err, c.want)
		}
	}
	if _, err := NewSetup(Request{From: f, Data: catalog.Choice{SplitSeed: 9}, Given: map[string]bool{"data-seed": true}}); !affinityrun.IsInput(err) {
		t.Errorf("a differing data flag: %v, want an affinityrun.InputError", err)
	}
}
