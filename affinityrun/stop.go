package affinityrun

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/mtl"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

// Defaults of the stop rule GroupStability.
// DefaultBudgets are the budgets the stop rule watches when none are
// given: 2, 3 and 4 networks, those of them at most the number of tasks.
var DefaultBudgets = []int{2, 3, 4}

// BudgetsFor returns ks, or where ks is empty the default budgets of at
// most n networks.
func BudgetsFor(ks []int, n int) []int {
	if len(ks) > 0 {
		return ks
	}
	var out []int
	for _, k := range DefaultBudgets {
		if k <= n {
			out = append(out, k)
		}
	}
	return out
}

const (
	// DefaultStableChecks is the number of consecutive checks whose
	// groups equal the previous check's that ends a measurement.
	DefaultStableChecks = 3
	// DefaultCheckMeasurements is the number of affinity measurements
	// between two checks, unless that would space the checks by more
	// than 1/CheckShare of the planned steps (WithDefaultEvery).
	DefaultCheckMeasurements = 5
	// MinCheckMeasurements is the fewest affinity measurements between
	// two checks that WithDefaultEvery chooses: with one, the groups of
	// consecutive checks differ by a single noisy measurement, and a
	// 6,000-row CSV update stopped at 8% of the steps with wrong groups.
	MinCheckMeasurements = 2
	// CheckShare bounds the default check interval to 1/CheckShare of
	// the planned steps (2.5%), so that the DefaultStableChecks+1 checks
	// a stop needs fit in a tenth of the run: with the CSV recipe
	// (a measurement every 10 steps, 740 steps on 6,000 rows) five
	// measurements per check held every update above 27% of the steps.
	CheckShare = 40
	// DefaultMinHalfAgreement is the adjusted Rand index that the groups
	// of each half of the measurements must reach against the groups of
	// all of them, at one budget at least, for a check to count as
	// steady. Up
	// to about 25 tasks one task placed differently already gives an
	// index under 0.9 (9 tasks in 3 groups: 0.64; 24 in 6: 0.89), so
	// there the halves must give exactly the full data's groups; at
	// hundreds of tasks it allows a few percent placed differently by a
	// half, which has half the measurements (300 tasks in 30 groups of
	// 10: one task moved gives 0.99, 14 give 0.90, 15 give 0.897).
	DefaultMinHalfAgreement = 0.9
	// DefaultMinReliability is the split-half reliability of the watched
	// pairs' ranks that a check needs to count as settled: -1, no such
	// gate (the reliability is still computed and recorded). The ranks of
	// pairs with no true affinity never settle, so a gate on all the
	// watched pairs' ranks holds a measurement whose groups are settled.
	DefaultMinReliability = -1.0
	// DefaultSettledMore is how many times the measurements of the first
	// steady check a measurement takes after it at least, before steady
	// checks in a row may end it: 0, none. With 1 (as many again: the
	// groups first settled after m measurements, at least 2m) an update
	// from the saved weights (-warm) ranked the added pairs as
	// consistently with from-scratch runs as two of those runs do with
	// each other, on planted data and glyphs within 22% of a from-scratch
	// run's steps; an update from the initialization (the default) did
	// not get there within 30% whatever its length, and measured longer
	// (docs/update-stop-rule.md).
	DefaultSettledMore = 0.0
)

// gateOff is the threshold at or below which a gate of GroupStability
// (MinHalfAgreement, MinReliability) is not applied.
const gateOff = -1

