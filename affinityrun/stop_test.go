package affinityrun

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

// blocks returns an affinity matrix over tasks with 1 for each listed
// pair (both ways) and a small distinct value eps·0.01·(i·n+j) for the
// others, so that ranks are defined.
func blocks(tasks []string, pairs [][2]int, eps float64) [][]float64 {
	n := len(tasks)
	z := make([][]float64, n)
	for i := range z {
		z[i] = make([]float64, n)
		for j := range z[i] {
			if i != j {
				z[i][j] = 0.01 * float64(i*n+j) * eps
			}
		}
	}
	for _, p := range pairs {
		z[p[0]][p[1]], z[p[1]][p[0]] = 1, 1
	}
	return z
}

// The tracker counts steady checks: the groups must repeat and the ranks
// of the watched pairs settle; it stops after Checks of them in a row,
// and its state survives a JSON round trip (the checkpoint).
func TestTrackerStopsWhenGroupsRepeat(t *testing.T) {
	tasks := []string{"a0", "a1", "b0", "b1", "c0"}
	acc := affinity.NewAccumulator(tasks)
	rule := GroupStability{Budgets: []int{2}, Rule: selection.DefaultRule, Every: 10, Checks: 2, MinReliability: 0.5}
	tr := &tracker{rule: rule, watched: []string{"c0"}, matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}
	sr := tr.stopRule()
	if err := sr.Restore(nil); err != nil {
		t.Fatal(err)
	}
	zero := blocks(tasks, nil, 0)
	// A wrong structure first (c0 with a0), then the true one (c0 with
	// b0 and b1) measured again and again: the running mean moves to it.
	wrong := blocks(tasks, [][2]int{{0, 1}, {4, 0}}, 1)
	right := blocks(tasks, [][2]int{{0, 1}, {2, 3}, {4, 2}, {4, 3}}, 1)
	var stops []bool
	add := func(z [][]float64) {
		if err := acc.Add(0, z, zero); err != nil {
			t.Fatal(err)
		}
		stops = append(stops, sr.After(0, acc))
	}
	add(wrong)
	for range 6 {
		add(right)
	}
	checks := tr.st.Checks
	if len(checks) != len(stops) {
		t.Fatalf("%d checks for %d calls", len(checks), len(stops))
	}
	firstStop := -1
	for i, s := range stops {
		if s {
			firstStop = i
			break
		}
	}
	if firstStop < 0 {
		t.Fatalf("never stopped: %+v", checks)
	}
	c := checks[firstStop]
	if c.Run != 2 || !c.Steady || !tr.met() || c.Step != 10*(firstStop+1) || c.Measurements != firstStop+1 {
		t.Errorf("stopping check %+v", c)
	}
	for i := 1; i <= firstStop; i++ {
		if checks[i].Reliability == nil {
			t.Errorf("check %d: no reliability", i)
		}
	}
	if checks[0].Run != 0 || checks[0].Same || checks[0].Reliability != nil {
		t.Errorf("first check %+v", checks[0])
	}
	for _, g := range checks[firstStop].Groups {
		if !samePartition(g.Groups, [][]string{{"a0", "a1"}, {"b0", "b1", "c0"}}) || g.Margin == nil || !(*g.Margin > 0) {
			t.Errorf("groups at the stop %+v", g)
		}
	}
	saved := sr.State()
	var back trackerState
	if err := json.Unmarshal(saved, &back); err != nil || !reflect.DeepEqual(back, tr.st) {
		t.Errorf("state round trip: %v", err)
	}
	other := &tracker{rule: rule}
	if err := other.stopRule().Restore(saved); err != nil || !reflect.DeepEqual(other.st, tr.st) {
		t.Errorf("restored state differs: %v", err)
	}
	if r := tr.reason(70, ""); r == "" {
		t.Error("no reason")
	}
	not := &tracker{rule: rule, st: trackerState{Checks: checks[:1]}}
	if r := not.reason(900, "for all 9 epochs of the recipe"); !strings.Contains(r, "not met") || !strings.Contains(r, "for all 9 epochs") {
		t.Errorf("reason when not met: %q", r)
	}
}

