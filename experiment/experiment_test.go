package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/taskmatrix"
)

// six tasks in three planted families of two.
var six = []string{"a1", "a2", "b1", "b2", "c1", "c2"}

func cfg6(methods ...string) Config {
	return Config{Tasks: six, Budgets: []int{2, 3}, Methods: methods, RandomSeeds: 4, Seed: 7, Workers: 2,
		Data: map[string]any{"name": "fake", "n": 6}}
}

func mustRun(t *testing.T, dir string, c Config, tr Trainer, sel Selector) *Results {
	t.Helper()
	r, err := Run(context.Background(), dir, c, tr, sel)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantServe computes, independently of Run, each task's test loss when
// served by the group of groups with the lowest fake validation loss.
func wantServe(tasks []string, groups [][]string) (per map[string]float64, total float64) {
	per = map[string]float64{}
	for _, t := range tasks {
		bestVal := math.Inf(1)
		for _, g := range groups {
			if slices.Contains(g, t) && fakeVal(t, g) < bestVal {
				bestVal, per[t] = fakeVal(t, g), fakeTest(t, g)
			}
		}
		total += per[t]
	}
	return per, total
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

func TestResultsShape(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, cfg6(), newFake(), bruteSelector{})
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data    map[string]any `json:"data"`
		Tasks   []string       `json:"tasks"`
		Methods map[string]struct {
			GroupingSeconds *float64                              `json:"grouping_seconds"`
			Budgets         map[string]map[string]json.RawMessage `json:"budgets"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Data["name"] != "fake" || !slices.Equal(doc.Tasks, six) {
		t.Errorf("data %v tasks %v", doc.Data, doc.Tasks)
	}
	methods := DefaultMethods(len(six))
	if len(doc.Methods) != len(methods) {
		t.Errorf("methods %d, want %d", len(doc.Methods), len(methods))
	}
	for _, m := range methods {
		mr, ok := doc.Methods[m]
		if !ok || mr.GroupingSeconds == nil {
			t.Errorf("method %s missing or without grouping_seconds", m)
			continue
		}
		want := []string{"2", "3"}
		if m == MTL || m == STL || slices.Contains(UpdateRules, m) {
			want = []string{"all"}
		}
		var got []string
		for k := range mr.Budgets {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s budgets %v, want %v", m, got, want)
		}
		for k, br := range mr.Budgets {
			for _, f := range []string{"groups", "per_task", "total_test_loss", "total_test_error", "train_seconds"} {
				if _, ok := br[f]; !ok {
					t.Errorf("%s[%s] lacks %s", m, k, f)
				}
			}
			_, hasStd := br["total_test_loss_std"]
			if hasStd != (m == Random) {
				t.Errorf("%s[%s]: total_test_loss_std present = %v", m, k, hasStd)
			}
			var per map[string]struct {
				TestLoss  *float64 `json:"test_loss"`
				TestError *float64 `json:"test_error"`
			}
			if err := json.Unmarshal(br["per_task"], &per); err != nil {
				t.Fatal(err)
			}
			for _, task := range six {
				if p, ok := per[task]; !ok || p.TestLoss == nil || p.TestError == nil {
					t.Errorf("%s[%s] per_task lacks %s", m, k, task)
				}
			}
		}
	}
	for _, f := range []string{"affinity.csv", "cosine.csv", "trajectory.csv", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestMethodsAgainstFormula checks every method's groups and totals against
// the fake's formula, computed independently.
func TestMethodsAgainstFormula(t *testing.T) {
	r := mustRun(t, t.TempDir(), cfg6(), newFake(), bruteSelector{})
	families := [][]string{{"a1", "a2"}, {"b1", "b2"}, {"c1", "c2"}}
	singles := [][]string{{"a1"}, {"a2"}, {"b1"}, {"b2"}, {"c1"}, {"c2"}}
	_, mtlTotal := wantServe(six, [][]string{six})
	_, stlTotal := wantServe(six, singles)
	_, famTotal := wantServe(six, families)
	tests := []struct {
		method, budget string
		groups         [][]string // nil: not checked
		total          float64
	}{
		{MTL, "all", [][]string{six}, mtlTotal},
		{STL, "all", singles, stlTotal},
		{TAG, "3", families, famTotal},
		{CS, "3", families, famTotal},
		{HOA, "3", families, famTotal},
		{Optimal, "3", families, famTotal},
	}
	for _, tc := range tests {
		b := r.Methods[tc.method].Budgets[tc.budget]
		if tc.groups != nil && !equalGroups(b.Groups, tc.groups) {
			t.Errorf("%s[%s] groups %v, want %v", tc.method, tc.budget, b.Groups, tc.groups)
		}
		if !near(b.TotalTestLoss, tc.total) {
			t.Errorf("%s[%s] total test loss %v, want %v", tc.method, tc.budget, b.TotalTestLoss, tc.total)
		}
		if !near(b.MeanTestLoss, tc.total/6) {
			t.Errorf("%s[%s] mean test loss %v, want %v", tc.method, tc.budget, b.MeanTestLoss, tc.total/6)
		}
	}
	if famTotal >= mtlTotal || famTotal >= r.Methods[Random].Budgets["3"].TotalTestLoss {
		t.Errorf("planted families %v should beat mtl %v and random %v", famTotal, mtlTotal, r.Methods[Random].Budgets["3"].TotalTestLoss)
	}
	// Optimal is the best on validation loss among partitions, so on this
	// fake (test = validation + group-size term) it is at least as good as
	// every selection method at budget 2 up to the size term.
	opt := r.Methods[Optimal].Budgets["2"]
	for _, m := range []string{TAG, CS, HOA} {
		var optVal, mVal float64
		for _, task := range six {
			optVal += opt.PerTask[task].ValidationLoss
			mVal += r.Methods[m].Budgets["2"].PerTask[task].ValidationLoss
		}
		if optVal > mVal+1e-12 {
			t.Errorf("optimal validation total %v worse than %s's %v", optVal, m, mVal)
		}
	}
	// Grouping costs: affinity run 2 s per task; hoa 6 singles + 15 pairs;
	// optimal every subset (Σ_k C(6,k)·1.5k = 1.5·6·2^5).
	costs := []struct {
		method string
		secs   float64
		units  int
	}{{TAG, 12, 1}, {CS, 12, 1}, {HOA, 1.5*6 + 3*15, 21}, {Optimal, 1.5 * 6 * 32, 63}, {MTL, 0, 0}, {Random, 0, 0}}
	for _, c := range costs {
		m := r.Methods[c.method]
		if !near(m.GroupingSeconds, c.secs) || m.GroupingUnits != c.units {
			t.Errorf("%s grouping %v s, %d units; want %v s, %d units", c.method, m.GroupingSeconds, m.GroupingUnits, c.secs, c.units)
		}
	}
}

func equalGroups(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// TestServedByBestValidationGroup gives overlapping groups and checks that
// each task reports the test metrics of its lowest-validation-loss group.
func TestServedByBestValidationGroup(t *testing.T) {
	tests := [][][]string{
		{{"a1", "a2", "b1"}, {"b1", "b2"}, {"c1", "c2", "a1"}},
		{{"a1", "a2", "b1", "b2", "c1", "c2"}, {"c1", "c2"}},
		{{"a1", "b1", "c1"}, {"a2", "b2", "c2"}, {"a1", "a2"}},
	}
	for _, groups := range tests {
		sel := &scriptedSelector{groups: groups}
		r := mustRun(t, t.TempDir(), Config{Tasks: six, Budgets: []int{3}, Methods: []string{TAG}, Seed: 1, Workers: 2}, newFake(), sel)
		b := r.Methods[TAG].Budgets["3"]
		per, total := wantServe(six, groups)
		for _, task := range six {
			got := b.PerTask[task]
			if !near(got.TestLoss, per[task]) {
				t.Errorf("groups %v: task %s test loss %v, want %v", groups, task, got.TestLoss, per[task])
			}
			if g := b.Groups[got.ServedBy]; !slices.Contains(g, task) || !near(fakeTest(task, g), per[task]) {
				t.Errorf("groups %v: task %s served by %v", groups, task, g)
			}
		}
		if !near(b.TotalTestLoss, total) {
			t.Errorf("groups %v: total %v, want %v", groups, b.TotalTestLoss, total)
		}
	}
}

// TestUnitsTrainedOnce checks that every network is trained exactly once
// across methods and that the number of networks is the size of the union
// of what the methods need, counted independently.
func TestUnitsTrainedOnce(t *testing.T) {
	f := newFake()
	r := mustRun(t, t.TempDir(), cfg6(), f, bruteSelector{})
	for k, n := range f.calls {
		if n != 1 {
			t.Errorf("%s trained %d times", k, n)
		}
	}
	// Optimal trains every subset, so the union is 63 groups + 1 affinity
	// run + the 3 loss-balancing networks of all tasks.
	if got := f.total(); got != 67 {
		t.Errorf("%d trainings, want 67", got)
	}
	// Without optimal: affinity + mtl + 6 singles + 15 pairs + selected or
	// random groups not among those.
	f2 := newFake()
	c := cfg6(MTL, STL, TAG, CS, HOA, Random)
	r2 := mustRun(t, t.TempDir(), c, f2, bruteSelector{})
	need := map[string]bool{"affinity:" + strings.Join(six, "+"): true}
	add := func(gs [][]string) {
		for _, g := range gs {
			need["group:"+strings.Join(g, "+")] = true
		}
	}
	add([][]string{six})
	for i := range six {
		add([][]string{{six[i]}})
		for j := i + 1; j < len(six); j++ {
			add([][]string{{six[i], six[j]}})
		}
	}
	for _, m := range []string{TAG, CS, HOA} {
		for _, b := range r2.Methods[m].Budgets {
			add(b.Groups)
		}
	}
	for _, b := range r2.Methods[Random].Budgets {
		for _, g := range b.SeedGroups {
			add(g)
		}
	}
	if len(f2.calls) != len(need) || f2.total() != len(need) {
		t.Errorf("%d distinct, %d calls; want %d", len(f2.calls), f2.total(), len(need))
	}
	for k := range need {
		if f2.calls[k] != 1 {
			t.Errorf("%s trained %d times", k, f2.calls[k])
		}
	}
	_ = r
}

// TestResume cancels a run mid-way, reruns it and compares results.json
// with an uninterrupted run's, byte for byte.
func TestResume(t *testing.T) {
	t.Run("one seed", func(t *testing.T) { checkResume(t, cfg6(), newFake) })
	t.Run("two seeds", func(t *testing.T) {
		c := cfg6()
		c.Seeds = 2
		checkResume(t, c, func() *fakeTrainer { f := newFake(); f.seedNoise = true; return f })
	})
}

// checkResume interrupts the run of c after several numbers of trainings
// and checks that resuming gives the uninterrupted run's results.json and
// trains only the missing units.
func checkResume(t *testing.T, c Config, newFake func() *fakeTrainer) {
	whole := t.TempDir()
	fw := newFake()
	mustRun(t, whole, c, fw, bruteSelector{})
	want, err := os.ReadFile(filepath.Join(whole, "results.json"))
	if err != nil {
		t.Fatal(err)
	}

	for _, stopAt := range []int{1, 10, 40, fw.total()} {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		f1 := newFake()
		f1.before = func(ctx context.Context, call int) error {
			if call >= stopAt {
				cancel()
			}
			return nil
		}
		_, err := Run(ctx, dir, c, f1, bruteSelector{})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stop at %d: err %v, want context.Canceled", stopAt, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "results.json")); err == nil {
			t.Errorf("stop at %d: interrupted run wrote results.json", stopAt)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "units", "*.json"))
		f2 := newFake()
		mustRun(t, dir, c, f2, bruteSelector{})
		got, err := os.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("stop at %d: resumed results.json differs from uninterrupted run", stopAt)
		}
		if f2.total() != fw.total()-len(files) {
			t.Errorf("stop at %d: resumed run trained %d units; %d of %d were on disk", stopAt, f2.total(), len(files), fw.total())
		}
		// A third run trains nothing.
		f3 := newFake()
		mustRun(t, dir, c, f3, bruteSelector{})
		if f3.total() != 0 {
			t.Errorf("stop at %d: finished run retrained %d units", stopAt, f3.total())
		}
	}
}

// TestParallel checks that units run concurrently up to the worker count
// and never beyond it.
func TestParallel(t *testing.T) {
	for _, workers := range []int{1, 3} {
		f := newFake()
		var reached atomic.Bool
		gate := make(chan struct{})
		var once atomic.Bool
		f.before = func(ctx context.Context, call int) error {
			f.mu.Lock()
			full := f.inflight >= workers
			f.mu.Unlock()
			if full && once.CompareAndSwap(false, true) {
				reached.Store(true)
				close(gate)
			}
			select {
			case <-gate:
			case <-time.After(5 * time.Second): // workers never all busy
			}
			return nil
		}
		c := Config{Tasks: six[:4], Methods: []string{STL, MTL}, Seed: 1, Workers: workers}
		mustRun(t, t.TempDir(), c, f, bruteSelector{})
		if !reached.Load() || f.maxInflight != workers {
			t.Errorf("workers %d: max in flight %d (all busy at once: %v)", workers, f.maxInflight, reached.Load())
		}
	}
}

// TestRandomMeanStd recomputes random's per-seed totals from the formula and
// their mean and sample standard deviation.
func TestRandomMeanStd(t *testing.T) {
	r := mustRun(t, t.TempDir(), cfg6(Random), newFake(), bruteSelector{})
	for _, k := range []string{"2", "3"} {
		b := r.Methods[Random].Budgets[k]
		if len(b.SeedGroups) != 4 {
			t.Fatalf("budget %s: %d seeds, want 4", k, len(b.SeedGroups))
		}
		var totals []float64
		distinct := map[string]bool{}
		for _, g := range b.SeedGroups {
			if want := int(k[0] - '0'); len(g) != want {
				t.Errorf("budget %s: grouping %v has %d groups", k, g, len(g))
			}
			if !isPartitionOfSix(g) {
				t.Errorf("budget %s: grouping %v is not a partition", k, g)
			}
			_, tot := wantServe(six, g)
			totals = append(totals, tot)
			distinct[groupsKey(g)] = true
		}
		if len(distinct) < 2 {
			t.Errorf("budget %s: all seeds gave the same grouping", k)
		}
		mean := (totals[0] + totals[1] + totals[2] + totals[3]) / 4
		var ss float64
		for _, x := range totals {
			ss += (x - mean) * (x - mean)
		}
		std := math.Sqrt(ss / 3)
		if !near(b.TotalTestLoss, mean) || !near(*b.TotalTestLossStd, std) {
			t.Errorf("budget %s: mean %v std %v, want %v %v", k, b.TotalTestLoss, *b.TotalTestLossStd, mean, std)
		}
		if !near(*b.TotalTestErrorStd, std/4) {
			t.Errorf("budget %s: error std %v, want %v", k, *b.TotalTestErrorStd, std/4)
		}
	}
}

// isPartitionOfSix reports whether the groups of g hold every task of six
// exactly once.
func isPartitionOfSix(g [][]string) bool {
	var all []string
	for _, grp := range g {
		all = append(all, grp...)
	}
	slices.Sort(all)
	return slices.Equal(all, six)
}

func groupsKey(g [][]string) string {
	var parts []string
	for _, x := range g {
		parts = append(parts, strings.Join(x, "+"))
	}
	return strings.Join(parts, "|")
}

// TestHOAPairLossMatrix checks the matrix HOA selects on against the formula.
func TestHOAPairLossMatrix(t *testing.T) {
	sel := &scriptedSelector{groups: [][]string{six}}
	mustRun(t, t.TempDir(), Config{Tasks: six, Budgets: []int{2}, Methods: []string{HOA}, Workers: 2}, newFake(), sel)
	m := sel.seen[RulePairLoss]
	if m == nil {
		t.Fatal("HOA did not select on a pair-loss matrix")
	}
	for i, a := range six {
		for j, b := range six {
			want := fakeVal(b, []string{a, b})
			if i == j {
				want = fakeVal(b, []string{b})
			}
			if !near(m.Values[i][j], want) {
				t.Errorf("L[%s][%s] = %v, want %v", a, b, m.Values[i][j], want)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		tr   func() *fakeTrainer
		want string
	}{
		{"no tasks", Config{Budgets: []int{2}}, newFake, "no tasks"},
		{"duplicate", Config{Tasks: []string{"a", "a"}, Budgets: []int{2}}, newFake, `task "a" listed twice`},
		{"method", Config{Tasks: six, Budgets: []int{2}, Methods: []string{"tag", "magic"}}, newFake, `unknown method "magic"`},
		{"budget", Config{Tasks: six, Budgets: []int{0}}, newFake, "budget 0"},
		{"one task", Config{Tasks: []string{"a"}, Budgets: []int{1}, Methods: []string{TAG}}, newFake, "need at least 2 tasks"},
		{"optimal too big", Config{Tasks: strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,m", ","), Budgets: []int{2}, Methods: []string{Optimal}}, newFake, "method optimal cannot run: trains 8191 networks per seed for 13 tasks, more than the 5000"},
		{"trainer fails", Config{Tasks: six, Methods: []string{STL}, Workers: 2}, func() *fakeTrainer {
			f := newFake()
			f.before = func(_ context.Context, call int) error {
				if call == 3 {
					return errors.New("loss is NaN at step 5")
				}
				return nil
			}
			return f
		}, "loss is NaN at step 5"},
	}
	for _, tc := range tests {
		_, err := Run(context.Background(), t.TempDir(), tc.cfg, tc.tr(), bruteSelector{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want it to contain %q", tc.name, err, tc.want)
		}
		var ce *ConfigError
		if isConfig := errors.As(err, &ce); isConfig != (tc.name != "trainer fails") {
			t.Errorf("%s: ConfigError = %v", tc.name, isConfig)
		}
	}
}

// TestSelectorMistakes checks that a grouping that does not cover the tasks
// or exceeds the budget is refused with a clear error.
func TestSelectorMistakes(t *testing.T) {
	tests := []struct {
		groups [][]string
		want   string
	}{
		{[][]string{{"a1", "a2"}}, `no group serves task "b1"`},
		{[][]string{{"a1"}, {"a2"}, {"b1", "b2", "c1", "c2"}}, "3 groups for budget 2"},
		{[][]string{{"a1", "zz"}, six}, `unknown task "zz"`},
	}
	for _, tc := range tests {
		_, err := Run(context.Background(), t.TempDir(), Config{Tasks: six, Budgets: []int{2}, Methods: []string{TAG}},
			newFake(), &scriptedSelector{groups: tc.groups})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("groups %v: err %v, want %q", tc.groups, err, tc.want)
		}
	}
}

func TestManifestMismatch(t *testing.T) {
	dir := t.TempDir()
	c := Config{Tasks: six, Methods: []string{MTL}}
	mustRun(t, dir, c, newFake(), bruteSelector{})
	other := newFake()
	other.recipe = "fake-v2"
	_, err := Run(context.Background(), dir, c, other, bruteSelector{})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "manifest.json") || !strings.Contains(err.Error(), "another data set or training recipe") {
		t.Errorf("err %v, want a manifest mismatch", err)
	}
	// The same recipe with more methods and budgets reuses the directory.
	f := newFake()
	mustRun(t, dir, Config{Tasks: six, Methods: []string{MTL, STL}}, f, bruteSelector{})
	if f.calls["group:"+strings.Join(six, "+")] != 0 {
		t.Error("mtl unit retrained")
	}
}

// A damaged unit file is refused with its name, never used: bytes that are
// no JSON, and values edited to an impossible test loss (−7.5) and error
// (1.7) that are still valid JSON; each by its checksum and, without the
// checksum file (a run written before checksums), by decoding or by the
// domain check of its values.
func TestCorruptUnitFile(t *testing.T) {
	dir := t.TempDir()
	c := Config{Tasks: six, Methods: []string{MTL}}
	mustRun(t, dir, c, newFake(), bruteSelector{})
	files, _ := filepath.Glob(filepath.Join(dir, "units", "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d unit files, want 1", len(files))
	}
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var r unitRecord
	if err := json.Unmarshal(good, &r); err != nil {
		t.Fatal(err)
	}
	m := r.Group.Tasks["a1"]
	m.Test = Metrics{Loss: -7.5, Error: 1.7}
	r.Group.Tasks["a1"] = m
	edited, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		content  []byte
		checksum bool
		want     string
	}{
		{"not JSON", []byte("{not json"), true, "damaged"},
		{"not JSON, no checksum file", []byte("{not json"), false, "delete it to retrain"},
		{"impossible values", edited, true, "damaged"},
		{"impossible values, no checksum file", edited, false, "loss -7.5 is negative"},
	} {
		if err := os.WriteFile(files[0], tc.content, 0o644); err != nil {
			t.Fatal(err)
		}
		if !tc.checksum {
			os.Remove(atomicfile.Sidecar(files[0]))
		}
		_, err := Run(context.Background(), dir, c, newFake(), bruteSelector{})
		if err == nil || !strings.Contains(err.Error(), files[0]) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want it to name %s and say %q", tc.name, err, files[0], tc.want)
		}
		if err := atomicfile.WriteBytes(files[0], good); err != nil {
			t.Fatal(err)
		}
	}
}

var bench8 = []string{"a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2"}

// BenchmarkRunOptimal8 runs optimal, hoa, stl and mtl on 8 tasks with the
// fake trainer: 255 units, each written atomically, and 2 × 2 selections.
// Compare with BenchmarkTrainOnly8 for the cost of the run directory.
func BenchmarkRunOptimal8(b *testing.B) {
	for range b.N {
		c := Config{Tasks: bench8, Budgets: []int{2, 3}, Methods: []string{Optimal, HOA, STL, MTL}, Workers: 2}
		if _, err := Run(context.Background(), b.TempDir(), c, newFake(), bruteSelector{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResumeOptimal8 reruns a finished 8-task optimal run: every unit
// is read back from disk.
func BenchmarkResumeOptimal8(b *testing.B) {
	dir := b.TempDir()
	c := Config{Tasks: bench8, Budgets: []int{2, 3}, Methods: []string{Optimal, HOA, STL, MTL}, Workers: 2}
	if _, err := Run(context.Background(), dir, c, newFake(), bruteSelector{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Run(context.Background(), dir, c, newFake(), bruteSelector{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainOnly8 is the baseline: the same 255 fake trainings and
// selections without the run directory.
func BenchmarkTrainOnly8(b *testing.B) {
	t := &trial{run: &run{cfg: Config{Tasks: bench8}}}
	subsets := t.subsets(len(bench8))
	for range b.N {
		f := newFake()
		var gl []GroupLoss
		for _, g := range subsets {
			r, err := f.TrainGroup(context.Background(), Job{Tasks: g})
			if err != nil {
				b.Fatal(err)
			}
			l := map[string]float64{}
			for t, m := range r.Tasks {
				l[t] = m.Validation.Loss
			}
			gl = append(gl, GroupLoss{Tasks: g, Loss: l})
		}
		for _, k := range []int{2, 3} {
			if _, err := (bruteSelector{}).SelectTrueLosses(gl, bench8, k); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestDefaultMethods(t *testing.T) {
	tests := []struct {
		n    int
		want []string
	}{
		{DefaultOptimalMaxTasks, []string{MTL, STL, UW, GradNorm, PCGrad, Random, HOA, CS, TAG, TAGConsensus, TAGPaper, TAGRefine, RandomBest, Optimal}},
		{DefaultOptimalMaxTasks + 1, []string{MTL, STL, UW, GradNorm, PCGrad, Random, HOA, CS, TAG, TAGConsensus, TAGPaper, TAGRefine, RandomBest}},
		{DefaultHOAMaxTasks, []string{MTL, STL, UW, GradNorm, PCGrad, Random, HOA, CS, TAG, TAGConsensus, TAGPaper, TAGRefine, RandomBest}},
		{DefaultHOAMaxTasks + 1, []string{MTL, STL, UW, GradNorm, PCGrad, Random, CS, TAG, TAGConsensus, TAGPaper, TAGRefine, RandomBest}},
	}
	for _, tc := range tests {
		got := DefaultMethods(tc.n)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("DefaultMethods(%d) = %v, want %v", tc.n, got, want)
		}
	}
}

// settingsSelector is bruteSelector reporting settings.
type settingsSelector struct{ bruteSelector }

func (settingsSelector) Settings() any { return map[string]int{"max_group_size": 3} }

func TestSelectorSettingsRecorded(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, cfg6(), newFake(), bruteSelector{})
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ReadResults(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if plain.Selection != nil {
		t.Errorf("a selector without settings recorded %v", plain.Selection)
	}
	mustRun(t, dir, cfg6(), newFake(), settingsSelector{})
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"selection": {`) || !strings.Contains(string(b), `"max_group_size": 3`) {
		t.Errorf("results.json lacks the selector's settings:\n%.400s", b)
	}
}

// TestBalanceMethods checks the loss-balancing baselines: each trains all
// tasks in one network with its own update rule (a unit of its own, trained
// once), is reported under "all" like mtl, and its totals are those of its
// own network.
func TestBalanceMethods(t *testing.T) {
	f := newFake()
	c := Config{Tasks: six, Methods: []string{MTL, UW, GradNorm, PCGrad}, Seed: 1, Data: map[string]any{"name": "fake"}}
	r := mustRun(t, t.TempDir(), c, f, bruteSelector{})
	mtl := r.Methods[MTL].Budgets[AllBudgets]
	keys := map[string]bool{mtl.Units[0]: true}
	for _, m := range UpdateRules {
		b := r.Methods[m].Budgets[AllBudgets]
		if b == nil {
			t.Fatalf("%s: no result under %q", m, AllBudgets)
		}
		// The fake lowers every loss by 0.01·len(rule name).
		want := mtl.TotalTestLoss - 0.01*float64(len(m))*float64(len(six))
		if !near(b.TotalTestLoss, want) {
			t.Errorf("%s total test loss %g, want %g (mtl %g)", m, b.TotalTestLoss, want, mtl.TotalTestLoss)
		}
		if len(b.Units) != 1 || keys[b.Units[0]] {
			t.Errorf("%s units %v: want one unit of its own", m, b.Units)
		}
		keys[b.Units[0]] = true
		if n := f.calls["group/"+m+":"+strings.Join(six, "+")]; n != 1 {
			t.Errorf("%s network trained %d times, want 1", m, n)
		}
	}
}

// TestCheckpointFolders checks that every network's checkpoint folder is
// the Layout's folder named by its unit's key, that finished networks'
// folders are removed, and that an interrupted network's folder stays.
func TestCheckpointFolders(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Dir: dir}
	f := newFake()
	r := mustRun(t, dir, cfg6(), f, bruteSelector{})
	keys := map[string]bool{}
	for _, mr := range r.Methods {
		for _, b := range mr.Budgets {
			for _, u := range b.Units {
				keys[u] = true
			}
		}
	}
	for _, c := range f.checkpoints {
		if filepath.Dir(c) != l.Checkpoints() {
			t.Errorf("checkpoint folder %s is not under %s", c, l.Checkpoints())
		}
		if _, err := os.Stat(l.Unit(filepath.Base(c))); err != nil {
			t.Errorf("checkpoint folder %s does not name a unit file: %v", c, err)
		}
		delete(keys, filepath.Base(c))
	}
	if len(keys) > 0 {
		t.Errorf("units trained without a checkpoint folder of their key: %v", keys)
	}
	if _, err := os.Stat(l.Checkpoints()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("checkpoints folder left after a finished run: %v", err)
	}

	// A network that fails keeps its folder; the run can resume it.
	dir2 := t.TempDir()
	f2 := newFake()
	f2.before = func(_ context.Context, call int) error {
		if call == 3 {
			return errors.New("boom")
		}
		return nil
	}
	c := cfg6()
	c.Workers = 1
	if _, err := Run(context.Background(), dir2, c, f2, bruteSelector{}); err == nil {
		t.Fatal("a failing unit did not fail the run")
	}
	l2 := Layout{Dir: dir2}
	left, _ := os.ReadDir(l2.Checkpoints())
	if len(left) == 0 {
		t.Error("after a failure, no checkpoint folder is left")
	}
	for _, e := range left {
		if _, err := os.Stat(l2.Unit(e.Name())); err == nil {
			t.Errorf("the folder of finished unit %s was kept", e.Name())
		}
	}
}