// GroupStability is a stop rule that tracks what the user gets from an
// affinity measurement: the groups selected at the requested budgets.
// Every Every training steps it computes the affinity matrix measured so
// far, selects the groups at each budget (as `tag group` does with its
// default options) and the best alternative grouping (the score margin),
// and estimates how settled the ranks of the watched pairs' means are
// (the pairs involving an added task in an update; every pair in a run
// from scratch). The measurements between two checks form a window, and
// the windows go alternately to two halves. On each half's means (the
// watched pairs; the other pairs as in the full matrix) the groups at
// each budget are selected again (selection.SolveMatrix), and their
// adjusted Rand index against the full data's groups is the check's half
// agreement: how much of what the user gets would be the same with half
// the measurements. The Spearman correlation r of the two halves' means,
// stepped up to the whole by Spearman–Brown, 2r/(1+r), is the split-half
// reliability of the watched pairs' ranks, recorded for information and
// an optional gate. A check is steady when the groups at every budget
// equal the previous check's, the half agreement is at least
// MinHalfAgreement for both halves at one budget at least, and the
// reliability is at least MinReliability; a threshold of -1 turns its
// gate off. One budget, not every one: at a budget off the data's
// structure (four groups of three families) which family is split is
// arbitrary, the halves split differently however long they measure,
// and a gate at every budget held such runs to their end. The
// measurement ends after Checks steady checks in a row, once it holds
// at least 1 + SettledMore times the measurements of the first steady
// check (0: no such condition): the measurement goes on for SettledMore
// times as long as the groups took to settle.
type GroupStability struct {
	Budgets          []int   `json:"budgets"`
	Rule             string  `json:"rule"`
	Every            int     `json:"every_steps"`
	Checks           int     `json:"checks"`
	MinHalfAgreement float64 `json:"min_half_agreement"`
	MinReliability   float64 `json:"min_reliability"`
	SettledMore      float64 `json:"settled_more,omitempty"`
	// MinMeasurements is the fewest measurements the measurement ends
	// with (0: no such condition). WithDefaultEvery sets it where it
	// spaces the checks by fewer than DefaultCheckMeasurements
	// measurements, to what Checks+1 checks at that spacing hold: closer
	// checks notice sooner that the groups have settled, but a stop rests
	// on as many measurements as before.
	MinMeasurements int `json:"min_measurements,omitempty"`
}

// WithDefaultEvery returns g with an Every of 0 (the default) replaced by
// DefaultCheckMeasurements measurements of measureEvery steps each, or
// fewer (down to MinCheckMeasurements) where that would exceed
// 1/CheckShare of plannedSteps, the steps of the whole run (0: unknown,
// no such limit). The built-in recipes measure often enough that their
// checks stay every 5 measurements.
func (g GroupStability) WithDefaultEvery(measureEvery, plannedSteps int) GroupStability {
	if g.Every == 0 {
		m := checkMeasurements(measureEvery, plannedSteps)
		g.Every = m * measureEvery
		if m < DefaultCheckMeasurements {
			g.MinMeasurements = DefaultCheckMeasurements * (g.Checks + 1)
		}
	}
	return g
}

// checkMeasurements is the number of affinity measurements between two
// checks of the default interval for a measurement every measureEvery
// steps in a run of plannedSteps steps (see WithDefaultEvery).
func checkMeasurements(measureEvery, plannedSteps int) int {
	if plannedSteps <= 0 || measureEvery <= 0 {
		return DefaultCheckMeasurements
	}
	return min(max(plannedSteps/(CheckShare*measureEvery), MinCheckMeasurements), DefaultCheckMeasurements)
}

// Validate checks the rule's parameters; errors name the option.
func (g GroupStability) Validate() error {
	switch {
	case len(g.Budgets) == 0:
		return inputf("the stop rule needs at least one budget")
	case g.Every < 1:
		return inputf("-check-every %d: want at least 1 step between checks", g.Every)
	case g.Checks < 1:
		return inputf("-checks %d: want at least 1", g.Checks)
	case !(g.MinReliability >= -1 && g.MinReliability <= 1):
		return inputf("-min-reliability %g: want a correlation in [-1, 1] (-1: no such gate)", g.MinReliability)
	case !(g.MinHalfAgreement >= -1 && g.MinHalfAgreement <= 1):
		return inputf("-min-half-agreement %g: want an adjusted Rand index in [-1, 1] (-1: no such gate)", g.MinHalfAgreement)
	case !(g.SettledMore >= 0 && g.SettledMore <= 100):
		return inputf("-settled-more %g: want a multiple in [0, 100] (0: no such condition)", g.SettledMore)
	case !slices.Contains(selection.AffinityRules, g.Rule):
		return inputf("-rule %q: want one of %s", g.Rule, strings.Join(selection.AffinityRules, ", "))
	}
	for _, k := range g.Budgets {
		if k < 1 {
			return inputf("-budget %d: want at least 1 network", k)
		}
	}
	return nil
}

