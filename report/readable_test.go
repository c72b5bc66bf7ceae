package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/selection"
)

func TestFoldNotes(t *testing.T) {
	notes := []string{
		"content digest 1",
		`task "a" classes: 0=0, 1=1`,
		"feature \"x\" is constant",
		`task "b" classes: 0=0, 1=1`,
		`task "c" classes: 0=1, 1=2`,
		"feature \"x\" is constant",
	}
	want := []string{
		"content digest 1",
		"tasks a, b (2): classes: 0=0, 1=1",
		"feature \"x\" is constant",
		`task "c" classes: 0=1, 1=2`,
	}
	if got := foldNotes(notes); !slices.Equal(got, want) {
		t.Errorf("foldNotes = %q, want %q", got, want)
	}
}

func TestFoldList(t *testing.T) {
	var items []string
	for i := range 103 {
		items = append(items, string(rune('a'+i%26)))
	}
	got := foldList(items, ", ")
	if !strings.HasSuffix(got, "… and 93 more (all in results.json)") || strings.Count(got, ",") != 10 {
		t.Errorf("foldList = %q", got)
	}
	if got := foldList(items[:3], ", "); got != "a, b, c" {
		t.Errorf("short list folded: %q", got)
	}
}

func TestSelectionText(t *testing.T) {
	got, err := selectionText(selection.Options{Seed: 1, SpendBudget: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-seed 1", "-max-group-size 0 (no cap)", "-spend-budget=true", "Under rule zsum a task may stay alone", "tag-paper (the paper's rule) lets a task stay alone: no"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "{") {
		t.Errorf("%q shows a structure", got)
	}
}

func TestRecipeText(t *testing.T) {
	recipe := map[string]any{
		"mtl":      map[string]any{"epochs": 20, "batch_size": 64, "trunk": map[string]any{"kind": "mlp", "widths": []int{16, 8}}},
		"affinity": map[string]any{"every": 2, "validation": true},
	}
	want := "Training (flags of tag run): -epochs 20, -batch 64, -trunk mlp, -widths 16,8, -every 2, -validation-batches=true."
	if got := recipeText(recipe); got != want {
		t.Errorf("recipeText = %q, want %q", got, want)
	}
	if got := recipeText("cluster-test"); got != "" {
		t.Errorf("recipeText of a string = %q", got)
	}
}

// TestGroupsTable: groups that differ between seeds are listed seed by
// seed, random's row says it shows the first of its groupings, and the
// recommended grouping carries its stability.
func TestGroupsTable(t *testing.T) {
	g1 := [][]string{{"a", "b"}, {"c"}}
	g2 := [][]string{{"a"}, {"b", "c"}}
	r := &experiment.Results{
		Tasks: []string{"a", "b", "c"}, Seed: 4, Seeds: []uint64{4, 5},
		Methods: map[string]*experiment.MethodResult{
			experiment.TAG:          {Budgets: map[string]*experiment.BudgetResult{"2": {Groups: g1, GroupsBySeed: [][][]string{g1, g2}}}},
			experiment.Random:       {Budgets: map[string]*experiment.BudgetResult{"2": {Groups: g2, SeedGroups: [][][]string{g2, g1, g2, g1}}}},
			experiment.TAGConsensus: {Budgets: map[string]*experiment.BudgetResult{"2": {Groups: g1}}},
		},
		Analysis: &experiment.Analysis{Consensus: []experiment.Consensus{{Budget: "2", Method: experiment.TAGConsensus, Groups: g1,
			Together: []float64{0.5, 0.5}, TogetherBootstrap: []float64{0.9, 1}}}},
	}
	var buf bytes.Buffer
	if err := groupsTable(r).writeText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"seed 4: {a, b} {c}; seed 5: {a} {b, c}",
		"{a} {b, c} (first of 2 groupings)",
		"{a, b} 50% (boot 90%) {c} 50% (boot 100%)",
		"Random: the first of its groupings, which are drawn once and trained under every seed",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("groups table lacks %q:\n%s", want, buf.String())
		}
	}
}