// The split-half reliability against a direct computation: windows of
// measurements between checks go alternately to two halves, and the
// reliability is 2r/(1+r) with r the Spearman correlation of the halves'
// sums over the watched pairs. Independent random windows give a low
// reliability and never end the measurement.
func TestTrackerReliability(t *testing.T) {
	tasks := []string{"a", "b", "c", "d"}
	rng := rand.New(rand.NewPCG(3, 4))
	random := func() [][]float64 {
		z := blocks(tasks, nil, 0)
		for i := range z {
			for j := range z[i] {
				if i != j {
					z[i][j] = rng.Float64()
				}
			}
		}
		return z
	}
	acc := affinity.NewAccumulator(tasks)
	tr := &tracker{rule: GroupStability{Budgets: []int{2}, Rule: selection.DefaultRule, Every: 1, Checks: 2, MinReliability: 0.9},
		watched: []string{"d"}, matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}
	var halves [2][]float64
	for check := range 12 {
		var window []float64
		for range 2 { // two measurements per window
			z := random()
			if err := acc.Add(0, z, blocks(tasks, nil, 0)); err != nil {
				t.Fatal(err)
			}
			for k, v := range watchedValues(tasks, z, "d") {
				if len(window) <= k {
					window = append(window, 0)
				}
				window[k] += v
			}
		}
		h := check % 2
		if halves[h] == nil {
			halves[h] = make([]float64, len(window))
		}
		for k := range window {
			halves[h][k] += window[k]
		}
		if tr.after(0, acc) {
			t.Fatalf("check %d: random windows ended the measurement", check)
		}
		got := tr.st.Checks[check].Reliability
		if check == 0 {
			if got != nil {
				t.Errorf("first check: reliability %v with one half empty", *got)
			}
			continue
		}
		r, err := stats.Spearman(halves[0], halves[1])
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 * r / (1 + r); got == nil || math.Abs(*got-want) > 1e-12 {
			t.Errorf("check %d: reliability %v, want %g", check, got, want)
		}
	}
}

// watchedValues lists z's off-diagonal values of the pairs involving
// task, row by row.
func watchedValues(tasks []string, z [][]float64, task string) []float64 {
	var out []float64
	for i := range tasks {
		for j := range tasks {
			if i != j && (tasks[i] == task || tasks[j] == task) {
				out = append(out, z[i][j])
			}
		}
	}
	return out
}

// Under an estimator that measures some source tasks at a time, the
// halves are compared by the pairs' means, not their sums: a source
// measured once in one half and three times in the other, with the same
// values each time, has the same means in both halves (reliability 1),
// where its sums differ threefold. A source's windows go to the half with
// fewer of its measurements, and the halves are grouped only once every
// source is in both.
func TestReliabilityOfMeansUnderSampledSources(t *testing.T) {
	tasks := []string{"a", "b", "c", "d"}
	value := func(i, j int) float64 { return float64(1 + i*len(tasks) + j) }
	acc := affinity.NewAccumulator(tasks)
	tr := &tracker{rule: GroupStability{Budgets: []int{2}, Rule: selection.DefaultRule, Every: 1, Checks: 5, MinReliability: 0.9},
		matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}
	// Windows measure the sources {0, 1} once, then {0, 1} and {2, 3}
	// twice more: every source ends up in both halves, a different number
	// of times.
	windows := [][][]int{{{0, 1}}, {{0, 1}, {2, 3}, {2, 3}}, {{2, 3}}}
	for check, window := range windows {
		for _, sources := range window {
			z := make([][]float64, len(sources))
			cos := make([][]float64, len(sources))
			for r, i := range sources {
				z[r], cos[r] = make([]float64, len(tasks)), make([]float64, len(sources))
				for j := range tasks {
					if i != j {
						z[r][j] = value(i, j)
					}
				}
			}
			if err := acc.AddSources(0, sources, z, cos); err != nil {
				t.Fatal(err)
			}
		}
		tr.after(0, acc)
		got := tr.st.Checks[check].Reliability
		// Sources 2 and 3 reach both halves only at the last check:
		// their second window goes to the half that lacks them. Until
		// then the halves cannot be grouped.
		if half := tr.st.Checks[check].HalfAgreement; (half != nil) != (check == 2) {
			t.Errorf("check %d: half agreement %v", check, half)
		}
		if check == 0 {
			continue
		}
		if got == nil || math.Abs(*got-1) > 1e-12 {
			t.Errorf("check %d: reliability %v, want 1", check, got)
		}
	}
}