// CheckTasks checks, before anything is measured, that the rule can
// select at each of its budgets for n tasks: a budget above n is refused
// (a budget is a number of networks, each serving at least one task), and
// so is a rule whose search cannot take n tasks at that budget
// (selection.CheckSolvable with tag group's default options). Errors
// name the flag.
func (g GroupStability) CheckTasks(n int) error {
	for _, k := range g.Budgets {
		if k > n {
			return inputf("-budget %d: more than the %d tasks (a budget is a number of networks, each serving at least one task)", k, n)
		}
		if err := selection.CheckSolvable(n, g.Rule, selection.MaxNetworks(k), groupOptions()); err != nil {
			return inputf("-budget %d: %v", k, err)
		}
	}
	return nil
}

// String describes the rule in words, for run.json and changes.md.
func (g GroupStability) String() string {
	s := fmt.Sprintf("every %d steps, the groups at budgets %s (rule %s); stop after %d checks in a row %s",
		g.Every, intsText(g.Budgets), g.Rule, g.Checks, g.steadyText())
	if g.MinMeasurements > 0 {
		s += fmt.Sprintf(", with at least %d measurements in all", g.MinMeasurements)
	}
	return s
}

// steadyText says what makes a check steady.
func (g GroupStability) steadyText() string {
	return "with the same groups as the check before" + g.steadyGates()
}

// steadyGates says which gates a steady check passes besides its groups
// being the same as the check before.
func (g GroupStability) steadyGates() string {
	var s string
	if g.MinHalfAgreement > gateOff {
		where := "for both halves at one budget at least"
		if len(g.Budgets) == 1 {
			where = "for both halves"
		}
		s += fmt.Sprintf(", the groups of each half of the measurements agreeing with them (adjusted Rand index ≥ %g %s)", g.MinHalfAgreement, where)
	}
	if g.MinReliability > gateOff {
		s += fmt.Sprintf(", the watched pairs' ranks settled (split-half reliability ≥ %g)", g.MinReliability)
	}
	if g.SettledMore > 0 {
		s += fmt.Sprintf(", after at least %g times the measurements of the first steady check", 1+g.SettledMore)
	}
	return s
}

// Check is one check of GroupStability.
type Check struct {
	// Step is the training step after which the check ran; Measurements
	// the affinity measurements up to it.
	Step         int `json:"step"`
	Measurements int `json:"measurements"`
	// Groups are the groups at each budget, with their score and margin.
	Groups []CheckGroups `json:"groups"`
	// Reliability is the split-half reliability of the watched pairs'
	// ranks (nil until both halves hold measurements of two pairs or
	// more).
	Reliability *float64 `json:"split_half_reliability,omitempty"`
	// HalfAgreement is the half agreement of the budget whose groups both
	// halves reproduce best: the highest over the budgets of the lower of
	// the two halves' adjusted Rand indices against the groups
	// (CheckGroups.HalfAgreement; nil until both halves hold
	// measurements).
	HalfAgreement *float64 `json:"half_agreement,omitempty"`
	// Same: every budget's groups equal the previous check's; Steady:
	// Same, HalfAgreement at least MinHalfAgreement and Reliability at
	// least MinReliability (each unless its gate is off); Run counts the
	// steady checks in a row up to this one.
	Same   bool `json:"same_groups"`
	Steady bool `json:"steady"`
	Run    int  `json:"steady_run"`
}