// TestConsensusRun: over three seeds with seed-dependent affinities,
// tag-consensus serves one grouping under every seed, selected on the
// pooled affinity; its stability is given across seeds and bootstrap
// resamples; and the run carries a recommendation.
func TestConsensusRun(t *testing.T) {
	f := newFake()
	f.seedNoise = true
	c := cfg6(MTL, STL, Random, TAG, TAGConsensus)
	c.Seeds = 3
	r := mustRun(t, t.TempDir(), c, f, bruteSelector{})
	// The fake affinity run's matrix under each seed, in task order.
	var ms []*taskmatrix.Matrix
	for s := range 3 {
		m := taskmatrix.New(six)
		for i, a := range six {
			for j, b := range six {
				m.Values[i][j] = 0.1
				if i != j {
					m.Values[i][j] = fakeAffinity(a, b) + 5*f.noise(uint64(7+s))
				}
			}
		}
		ms = append(ms, m)
	}
	for _, k := range c.Budgets {
		b := r.Methods[TAGConsensus].Budgets[strconv.Itoa(k)]
		if b.GroupsBySeed != nil {
			t.Errorf("k=%d: consensus groups differ between seeds: %v", k, b.GroupsBySeed)
		}
		want, err := bruteSelector{}.Select(PooledAffinity(ms), c.Rule, k)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(b.Groups, want, slices.Equal) {
			t.Errorf("k=%d: consensus %v, selection on the pooled affinity %v", k, b.Groups, want)
		}
		if len(b.TogetherBootstrap) != len(b.Groups) {
			t.Errorf("k=%d: bootstrap stability %v for %d groups", k, b.TogetherBootstrap, len(b.Groups))
		}
		for _, v := range b.TogetherBootstrap {
			if v < 0 || v > 1 {
				t.Errorf("k=%d: bootstrap stability %v", k, b.TogetherBootstrap)
			}
		}
	}
	if r.Recommendation == nil || len(r.Analysis.Consensus) != len(c.Budgets) || r.Analysis.Consensus[0].Method != TAGConsensus {
		t.Errorf("recommendation %+v, consensus %+v", r.Recommendation, r.Analysis.Consensus)
	}
}

