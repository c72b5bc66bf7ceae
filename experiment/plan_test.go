package experiment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// limitedSelector is bruteSelector with a size limit per rule, as a
// SolveChecker: rule paper takes at most paperMax tasks; it records the
// checks asked of it.
type limitedSelector struct {
	bruteSelector
	paperMax int
	asked    *[]string
}

func (s limitedSelector) CheckSelect(n int, rule string, budget, count int) error {
	*s.asked = append(*s.asked, fmt.Sprintf("%s/%d/%d", rule, budget, count))
	if count > 1 && n > s.paperMax*2 {
		return fmt.Errorf("%d tasks, more than the %d of several groupings", n, s.paperMax*2)
	}
	if rule == RulePaper && n > s.paperMax {
		return fmt.Errorf("%d tasks, more than the %d rule paper takes", n, s.paperMax)
	}
	return nil
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%d", i)
	}
	return out
}

func TestCheckMethodsDefaults(t *testing.T) {
	var asked []string
	sel := limitedSelector{paperMax: 10, asked: &asked}
	for _, tc := range []struct {
		n       int
		skipped []string
		reason  string
	}{
		{8, nil, ""},
		{9, []string{Optimal}, "optimal: trains 511 networks per seed for 9 tasks; on by default up to 8 tasks"},
		{11, []string{TAGPaper, Optimal}, "tag-paper: selection under rule paper at budget 2: 11 tasks, more than the 10 rule paper takes"},
		{17, []string{HOA, TAGPaper, Optimal}, "hoa: trains 153 networks per seed for 17 tasks; on by default up to 16 tasks"},
		{21, []string{HOA, TAGPaper, TAGRefine, Optimal}, "tag-refine: selection under rule zsum at budget 2: 21 tasks, more than the 20 of several groupings"},
		{101, []string{STL, HOA, TAGPaper, TAGRefine, Optimal}, "stl: trains 101 networks per seed for 101 tasks; on by default up to 100 tasks"},
		{300, []string{STL, HOA, TAGPaper, TAGRefine, Optimal}, "optimal: trains about 2^300 networks per seed"},
	} {
		asked = asked[:0]
		c, skips, err := CheckMethods(Config{Tasks: names(tc.n), Budgets: []int{2, 3}}, sel)
		if err != nil {
			t.Fatalf("%d tasks: %v", tc.n, err)
		}
		var got, reasons []string
		for _, s := range skips {
			got = append(got, s.Method)
			reasons = append(reasons, s.Method+": "+s.Reason)
		}
		if !slices.Equal(got, tc.skipped) {
			t.Errorf("%d tasks: skipped %v, want %v", tc.n, got, tc.skipped)
		}
		if tc.reason != "" && !slices.ContainsFunc(reasons, func(r string) bool { return strings.HasPrefix(r, tc.reason) }) {
			t.Errorf("%d tasks: reasons %q lack %q", tc.n, reasons, tc.reason)
		}
		want := slices.DeleteFunc(slices.Clone(Methods), func(m string) bool { return m == RandomSized || slices.Contains(tc.skipped, m) })
		if !slices.Equal(c.Methods, want) {
			t.Errorf("%d tasks: methods %v, want %v", tc.n, c.Methods, want)
		}
		// Each rule is asked once per budget, however many methods use it.
		if !slices.Contains(asked, "zsum/2/1") || !slices.Contains(asked, "zsum/2/3") || len(asked) != len(slices.Compact(slices.Sorted(slices.Values(asked)))) {
			t.Errorf("%d tasks: checks asked %v", tc.n, asked)
		}
	}
	// Defaults given by the caller are skipped the same way.
	c, skips, err := CheckMethods(Config{Tasks: names(12), Budgets: []int{2}, Defaults: []string{MTL, TAGPaper, RandomSized}}, sel)
	if err != nil || !slices.Equal(c.Methods, []string{MTL, RandomSized}) || len(skips) != 1 || skips[0].Method != TAGPaper {
		t.Errorf("caller's defaults: methods %v, skips %v, %v", c.Methods, skips, err)
	}
}