// CheckGroups are the groups of one budget at a check.
type CheckGroups struct {
	Budget int        `json:"budget"`
	Groups [][]string `json:"groups"`
	Score  float64    `json:"score"`
	// Margin is the score of the groups less that of the best
	// alternative grouping (selection.Alternatives; in the rule's sense,
	// positive when the groups win), nil when there is none or above
	// selection.MaxTasks tasks, where alternatives are not searched.
	Margin *float64 `json:"margin,omitempty"`
	// HalfAgreement are the adjusted Rand indices of the groups selected
	// on each half of the measurements against Groups (nil until both
	// halves hold measurements).
	HalfAgreement []float64 `json:"half_agreement,omitempty"`
}

// tracker runs GroupStability's checks during a training run. Its state
// (the checks and the last check's values) goes through the training's
// checkpoint.
type tracker struct {
	rule GroupStability
	// watched are the tasks whose pairs are ranked (nil: every pair).
	watched []string
	// matrix turns the accumulator into the affinity matrix grouped.
	matrix func(*affinity.Accumulator) (*taskmatrix.Matrix, error)
	st     trackerState
	err    error
}

type trackerState struct {
	Checks []Check `json:"checks"`
	// Prev are the watched pairs' sums at the last check, PrevCount its
	// measurements; Half the two halves' sums (each window of a pair goes
	// to the half with fewer of its measurements, on a tie alternately)
	// and HalfCount the measurements of the windows of each parity.
	Prev      []float64    `json:"prev"`
	PrevCount int          `json:"prev_count"`
	Half      [2][]float64 `json:"half"`
	HalfCount [2]int       `json:"half_count"`
	// PrevCounts and HalfCounts count the measurements of each watched
	// pair (under an estimator that measures some source tasks at a time,
	// a pair's count is its source's); nil in a checkpoint written before
	// they were kept, where every pair has the scalar count.
	PrevCounts []int    `json:"prev_counts,omitempty"`
	HalfCounts [2][]int `json:"half_counts,omitempty"`
}

// pairCount is the count of watched pair k in counts, or all when counts
// predates per-pair counts.
func pairCount(counts []int, k, all int) int {
	if counts == nil {
		return all
	}
	return counts[k]
}

// stopRule is the tracker as an mtl.StopRule.
func (t *tracker) stopRule() *mtl.StopRule {
	b, _ := json.Marshal(t.rule)
	return &mtl.StopRule{Name: "groups stable " + string(b) + " watching " + strings.Join(t.watched, ","), Every: t.rule.Every,
		After: t.after,
		State: func() []byte {
			b, _ := json.Marshal(t.st)
			return b
		},
		Restore: func(b []byte) error {
			t.st, t.err = trackerState{}, nil
			if b == nil {
				return nil
			}
			return json.Unmarshal(b, &t.st)
		}}
}

// after is one check; it returns true to end the measurement (the rule
// is met, or a check failed: t.err).
func (t *tracker) after(_ int, acc *affinity.Accumulator) bool {
	c, full, err := t.check(acc)
	if err != nil {
		t.err = err
		return true
	}
	pairs := t.addWindow(acc)
	c.Reliability = t.reliability(pairs)
	if err := t.halfAgreement(acc, pairs, &c, full); err != nil {
		t.err = err
		return true
	}
	if n := len(t.st.Checks); n > 0 {
		prev := t.st.Checks[n-1]
		c.Same = sameGroupsAll(prev.Groups, c.Groups)
		c.Steady = c.Same && passes(c.HalfAgreement, t.rule.MinHalfAgreement) && passes(c.Reliability, t.rule.MinReliability)
		if c.Steady {
			c.Run = prev.Run + 1
		}
	}
	c.Step = (len(t.st.Checks) + 1) * t.rule.Every
	t.st.Checks = append(t.st.Checks, c)
	return t.met()
}

// settledLongEnough reports whether the last check holds at least 1 +
// SettledMore times the measurements of the first steady check.
func (t *tracker) settledLongEnough() bool {
	i := slices.IndexFunc(t.st.Checks, func(c Check) bool { return c.Steady })
	last := t.st.Checks[len(t.st.Checks)-1]
	return i >= 0 && float64(last.Measurements) >= (1+t.rule.SettledMore)*float64(t.st.Checks[i].Measurements)
}