// TestSeeds checks repetitions over seeds: each method's per-seed totals
// equal those of separate one-seed runs with those seeds, the total is
// their mean, and networks shared between seeds are not (each seed trains
// its own).
func TestSeeds(t *testing.T) {
	noisy := func() *fakeTrainer { f := newFake(); f.seedNoise = true; return f }
	c := cfg6()
	c.Seeds = 3
	r := mustRun(t, t.TempDir(), c, noisy(), bruteSelector{})
	if !slices.Equal(r.Seeds, []uint64{7, 8, 9}) {
		t.Fatalf("seeds %v", r.Seeds)
	}
	for s := range 3 {
		one := cfg6()
		one.Seed = uint64(7 + s)
		r1 := mustRun(t, t.TempDir(), one, noisy(), bruteSelector{})
		for m, mr := range r.Methods {
			if m == Random || m == RandomBest || m == TAGConsensus {
				continue // their groupings are drawn from the first seed, or selected on every seed's affinity
			}
			for k, b := range mr.Budgets {
				if len(b.TotalTestLossSeeds) != 3 {
					t.Fatalf("%s %s: %d per-seed totals, want 3", m, k, len(b.TotalTestLossSeeds))
				}
				if got, want := b.TotalTestLossSeeds[s], r1.Methods[m].Budgets[k].TotalTestLoss; !near(got, want) {
					t.Errorf("%s %s seed %d: %g, separate run %g", m, k, s+1, got, want)
				}
			}
		}
	}
	for m, mr := range r.Methods {
		for k, b := range mr.Budgets {
			mean, _ := meanStd(b.TotalTestLossSeeds)
			if !near(b.TotalTestLoss, mean) {
				t.Errorf("%s %s: total %g, mean of seeds %g", m, k, b.TotalTestLoss, mean)
			}
		}
	}
	// Every seed trains the same random groupings.
	for k, b := range r.Methods[Random].Budgets {
		n := c.RandomSeeds
		for s := 1; s < 3; s++ {
			if !slices.EqualFunc(b.SeedGroups[s*n:(s+1)*n], b.SeedGroups[:n], func(x, y [][]string) bool { return slices.EqualFunc(x, y, slices.Equal) }) {
				t.Errorf("budget %s: seed %d drew other random groupings", k, 7+s)
			}
		}
		if len(b.TotalTestLossDraws) != 3 || len(b.TotalTestLossDraws[0]) != n {
			t.Errorf("budget %s: draws %v, want 3 seeds × %d groupings", k, b.TotalTestLossDraws, n)
		}
	}
	if mtl := r.Methods[MTL].Budgets[AllBudgets]; len(mtl.Units) != 3 {
		t.Errorf("mtl units %v: want one network per seed", mtl.Units)
	}
}