// noisy returns an affinity matrix over tasks: signal(i, j) plus normal
// noise of standard deviation sd.
func noisy(rng *rand.Rand, tasks []string, signal func(i, j int) float64, sd float64) [][]float64 {
	z := blocks(tasks, nil, 0)
	for i := range z {
		for j := range z[i] {
			if i != j {
				z[i][j] = signal(i, j) + sd*rng.NormFloat64()
			}
		}
	}
	return z
}

// runTracker measures z() once per check for at most checks checks and
// returns the check at which the tracker ended the measurement (-1:
// never).
func runTracker(t *testing.T, sr *mtl.StopRule, acc *affinity.Accumulator, z func() [][]float64, checks int) int {
	t.Helper()
	zero := blocks(acc.Tasks, nil, 0)
	for c := range checks {
		if err := acc.Add(0, z(), zero); err != nil {
			t.Fatal(err)
		}
		if sr.After(0, acc) {
			return c
		}
	}
	return -1
}

// The half-agreement gate: with planted families under noise the groups
// of each half of the measurements agree with the full data's and the
// measurement ends with the families; with pure noise the full data's
// groups freeze as the running mean settles (the groups alone would end
// the measurement), but the halves' groups disagree with them and the
// gate holds it. A budget off the families' structure does not hold the
// measurement. The tracker's state survives a checkpoint: a tracker
// restored midway makes the same checks as the one that ran through.
func TestHalfAgreementGate(t *testing.T) {
	tasks := []string{"a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1"}
	family := func(i int) byte { return tasks[i][0] }
	planted := func(i, j int) float64 {
		if family(i) == family(j) {
			return 1
		}
		return 0
	}
	null := func(i, j int) float64 { return 0 }
	rule := GroupStability{Budgets: []int{3}, Rule: selection.DefaultRule, Every: 1, Checks: 3, MinHalfAgreement: DefaultMinHalfAgreement, MinReliability: -1}
	newTracker := func(rule GroupStability) *tracker {
		return &tracker{rule: rule, matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}
	}

	rng := rand.New(rand.NewPCG(5, 6))
	tr := newTracker(rule)
	acc := affinity.NewAccumulator(tasks)
	stop := runTracker(t, tr.stopRule(), acc, func() [][]float64 { return noisy(rng, tasks, planted, 2) }, 200)
	if stop < 0 || !tr.met() {
		t.Fatalf("planted families: never stopped")
	}
	last := tr.st.Checks[stop]
	if !samePartition(last.Groups[0].Groups, [][]string{{"a0", "a1", "a2"}, {"b0", "b1", "b2"}, {"c0", "c1"}}) {
		t.Errorf("planted families: groups %v at the stop", last.Groups[0].Groups)
	}
	if last.HalfAgreement == nil || *last.HalfAgreement < rule.MinHalfAgreement || len(last.Groups[0].HalfAgreement) != 2 || last.Reliability == nil {
		t.Errorf("planted families: stopping check %+v", last)
	}
	if r := tr.reason(stop, ""); !strings.Contains(r, "adjusted Rand index ≥ 0.9") || strings.Contains(r, "reliability ≥") {
		t.Errorf("reason %q", r)
	}

	// With a budget off the families' structure besides (4 groups of 3
	// families: which family is split is arbitrary), the gate still
	// passes on the budget both halves reproduce: the check's half
	// agreement is the best budget's lower index.
	two := rule
	two.Budgets = []int{3, 4}
	rng = rand.New(rand.NewPCG(5, 6))
	both := newTracker(two)
	if s := runTracker(t, both.stopRule(), affinity.NewAccumulator(tasks), func() [][]float64 { return noisy(rng, tasks, planted, 2) }, 200); s < 0 {
		t.Fatalf("planted families at budgets 3 and 4: never stopped")
	}
	for _, c := range both.st.Checks {
		if c.HalfAgreement == nil {
			continue
		}
		if want := max(slices.Min(c.Groups[0].HalfAgreement), slices.Min(c.Groups[1].HalfAgreement)); *c.HalfAgreement != want {
			t.Errorf("step %d: half agreement %g, want %g (%+v)", c.Step, *c.HalfAgreement, want, c.Groups)
		}
	}

	// Pure noise, with and without the gate, on the same measurements.
	measure := func(rule GroupStability) (*tracker, int) {
		rng := rand.New(rand.NewPCG(7, 8))
		tr := newTracker(rule)
		stop := runTracker(t, tr.stopRule(), affinity.NewAccumulator(tasks), func() [][]float64 { return noisy(rng, tasks, null, 1) }, 300)
		return tr, stop
	}
	ungated := rule
	ungated.MinHalfAgreement = -1
	if _, stop := measure(ungated); stop < 0 {
		t.Fatalf("pure noise without the gate: never stopped (the test needs groups that freeze)")
	}
	gated, noiseStop := measure(rule)
	if noiseStop >= 0 {
		t.Fatalf("pure noise: stopped at check %d: %+v", noiseStop, gated.st.Checks[noiseStop])
	}
	if r := gated.reason(300, "for all 3 epochs of the recipe"); !strings.Contains(r, "not met") || !strings.Contains(r, "half agreement ≥ 0.9") {
		t.Errorf("reason when not met: %q", r)
	}

	// Restore midway: the same checks as the run straight through.
	rng = rand.New(rand.NewPCG(5, 6))
	acc = affinity.NewAccumulator(tasks)
	first := newTracker(rule)
	z := func() [][]float64 { return noisy(rng, tasks, planted, 2) }
	if s := runTracker(t, first.stopRule(), acc, z, 7); s >= 0 {
		t.Fatalf("stopped at check %d before the restore", s)
	}
	b, err := json.Marshal(first.st)
	if err != nil {
		t.Fatal(err)
	}
	resumed := newTracker(rule)
	sr := resumed.stopRule()
	if err := sr.Restore(b); err != nil {
		t.Fatal(err)
	}
	var accBack affinity.Accumulator
	if b, err := json.Marshal(acc); err != nil || json.Unmarshal(b, &accBack) != nil {
		t.Fatal(err)
	}
	runTracker(t, sr, &accBack, z, stop+1-7)
	if !reflect.DeepEqual(resumed.st.Checks, tr.st.Checks) || !resumed.met() {
		t.Errorf("restored tracker: %d checks, met %v; straight through: %d checks", len(resumed.st.Checks), resumed.met(), stop+1)
	}
}

