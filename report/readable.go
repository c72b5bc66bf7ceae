package report

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// foldAt is the length beyond which a list in the report is folded: its
// first foldShow items, then how many more (results.json has them all).
const (
	foldAt   = 12
	foldShow = 10
)

// foldList joins items with sep, folded beyond foldAt items.
func foldList(items []string, sep string) string {
	if len(items) <= foldAt {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:foldShow], sep) + fmt.Sprintf("%s… and %d more (all in results.json)", sep, len(items)-foldShow)
}

// taskNote matches a note about one task: `task "NAME" REST`.
var taskNote = regexp.MustCompile(`^task "([^"]*)" (.*)$`)

// foldNotes returns notes with the notes that say the same of several
// tasks (`task "a" classes: 0=0, 1=1`, `task "b" classes: 0=0, 1=1`)
// merged into one that names the tasks, at the place of the first, and
// repeated notes dropped.
func foldNotes(notes []string) []string {
	type merged struct {
		at    int
		tasks []string
	}
	byRest := map[string]*merged{}
	seen := map[string]bool{}
	var out []string
	for _, n := range notes {
		if m := taskNote.FindStringSubmatch(n); m != nil {
			if g, ok := byRest[m[2]]; ok {
				g.tasks = append(g.tasks, m[1])
				continue
			}
			byRest[m[2]] = &merged{at: len(out), tasks: []string{m[1]}}
			out = append(out, m[2])
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for rest, g := range byRest {
		if len(g.tasks) == 1 {
			out[g.at] = fmt.Sprintf("task %q %s", g.tasks[0], rest)
		} else {
			out[g.at] = fmt.Sprintf("tasks %s (%d): %s", foldList(g.tasks, ", "), len(g.tasks), rest)
		}
	}
	return out
}

// selectionText states the selector's settings (selection.Options, or
// its JSON decoded into a map) under the flags of tag run that set them.
func selectionText(settings any) (string, error) {
	b, err := json.Marshal(settings)
	if err != nil {
		return "", fmt.Errorf("encoding the selection settings: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return string(b), nil // not a struct: as it is
	}
	var parts []string
	if v, ok := m["Seed"]; ok {
		parts = append(parts, fmt.Sprintf("-seed %v", v))
	}
	if v, ok := m["MaxGroupSize"].(float64); ok {
		s := fmt.Sprintf("-max-group-size %v", v)
		if v == 0 {
			s += " (no cap)"
		}
		parts = append(parts, s)
	}
	spend, _ := m["SpendBudget"].(bool)
	parts = append(parts, fmt.Sprintf("-spend-budget=%v", spend))
	text := "Selection (flags of tag run): " + strings.Join(parts, ", ") + ". Under rule zsum a task may stay alone"
	if alone, ok := m["AllowSingletons"].(bool); ok {
		text += fmt.Sprintf("; tag-paper (the paper's rule) lets a task stay alone: %s", yesNo(alone))
	}
	return text + ".", nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// recipeFlags maps places in the recipe (Trainer.Recipe: "mtl" and
// "affinity" settings) to the flags of tag run that set them.
var recipeFlags = []struct{ path, flag string }{
	{"mtl.epochs", "-epochs"},
	{"mtl.batch_size", "-batch"},
	{"mtl.optimizer", "-optimizer"},
	{"mtl.learning_rate", "-lr"},
	{"mtl.momentum", "-momentum"},
	{"mtl.trunk.kind", "-trunk"},
	{"mtl.trunk.widths", "-widths"},
	{"affinity.every", "-every"},
	{"affinity.lookahead", "-lookahead"},
	{"affinity.validation", "-validation-batches"},
	{"affinity.estimator", "-estimator"},
	{"affinity.sources", "-sources"},
}

// recipeText states the recipe's settings that flags of tag run set, under
// those flags; "" when the recipe has none of them.
func recipeText(recipe any) string {
	b, err := json.Marshal(recipe)
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	var parts []string
	for _, rf := range recipeFlags {
		var v any = m
		for _, k := range strings.Split(rf.path, ".") {
			mm, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = mm[k]
		}
		switch x := v.(type) {
		case nil:
		case bool:
			parts = append(parts, fmt.Sprintf("%s=%v", rf.flag, x))
		case []any:
			items := make([]string, len(x))
			for i, it := range x {
				items[i] = fmt.Sprint(it)
			}
			parts = append(parts, rf.flag+" "+strings.Join(items, ","))
		default:
			parts = append(parts, fmt.Sprintf("%s %v", rf.flag, x))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Training (flags of tag run): " + strings.Join(parts, ", ") + "."
}