// TestPoolAffinity checks that with PoolAffinity every seed's tag
// selection sees the mean of all seeds' affinity matrices.
func TestPoolAffinity(t *testing.T) {
	c := cfg6(TAG)
	c.Seeds, c.PoolAffinity = 2, true
	sel := &scriptedSelector{groups: [][]string{six}}
	f := newFake()
	f.seedNoise = true
	mustRun(t, t.TempDir(), c, f, sel)
	m := sel.seen[DefaultRule]
	i, j := m.Index("a1"), m.Index("a2")
	// Seeds 7 and 8 add 0.35 and 0.40 to every off-diagonal entry.
	if want := fakeAffinity("a1", "a2") + 0.375; !near(m.Values[i][j], want) {
		t.Errorf("pooled Z[a1→a2] = %g, want %g", m.Values[i][j], want)
	}
}

// TestRefineMethods checks tag-refine and random-best: each trains its
// candidates, keeps the one with the lowest total validation loss, and
// counts every candidate network in its grouping cost; with one candidate
// they are tag and random's first draw.
func TestRefineMethods(t *testing.T) {
	c := cfg6(TAG, TAGRefine, Random, RandomBest)
	c.Candidates = 3
	sel := bruteSelector{}
	r := mustRun(t, t.TempDir(), c, newFake(), sel)
	valTotal := func(g [][]string) float64 {
		var v float64
		for _, task := range six {
			best := math.Inf(1)
			for _, grp := range g {
				if slices.Contains(grp, task) {
					best = min(best, fakeVal(task, grp))
				}
			}
			v += best
		}
		return v
	}
	for _, k := range []int{2, 3} {
		key := strconv.Itoa(k)
		// tag-refine: the brute-force candidates on the fake affinity.
		aff := r.Affinity.Affinity
		cands, err := sel.SelectCandidates(aff, DefaultRule, k, 3)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Methods[TAGRefine].Budgets[key]
		for _, cand := range cands {
			if valTotal(cand) < valTotal(got.Groups)-1e-9 {
				t.Errorf("k=%d: tag-refine kept %v (validation %g) over candidate %v (%g)", k, got.Groups,
					valTotal(got.Groups), cand, valTotal(cand))
			}
		}
		// random-best: the best of random's first three draws.
		rnd := r.Methods[Random].Budgets[key]
		rb := r.Methods[RandomBest].Budgets[key]
		bestV := math.Inf(1)
		for _, g := range rnd.SeedGroups[:3] {
			bestV = min(bestV, valTotal(g))
		}
		if !near(valTotal(rb.Groups), bestV) {
			t.Errorf("k=%d: random-best validation %g, best of the first three draws %g", k, valTotal(rb.Groups), bestV)
		}
	}
	if r.Methods[TAGRefine].GroupingUnits <= r.Methods[TAG].GroupingUnits {
		t.Errorf("tag-refine's cost counts %d networks, tag's %d: the candidates are missing",
			r.Methods[TAGRefine].GroupingUnits, r.Methods[TAG].GroupingUnits)
	}
	if r.Methods[RandomBest].GroupingUnits == 0 {
		t.Error("random-best's cost counts no networks")
	}

	c.Candidates = 1
	r1 := mustRun(t, t.TempDir(), c, newFake(), sel)
	for _, k := range []string{"2", "3"} {
		if !slices.EqualFunc(r1.Methods[TAGRefine].Budgets[k].Groups, r1.Methods[TAG].Budgets[k].Groups, slices.Equal) {
			t.Errorf("k=%s: tag-refine with one candidate %v, tag %v", k, r1.Methods[TAGRefine].Budgets[k].Groups, r1.Methods[TAG].Budgets[k].Groups)
		}
		if !slices.EqualFunc(r1.Methods[RandomBest].Budgets[k].Groups, r1.Methods[Random].Budgets[k].SeedGroups[0], slices.Equal) {
			t.Errorf("k=%s: random-best with one candidate is not random's first draw", k)
		}
	}
}