// SettledMore: the measurement that would end at the rule's steady checks
// goes on until it holds 1 + SettledMore times the measurements of its
// first steady check, and then ends at a steady check in a row as long
// as the rule asks; the reason says so.
func TestSettledMore(t *testing.T) {
	tasks := []string{"a0", "a1", "a2", "b0", "b1", "b2"}
	planted := func(i, j int) float64 {
		if tasks[i][0] == tasks[j][0] {
			return 1
		}
		return 0
	}
	stopAt := func(more float64) (*tracker, int) {
		rule := GroupStability{Budgets: []int{2}, Rule: selection.DefaultRule, Every: 1, Checks: 2, MinHalfAgreement: -1,
			MinReliability: -1, SettledMore: more}
		tr := &tracker{rule: rule, matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}
		rng := rand.New(rand.NewPCG(7, 8))
		return tr, runTracker(t, tr.stopRule(), affinity.NewAccumulator(tasks), func() [][]float64 { return noisy(rng, tasks, planted, 0.1) }, 100)
	}
	_, plain := stopAt(0)
	tr, more := stopAt(3)
	if plain < 0 || more < 0 {
		t.Fatalf("never stopped: %d without, %d with SettledMore", plain, more)
	}
	first := slices.IndexFunc(tr.st.Checks, func(c Check) bool { return c.Steady })
	m0, m := tr.st.Checks[first].Measurements, tr.st.Checks[more].Measurements
	if m < 4*m0 || more <= plain || tr.st.Checks[more].Run < 2 {
		t.Errorf("SettledMore 3: stopped at check %d (%d measurements, run %d), first steady with %d; without it at check %d",
			more, m, tr.st.Checks[more].Run, m0, plain)
	}
	if r := tr.reason(m, ""); !strings.Contains(r, "after at least 4 times the measurements of the first steady check") {
		t.Errorf("reason %q", r)
	}
	if err := (GroupStability{Budgets: []int{2}, Rule: selection.DefaultRule, Every: 1, Checks: 1, SettledMore: -1}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "-settled-more -1") {
		t.Errorf("SettledMore −1: %v", err)
	}
}