// passes reports whether v meets the gate min: always when the gate is
// off, never when v is not known.
func passes(v *float64, min float64) bool {
	return min <= gateOff || (v != nil && *v >= min)
}

// check computes the groups of acc's matrix at each budget; full are the
// selections.
func (t *tracker) check(acc *affinity.Accumulator) (Check, []*selection.Result, error) {
	c := Check{Measurements: acc.Count}
	m, err := t.matrix(acc)
	if err != nil {
		return c, nil, err
	}
	var full []*selection.Result
	opt := groupOptions()
	for _, k := range t.rule.Budgets {
		// Alternative groupings are searched for up to
		// selection.MaxTasks tasks; beyond, the check has the groups
		// without their margin.
		alts := make([]*selection.Result, 1)
		var err error
		if m.N() > selection.MaxTasks {
			alts[0], err = selection.SolveMatrix(m, t.rule.Rule, selection.MaxNetworks(k), opt)
		} else {
			alts, err = selection.AlternativesMatrix(m, t.rule.Rule, selection.MaxNetworks(k), opt, 2)
		}
		if err != nil {
			return c, nil, fmt.Errorf("grouping %d tasks at budget %d: %w", m.N(), k, err)
		}
		full = append(full, alts[0])
		g := CheckGroups{Budget: k, Groups: alts[0].GroupNames(m.Tasks), Score: alts[0].Score}
		if len(alts) > 1 {
			d := math.Abs(alts[0].Score - alts[1].Score)
			g.Margin = &d
		}
		c.Groups = append(c.Groups, g)
	}
	return c, full, nil
}

// addWindow adds the window of measurements since the last check to its
// half (each watched pair's sum and count; under an estimator that
// measures some source tasks at a time a pair's count is its source's)
// and returns the watched pairs, i → j as indices of acc.Tasks, in the
// order of the halves' entries.
func (t *tracker) addWindow(acc *affinity.Accumulator) [][2]int {
	var pairs [][2]int
	var sums []float64
	var counts []int
	for i, ti := range acc.Tasks {
		for j, tj := range acc.Tasks {
			if i != j && (t.watched == nil || slices.Contains(t.watched, ti) || slices.Contains(t.watched, tj)) {
				pairs = append(pairs, [2]int{i, j})
				sums = append(sums, acc.Z[i][j])
				counts = append(counts, acc.PairCount(i, j))
			}
		}
	}
	st := &t.st
	parity := len(st.Checks) % 2
	for h := range 2 {
		if st.Half[h] == nil {
			st.Half[h] = make([]float64, len(sums))
		}
		if st.HalfCounts[h] == nil {
			st.HalfCounts[h] = make([]int, len(sums))
			for k := range sums {
				st.HalfCounts[h][k] = st.HalfCount[h]
			}
		}
	}
	for k, s := range sums {
		prev, prevCount := 0.0, 0
		if st.Prev != nil {
			prev, prevCount = st.Prev[k], pairCount(st.PrevCounts, k, st.PrevCount)
		}
		// The window goes to the half with fewer measurements of the
		// pair, on a tie to the window's parity: where every pair is
		// measured every time the windows alternate; where some sources
		// are measured at a time, a source measured twice is in both
		// halves.
		h := parity
		if c0, c1 := st.HalfCounts[0][k], st.HalfCounts[1][k]; c0 != c1 {
			h = 0
			if c1 < c0 {
				h = 1
			}
		}
		st.Half[h][k] += s - prev
		st.HalfCounts[h][k] += counts[k] - prevCount
	}
	st.HalfCount[parity] += acc.Count - st.PrevCount
	st.Prev, st.PrevCount, st.PrevCounts = sums, acc.Count, counts
	return pairs
}

// halfCount is the count of watched pair k in half h.
func (st *trackerState) halfCount(h, k int) int {
	return pairCount(st.HalfCounts[h], k, st.HalfCount[h])
}