// TestTwoProcessesOneDirectory runs the same experiment twice at once on
// one directory (as two `tag run` started by mistake would): both finish
// with the same results, and every unit is trained once in all, the other
// run waiting on its lock and reading its file.
func TestTwoProcessesOneDirectory(t *testing.T) {
	c := cfg6()
	alone := newFake()
	want := mustRun(t, t.TempDir(), c, alone, bruteSelector{})
	dir := t.TempDir()
	slow := func() *fakeTrainer {
		f := newFake()
		f.before = func(context.Context, int) error { time.Sleep(2 * time.Millisecond); return nil }
		return f
	}
	f1, f2 := slow(), slow()
	var wg sync.WaitGroup
	var r1, r2 *Results
	var err1, err2 error
	wg.Add(2)
	go func() { defer wg.Done(); r1, err1 = Run(context.Background(), dir, c, f1, bruteSelector{}) }()
	go func() { defer wg.Done(); r2, err2 = Run(context.Background(), dir, c, f2, bruteSelector{}) }()
	wg.Wait()
	if err1 != nil || err2 != nil {
		t.Fatalf("concurrent runs: %v, %v", err1, err2)
	}
	var b1, b2, bw bytes.Buffer
	for _, x := range []struct {
		r *Results
		b *bytes.Buffer
	}{{r1, &b1}, {r2, &b2}, {want, &bw}} {
		if err := x.r.WriteJSON(x.b); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) || !bytes.Equal(b1.Bytes(), bw.Bytes()) {
		t.Error("concurrent runs' results differ from each other or from a run alone")
	}
	if got := f1.total() + f2.total(); got != alone.total() {
		t.Errorf("%d + %d trainings in all, want each of the %d units once", f1.total(), f2.total(), alone.total())
	}
}