func TestDefaultCheckInterval(t *testing.T) {
	for _, c := range []struct {
		name                          string
		every, measure, planned, want int
	}{
		{"built-in recipe (every 2 steps, 1,000 steps)", 0, 2, 1000, 10},
		{"CSV recipe on 6,000 rows (every 10, 740)", 0, 10, 740, 20},
		{"CSV recipe on 20,000 rows (every 10, 2,500)", 0, 10, 2500, 50},
		{"a run shorter than 2 measurements per 2.5%", 0, 10, 100, 20},
		{"between the limits (every 4, 600 steps)", 0, 4, 600, 12},
		{"planned steps unknown", 0, 3, 0, 15},
		{"given by the user", 7, 10, 740, 7},
	} {
		g := GroupStability{Every: c.every, Checks: DefaultStableChecks}.WithDefaultEvery(c.measure, c.planned)
		if g.Every != c.want {
			t.Errorf("%s: every %d steps, want %d", c.name, g.Every, c.want)
		}
		// Closer checks than the default's keep the default's evidence:
		// Checks+1 checks of DefaultCheckMeasurements measurements.
		want := 0
		if c.every == 0 && c.want < DefaultCheckMeasurements*c.measure {
			want = DefaultCheckMeasurements * (DefaultStableChecks + 1)
		}
		if g.MinMeasurements != want {
			t.Errorf("%s: at least %d measurements, want %d", c.name, g.MinMeasurements, want)
		}
	}
}

// A stop with checks closer than the default's waits for MinMeasurements:
// the groups are steady from the fourth check on, and the measurement
// ends at the first steady check holding 20 measurements; the reason of a
// run that ends sooner names the minimum.
func TestMinMeasurements(t *testing.T) {
	tasks := []string{"a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1"}
	planted := func(i, j int) float64 {
		if tasks[i][0] == tasks[j][0] {
			return 1
		}
		return 0
	}
	run := func(min, checks int) (*tracker, int) {
		rule := GroupStability{Budgets: []int{3}, Rule: selection.DefaultRule, Every: 1, Checks: 3, MinHalfAgreement: -1, MinReliability: -1, MinMeasurements: min}
		tr := &tracker{rule: rule, matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}
		rng := rand.New(rand.NewPCG(7, 8))
		return tr, runTracker(t, tr.stopRule(), affinity.NewAccumulator(tasks), func() [][]float64 { return noisy(rng, tasks, planted, 0.1) }, checks)
	}
	if _, stop := run(0, 100); stop != 3 {
		t.Fatalf("without a minimum: stopped at check %d, want 3 (the fourth)", stop)
	}
	tr, stop := run(20, 100)
	if stop != 19 || tr.st.Checks[stop].Measurements != 20 {
		t.Fatalf("with at least 20 measurements: stopped at check %d, want 19 (20 measurements)", stop)
	}
	if !strings.Contains(tr.rule.String(), "at least 20 measurements in all") {
		t.Errorf("rule %q does not name the minimum", tr.rule.String())
	}
	short, stop := run(20, 10)
	if stop >= 0 || !strings.Contains(short.reason(10, "to the end of training,"), "it also needs at least 20 measurements in all") {
		t.Errorf("a run of 10 measurements: stop %d, reason %q", stop, short.reason(10, "to the end of training,"))
	}
}