// reliability returns the split-half reliability of the ranks of the
// watched pairs' means (each half's sum over its count, so that an
// estimator measuring some source tasks at a time is compared pair by
// pair), over the pairs measured in both halves.
func (t *tracker) reliability(pairs [][2]int) *float64 {
	st := &t.st
	var a, b []float64
	for k := range pairs {
		c0, c1 := st.halfCount(0, k), st.halfCount(1, k)
		if c0 > 0 && c1 > 0 {
			a, b = append(a, st.Half[0][k]/float64(c0)), append(b, st.Half[1][k]/float64(c1))
		}
	}
	if len(a) < 2 {
		return nil
	}
	r, err := stats.Spearman(a, b)
	if err != nil || math.IsNaN(r) || r <= -1 {
		return nil
	}
	rel := 2 * r / (1 + r)
	return &rel
}

// halfAgreement selects the groups at each budget on each half's matrix
// and records in c their adjusted Rand index against full, the groups
// of all the measurements (nothing until both halves hold measurements
// of every watched pair: under an estimator that measures some sources
// at a time, until every source was measured twice). A half's matrix is
// the full one with each watched pair's mean replaced by the half's
// mean: acc with those pairs' sums scaled to acc's counts goes through
// the same matrix function, so that an update's kept pairs stay as they
// are.
func (t *tracker) halfAgreement(acc *affinity.Accumulator, pairs [][2]int, c *Check, full []*selection.Result) error {
	st := &t.st
	for k := range pairs {
		if st.halfCount(0, k) == 0 || st.halfCount(1, k) == 0 {
			return nil
		}
	}
	for h := range 2 {
		half := *acc
		half.Z = make([][]float64, len(acc.Z))
		for i := range acc.Z {
			half.Z[i] = slices.Clone(acc.Z[i])
		}
		for k, p := range pairs {
			half.Z[p[0]][p[1]] = st.Half[h][k] / float64(st.halfCount(h, k)) * float64(acc.PairCount(p[0], p[1]))
		}
		m, err := t.matrix(&half)
		if err != nil {
			return err
		}
		for b, k := range t.rule.Budgets {
			r, err := selection.SolveMatrix(m, t.rule.Rule, selection.MaxNetworks(k), groupOptions())
			if err != nil {
				return fmt.Errorf("grouping %d tasks at budget %d on half %d of the measurements: %w", m.N(), k, h+1, err)
			}
			ari, err := stats.AdjustedRand(r.Assignment, full[b].Assignment)
			if err != nil {
				return err
			}
			c.Groups[b].HalfAgreement = append(c.Groups[b].HalfAgreement, ari)
		}
	}
	best := math.Inf(-1)
	for _, g := range c.Groups {
		best = max(best, slices.Min(g.HalfAgreement))
	}
	c.HalfAgreement = &best
	return nil
}

// met reports whether the last check ended the measurement.
func (t *tracker) met() bool {
	n := len(t.st.Checks)
	return t.err == nil && n > 0 && t.st.Checks[n-1].Run >= t.rule.Checks && t.st.Checks[n-1].Measurements >= t.rule.MinMeasurements && t.settledLongEnough()
}