// TestRandomSized checks random-sized against tag's groupings: under every
// seed and budget, each of its groupings is a partition of the tasks with
// exactly the group sizes tag chose; the draws are not all tag's; the
// analysis compares tag (only tag) with it; and without tag in the run it
// draws the same groupings.
func TestRandomSized(t *testing.T) {
	c := cfg6(TAG, TAGPaper, Random, RandomSized)
	c.Seeds = 2
	r := mustRun(t, t.TempDir(), c, newFake(), bruteSelector{})
	for _, k := range []string{"2", "3"} {
		tag := r.Methods[TAG].Budgets[k]
		rs := r.Methods[RandomSized].Budgets[k]
		tagBySeed := tag.SeedGroups
		if len(tagBySeed) == 0 {
			tagBySeed = [][][]string{tag.Groups}
		}
		perSeed := len(rs.SeedGroups) / len(r.Seeds)
		if perSeed != c.RandomSeeds {
			t.Fatalf("k=%s: %d random-sized groupings for %d seeds, want %d per seed", k, len(rs.SeedGroups), len(r.Seeds), c.RandomSeeds)
		}
		differs := false
		for i, g := range rs.SeedGroups {
			want := tagBySeed[min(i/perSeed, len(tagBySeed)-1)]
			if !slices.Equal(groupSizes(g), groupSizes(want)) {
				t.Errorf("k=%s: grouping %v has sizes %v, tag's %v has %v", k, g, groupSizes(g), want, groupSizes(want))
			}
			if !isPartitionOfSix(g) {
				t.Errorf("k=%s: grouping %v is not a partition", k, g)
			}
			differs = differs || groupsKey(g) != groupsKey(want)
		}
		if !differs {
			t.Errorf("k=%s: every random-sized grouping is tag's", k)
		}
	}
	n := 0
	for _, cmp := range r.Analysis.Comparisons {
		if cmp.Baseline == RandomSized {
			n++
			if cmp.Method != TAG {
				t.Errorf("%s compared with %s: only tag should be", cmp.Method, RandomSized)
			}
			if cmp.Percentile == nil {
				t.Errorf("tag vs %s at k=%s: no percentile", RandomSized, cmp.Budget)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d comparisons of tag with %s, want 2 (one per budget)", n, RandomSized)
	}
	// Without tag in the run, random-sized makes tag's selection itself and
	// draws the same groupings.
	c2 := cfg6(Random, RandomSized)
	c2.Seeds = 2
	alone := mustRun(t, t.TempDir(), c2, newFake(), bruteSelector{})
	for _, k := range []string{"2", "3"} {
		got, want := alone.Methods[RandomSized].Budgets[k].SeedGroups, r.Methods[RandomSized].Budgets[k].SeedGroups
		if !slices.EqualFunc(got, want, func(a, b [][]string) bool { return groupsKey(a) == groupsKey(b) }) {
			t.Errorf("k=%s: random-sized without tag drew %v, with tag %v", k, got, want)
		}
	}
}

// TestSizedGrouping checks the draw itself: sizes in the given order, a
// partition, deterministic, and every partition of four tasks into 2+2
// reached.
func TestSizedGrouping(t *testing.T) {
	tasks := []string{"a", "b", "c", "d"}
	seen := map[string]bool{}
	for d := range 60 {
		g := sizedGrouping(tasks, []int{2, 2}, 7, d)
		if !slices.EqualFunc(g, sizedGrouping(tasks, []int{2, 2}, 7, d), slices.Equal) {
			t.Fatalf("draw %d is not deterministic", d)
		}
		if len(g) != 2 || len(g[0]) != 2 || len(g[1]) != 2 {
			t.Fatalf("draw %d: %v, want sizes 2+2", d, g)
		}
		var pair []string
		for _, grp := range g {
			s := slices.Sorted(slices.Values(grp))
			if slices.Contains(s, "a") {
				pair = s
			}
		}
		seen[strings.Join(pair, "")] = true
	}
	if len(seen) != 3 {
		t.Errorf("partner of a over 60 draws: %v, want all three of ab, ac, ad", seen)
	}
}
