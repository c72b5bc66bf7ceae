package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
)

// results builds one suite's results with tag's per-seed totals against
// random's at budgets 2 and 3 (three seeds), analysed by experiment.Analyze.
func results(tag2, rnd2, tag3, rnd3 []float64) *experiment.Results {
	b := func(seeds []float64) *experiment.BudgetResult {
		return &experiment.BudgetResult{TotalTestLossSeeds: seeds}
	}
	r := &experiment.Results{Tasks: []string{"a", "b", "c"}, Seeds: []uint64{1, 2, 3}, Budgets: []int{2, 3},
		Methods: map[string]*experiment.MethodResult{
			experiment.TAG:    {Budgets: map[string]*experiment.BudgetResult{"2": b(tag2), "3": b(tag3)}},
			experiment.Random: {Budgets: map[string]*experiment.BudgetResult{"2": b(rnd2), "3": b(rnd3)}},
		}}
	r.Analysis = experiment.Analyze(r)
	return r
}

// TestChecks checks the summary and the acceptance checks on two hand-made
// suites: on "planted" tag is better than random at both budgets (by 0.1
// ± 0.01 at every seed); on "glyphs" it is worse at k = 2 by the same.
func TestChecks(t *testing.T) {
	better := []float64{1.0, 1.1, 0.9}
	worse := []float64{1.21, 1.3, 1.1}
	same := []float64{1.11, 1.2, 1.0}
	rep := &Report{Options: Options{Seeds: 3, Budgets: []int{2, 3}, RandomSeeds: 20}, Suites: []SuiteResult{
		{Suite: Suite{Name: "planted", Known: true, Planted: 3}, Results: results(better, same, better, same)},
		{Suite: Suite{Name: "glyphs", Known: true}, Results: results(worse, same, same, same)},
		{Suite: Suite{Name: "fashion-mnist"}, Skipped: "needs Debian's dataset-fashion-mnist"},
	}}
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"| planted | 3 |",
		"| fashion-mnist | skipped: needs Debian's dataset-fashion-mnist |",
		"- NOT met: never significantly worse than random at any budget (worse on: glyphs)",
		"- met: significantly better than random at the planted budget",
		"- NOT met: pooled over budgets and seeds, never worse than random by more than one standard error (exceeded on: glyphs)",
		"- met: significantly better than random, pooled, on at least half of the data sets with known structure (1 of 2)",
		"| glyphs | 3 | none |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestConsensusChecks: with tag-consensus in the results, the table shows
// it beside tag and its checks are listed under their own heading.
func TestConsensusChecks(t *testing.T) {
	better := []float64{1.0, 1.1, 0.9}
	same := []float64{1.11, 1.2, 1.0}
	r := results(better, same, better, same)
	groups := [][]string{{"a", "b"}, {"c"}}
	r.Methods[experiment.TAGConsensus] = &experiment.MethodResult{Budgets: map[string]*experiment.BudgetResult{
		"2": {Groups: groups, TotalTestLossSeeds: same}, "3": {Groups: groups, TotalTestLossSeeds: better}}}
	r.Analysis = experiment.Analyze(r)
	rep := &Report{Options: Options{Seeds: 3, Budgets: []int{2, 3}, RandomSeeds: 20}, Suites: []SuiteResult{
		{Suite: Suite{Name: "planted", Known: true, Planted: 3}, Results: r}}}
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| tag − random | tag-consensus − random | tag worse than random at | tag-consensus worse than random at |",
		"Checks for tag-consensus", "- met: significantly better than random at the planted budget"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
	if cs := rep.ConsensusChecks(rep.Rows()); len(cs) != 4 || cs[0].Met != true {
		t.Errorf("consensus checks %+v", cs)
	}
	// tag-consensus is level with random at k = 2 and better at k = 3.
	if row := rep.Rows()[0]; row.ConsensusWorseAt != "nowhere" || !strings.HasPrefix(row.ConsensusRandom, "-") {
		t.Errorf("consensus row %+v", row)
	}
}

// TestJSON checks quality.json: the rows and the checks of the report.
func TestJSON(t *testing.T) {
	rep := &Report{Options: Options{Seeds: 3, Budgets: []int{2, 3}, RandomSeeds: 20}, Suites: []SuiteResult{
		{Suite: Suite{Name: "planted", Known: true, Planted: 3}, Results: results([]float64{1.0, 1.1, 0.9}, []float64{1.11, 1.2, 1.0}, []float64{1.0, 1.1, 0.9}, []float64{1.11, 1.2, 1.0})},
		{Suite: Suite{Name: "supermarket"}, Skipped: "needs Debian's weka"},
	}}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows    []Summary         `json:"rows"`
		Checks  []Check           `json:"checks"`
		Skipped map[string]string `json:"skipped"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 1 || got.Rows[0].Suite != "planted" || !strings.Contains(got.Rows[0].TagRandom, "better") {
		t.Errorf("rows %+v", got.Rows)
	}
	if len(got.Checks) != 4 || !got.Checks[0].Met || !got.Checks[1].Met || got.Skipped["supermarket"] == "" {
		t.Errorf("checks %+v, skipped %v", got.Checks, got.Skipped)
	}
}

// TestRunChecksEverySuiteFirst checks that a configuration one suite
// refuses stops the benchmark before any suite trains: the first suite
// (12 tasks) accepts budget 10, the second (9 tasks) does not.
func TestRunChecksEverySuiteFirst(t *testing.T) {
	open := func(families int) func() (data.Dataset, error) {
		return func() (data.Dataset, error) {
			return planted.New(planted.Options{Families: families, N: 200, Seed: 1})
		}
	}
	suites := []Suite{{Name: "twelve", Open: open(4)}, {Name: "nine", Open: open(3)}}
	dir := filepath.Join(t.TempDir(), "bench")
	_, err := Run(context.Background(), suites, Options{Dir: dir, Seeds: 1, Budgets: []int{10}, Methods: []string{experiment.MTL, experiment.TAG}})
	var ce *experiment.ConfigError
	if !errors.As(err, &ce) || err.Error() != "suite nine: budget 10 is more than the 9 tasks (a budget is a number of networks, each serving at least one task)" {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s was written (%v)", dir, err)
	}
}
