package report

import (
	"slices"
	"strings"
	"testing"

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