// reason says in words why the measurement ended, given the steps
// trained and how the training ended otherwise.
func (t *tracker) reason(steps int, otherwise string) string {
	n := len(t.st.Checks)
	if t.met() {
		last := t.st.Checks[n-1]
		first := t.st.Checks[n-1-last.Run]
		return fmt.Sprintf("the stop rule was met: the groups at budgets %s were the same at %d checks in a row (steps %d to %d)%s: measurement ended after %d steps",
			intsText(t.rule.Budgets), last.Run+1, first.Step, last.Step, t.rule.steadyGates(), steps)
	}
	best, same, half, rel := 0, 0, 0, 0
	for _, c := range t.st.Checks {
		best = max(best, c.Run)
		if c.Same {
			same++
		}
		if c.HalfAgreement != nil && *c.HalfAgreement >= t.rule.MinHalfAgreement {
			half++
		}
		if c.Reliability != nil && *c.Reliability >= t.rule.MinReliability {
			rel++
		}
	}
	gates := fmt.Sprintf("%d had the same groups as the check before", same)
	if t.rule.MinHalfAgreement > gateOff {
		gates += fmt.Sprintf(", %d had half agreement ≥ %g", half, t.rule.MinHalfAgreement)
	}
	if t.rule.MinReliability > gateOff {
		gates += fmt.Sprintf(", %d had split-half reliability ≥ %g", rel, t.rule.MinReliability)
	}
	if best >= t.rule.Checks && t.rule.MinMeasurements > 0 {
		gates += fmt.Sprintf("; it also needs at least %d measurements in all", t.rule.MinMeasurements)
	}
	return fmt.Sprintf("the stop rule was not met: it needs %d checks in a row %s, and in %d checks at most %d in a row were (%s); the measurement ran instead %s, %d steps",
		t.rule.Checks, t.rule.steadyText(), n, best, gates, otherwise, steps)
}

func sameGroupsAll(a, b []CheckGroups) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Budget != b[i].Budget || !samePartition(a[i].Groups, b[i].Groups) {
			return false
		}
	}
	return true
}

// samePartition reports whether a and b hold the same groups (each a set
// of tasks), in any order.
func samePartition(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, g := range a {
		if !slices.ContainsFunc(b, func(h []string) bool { return sameSet(g, h) }) {
			return false
		}
	}
	return true
}

func intsText(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}

// StopRecord says how and why a measurement ended (run.json).
type StopRecord struct {
	// Stop is StopStable, StopSteps, StopPatience, StopMaxEpochs or
	// StopNothingAdded; StopReason says it in words.
	Stop       string `json:"stop"`
	StopReason string `json:"stop_reason"`
	// StopRule is the rule that watched the measurement, Checks its
	// every check.
	StopRule *GroupStability `json:"stop_rule,omitempty"`
	Checks   []Check         `json:"checks,omitempty"`
	// PlannedSteps are the steps the run was given (its epochs' steps):
	// those after the measurement ended were saved.
	PlannedSteps int `json:"planned_steps,omitempty"`
}

// Stopper ends a training run by GroupStability and records why.
type Stopper struct{ t *tracker }

// NewStopper watches a from-scratch affinity run: the matrix at a check
// is the affinity measured so far, and every pair is watched.
func NewStopper(rule GroupStability) *Stopper {
	return &Stopper{&tracker{rule: rule, matrix: func(a *affinity.Accumulator) (*taskmatrix.Matrix, error) { return a.Affinity(), nil }}}
}

// StopRule is the rule to give mtl.Train (Options.Stop).
func (s *Stopper) StopRule() *mtl.StopRule { return s.t.stopRule() }

// Record says how the run with result res ended; epochs are the epochs
// it was given, of stepsPerEpoch steps each. A check that failed is
// returned as the error.
func (s *Stopper) Record(res *mtl.Result, epochs, stepsPerEpoch int) (*StopRecord, error) {
	t := s.t
	if t.err != nil {
		return nil, fmt.Errorf("stop rule: %w", t.err)
	}
	r := &StopRecord{StopRule: &t.rule, Checks: t.st.Checks, PlannedSteps: epochs * stepsPerEpoch}
	switch {
	case t.met():
		r.Stop, r.StopReason = StopStable, t.reason(res.Steps, "")
		if r.PlannedSteps > 0 {
			r.StopReason += fmt.Sprintf(" of the %d planned (%.0f%% saved)", r.PlannedSteps, 100*(1-float64(res.Steps)/float64(r.PlannedSteps)))
		}
	case res.StoppedEarly:
		r.Stop, r.StopReason = StopPatience, t.reason(res.Steps, "until the recipe's early stopping (validation loss)")
	default:
		r.Stop, r.StopReason = StopMaxEpochs, t.reason(res.Steps, fmt.Sprintf("for all %d epochs of the recipe", epochs))
	}
	return r, nil
}