func TestCheckMethodsRefusesAskedMethods(t *testing.T) {
	var asked []string
	sel := limitedSelector{paperMax: 10, asked: &asked}
	for _, tc := range []struct {
		n       int
		methods []string
		budgets []int
		want    string
	}{
		{100, []string{TAG, HOA}, []int{2}, "method hoa cannot run: trains 5050 networks per seed for 100 tasks, more than the 5000 a method may train"},
		{13, []string{Optimal}, []int{2}, "method optimal cannot run: trains 8191 networks per seed"},
		{5001, []string{STL}, []int{2}, "method stl cannot run: trains 5001 networks per seed"},
		{11, []string{MTL, TAGPaper}, []int{2, 3}, "method tag-paper cannot run: selection under rule paper at budget 2: 11 tasks, more than the 10 rule paper takes"},
		{6, []string{TAG}, []int{2, 7}, "budget 7 is more than the 6 tasks"},
	} {
		_, _, err := CheckMethods(Config{Tasks: names(tc.n), Budgets: tc.budgets, Methods: tc.methods}, sel)
		var ce *ConfigError
		if !errors.As(err, &ce) || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%d tasks, %v: error %v, want a ConfigError %q", tc.n, tc.methods, err, tc.want)
		}
	}
	// Asked for explicitly, a method is not held to its default task count.
	if c, skips, err := CheckMethods(Config{Tasks: names(17), Budgets: []int{2}, Methods: []string{HOA, STL}}, sel); err != nil || len(skips) != 0 || !slices.Equal(c.Methods, []string{HOA, STL}) {
		t.Errorf("hoa at 17 tasks asked for: %v %v %v", c.Methods, skips, err)
	}
}

// TestNeedsCountNetworks checks each method's network count against the
// networks Run really trains for methods that train no budget-dependent
// networks (and against the affinity run for those that select).
func TestNeedsCountNetworks(t *testing.T) {
	tasks := names(5)
	for _, m := range []string{MTL, STL, UW, HOA, Optimal, TAG} {
		f := newFake()
		cfg := Config{Tasks: tasks, Budgets: []int{5}, Methods: []string{m}}
		if _, err := Run(context.Background(), t.TempDir(), cfg, f, bruteSelector{}); err != nil {
			t.Fatal(err)
		}
		ms, _ := lookup(m)
		nd := ms.needs(len(tasks), cfg)
		// Count the networks trained before selection: tag's affinity run,
		// hoa's singles and pairs, every network of the others.
		got := 0
		for key := range f.calls {
			switch {
			case m == TAG && !strings.HasPrefix(key, "affinity"):
			case m == HOA && strings.Count(key, "+") > 1:
			default:
				got++
			}
		}
		if float64(got) != nd.networks {
			t.Errorf("%s: %d networks trained, needs says %v (%v)", m, got, nd.networks, f.calls)
		}
	}
}

// TestRunRefusesBeforeTraining checks that a refused configuration trains
// nothing and writes nothing, and that a run records the default methods
// it skipped.
func TestRunRefusesBeforeTraining(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f := newFake()
	var asked []string
	_, err := Run(context.Background(), dir, Config{Tasks: names(11), Budgets: []int{2}, Methods: []string{TAGPaper}}, f, limitedSelector{paperMax: 10, asked: &asked})
	if err == nil || f.total() != 0 {
		t.Fatalf("error %v after %d trainings", err, f.total())
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the run directory was written: %v", err)
	}
	res, err := Run(context.Background(), dir, Config{Tasks: names(11), Budgets: []int{2}, Defaults: []string{MTL, TAGPaper}}, f, limitedSelector{paperMax: 10, asked: &asked})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Method != TAGPaper || res.Methods[TAGPaper] != nil || res.Methods[MTL] == nil {
		t.Fatalf("skipped %v, methods %v", res.Skipped, res.Methods)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil || !strings.Contains(string(b), `"skipped": [`) || !strings.Contains(string(b), "more than the 10 rule paper takes") {
		t.Fatalf("results.json lacks the skipped method: %v", err)
	}
}
