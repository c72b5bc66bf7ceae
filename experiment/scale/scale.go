// Package scale is the scale benchmark of `tag bench scale`: for several
// numbers of planted tasks (families of known membership, package
// data/planted), it measures what grouping costs and whether it finds
// the families.
//
// For each task count n it runs, each in a process of its own so that
// their peak memories are separate (the peak resident set of the child,
// VmHWM):
//
//   - a plain run: `tag affinity` measuring only once (-every 100000),
//     the cost of training all tasks together with the same outputs;
//   - an affinity run: `tag affinity` with the default recipe and
//     estimator;
//
// then selects, in this process, the groups at every requested budget
// (rule zsum, one pass: selection.SolveMatrixAll) from the affinity run's
// matrix, with each budget's search time and proven gap, and scores the
// groups at the planted budget (the number of families) against the
// families with the adjusted Rand index. Optionally, at the task counts up
// to a limit, it runs `tag run` with methods tag and random at the planted
// budget over several seeds and reports TAG's total test loss against the
// random groupings' (paired by seed, 95% interval).
package scale

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

// Options configure Run.
type Options struct {
	// Sizes are the task counts, each a positive multiple of FamilySize
	// (none: Run does nothing).
	Sizes []int
	// FamilySize is the number of tasks per planted family (default 10).
	FamilySize int
	// Dim is the planted data's input dimension (default 64).
	Dim int
	// DataSeed is the planted data's seed (default 3).
	DataSeed uint64
	// Budgets are the selection budgets (numbers of networks); those above
	// n are left out at n, and the planted budget is always added.
	Budgets []int
	// Dir holds one folder per task count with the children's outputs.
	Dir string
	// Command is the tag command: the executable and the arguments before
	// the sub-command (usually none). Env is its environment (nil: this
	// process's).
	Command []string
	Env     []string
	// Extra are further arguments of every child `tag affinity` and
	// `tag run` (e.g. -epochs 1), given before the plain run's own
	// -every, which holds.
	Extra []string
	// QualityUpTo, if positive, runs the quality comparison at the task
	// counts up to it, with QualitySeeds seeds (default 3).
	QualityUpTo  int
	QualitySeeds int
	// Log receives progress lines and the children's standard error
	// (nil: discarded).
	Log io.Writer
}

// Child is the cost of one child process.
type Child struct {
	// Wall is its wall-clock time, start to exit.
	Wall time.Duration
	// TrainSeconds is the training time the run recorded (run.json).
	TrainSeconds float64
	// PeakBytes is its peak resident memory (0 where the system does not
	// report it).
	PeakBytes int64
	// Estimator is the affinity estimator the run used.
	Estimator string
}

// Budget is the selection at one budget.
type Budget struct {
	K       int
	Score   float64
	Bound   float64
	Gap     float64
	Optimal bool
	// Seconds is the search's own time on this budget (without the work
	// budgets share).
	Seconds float64
}

// Quality is TAG against random groupings at the planted budget.
type Quality struct {
	Budget int
	Seeds  int
	// Tag and Random are the mean total test losses over seeds.
	Tag, Random float64
	// Diff is the mean of tag − random paired by seed, with its 95%
	// interval [Lo, Hi] (nil when it cannot be computed) and the outcome
	// ("better", "worse", "cannot tell").
	Diff    float64
	Lo, Hi  *float64 `json:",omitempty"`
	Outcome string
	Seconds float64
}

// Row is the benchmark at one task count.
type Row struct {
	Tasks, Families int
	// Data is the -data argument of the children.
	Data            string
	Plain, Affinity Child
	// SelectSeconds is the time of the one pass over every budget.
	SelectSeconds float64
	Budgets       []Budget
	// ARI is the adjusted Rand index of the groups at the planted budget
	// with the families.
	ARI     float64
	Quality *Quality `json:",omitempty"`
}

// Ratio is the affinity run's wall time over the plain run's.
func (r Row) Ratio() float64 { return r.Affinity.Wall.Seconds() / r.Plain.Wall.Seconds() }

// WorstGap is the largest gap over the budgets as a share of the score
// (NaN when no score is positive).
func (r Row) WorstGap() float64 {
	worst := -1.0
	for _, b := range r.Budgets {
		if b.Score > 0 {
			worst = max(worst, b.Gap/b.Score)
		}
	}
	if worst < 0 {
		return math.NaN()
	}
	return worst
}

// PlantedGap is the gap at the planted budget as a share of the score.
func (r Row) PlantedGap() float64 {
	for _, b := range r.Budgets {
		if b.K == r.Families && b.Score > 0 {
			return b.Gap / b.Score
		}
	}
	return math.NaN()
}

// Check fills the zero values of o with the defaults and checks it, so
// that bad options are refused before anything runs.
func (o *Options) Check() error {
	if o.FamilySize == 0 {
		o.FamilySize = 10
	}
	if o.Dim == 0 {
		o.Dim = 64
	}
	if o.DataSeed == 0 {
		o.DataSeed = 3
	}
	if o.QualitySeeds == 0 {
		o.QualitySeeds = 3
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	switch {
	case o.FamilySize < 2:
		return fmt.Errorf("family size %d: want at least 2", o.FamilySize)
	case o.Dim < 1:
		return fmt.Errorf("input dimension %d: want at least 1", o.Dim)
	case len(o.Command) == 0:
		return errors.New("no tag command")
	case o.Dir == "":
		return errors.New("no directory")
	}
	for _, n := range o.Sizes {
		if n < 2*o.FamilySize || n%o.FamilySize != 0 {
			return fmt.Errorf("%d tasks: want a multiple of the family size %d with at least two families", n, o.FamilySize)
		}
	}
	for _, k := range o.Budgets {
		if k < 1 {
			return fmt.Errorf("budget %d: want at least 1", k)
		}
	}
	return nil
}

// Spec is the -data argument of the planted data with n tasks.
func (o Options) Spec(n int) string {
	return fmt.Sprintf("planted:families=%d,size=%d,dim=%d,seed=%d", n/o.FamilySize, o.FamilySize, o.Dim, o.DataSeed)
}

// Run runs the benchmark at every task count of o.Sizes, in order, and
// returns a row per count.
func Run(ctx context.Context, o Options) ([]Row, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	var rows []Row
	for _, n := range o.Sizes {
		row, err := o.runSize(ctx, n)
		if err != nil {
			return rows, fmt.Errorf("%d tasks: %w", n, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// runSize is the benchmark at n tasks.
func (o Options) runSize(ctx context.Context, n int) (Row, error) {
	row := Row{Tasks: n, Families: n / o.FamilySize, Data: o.Spec(n)}
	dir := filepath.Join(o.Dir, strconv.Itoa(n))
	var err error
	fmt.Fprintf(o.Log, "%d tasks: plain run\n", n)
	if row.Plain, err = o.affinityRun(ctx, row.Data, filepath.Join(dir, "plain"), "-every", "100000"); err != nil {
		return row, fmt.Errorf("plain run: %w", err)
	}
	fmt.Fprintf(o.Log, "%d tasks: affinity run\n", n)
	affDir := filepath.Join(dir, "affinity")
	if row.Affinity, err = o.affinityRun(ctx, row.Data, affDir); err != nil {
		return row, fmt.Errorf("affinity run: %w", err)
	}
	m, err := taskmatrix.ReadFile(experiment.Layout{Dir: affDir}.AffinityCSV())
	if err != nil {
		return row, err
	}
	if err := o.selectAll(m, &row); err != nil {
		return row, err
	}
	if o.QualityUpTo >= n {
		fmt.Fprintf(o.Log, "%d tasks: tag run, methods tag and random, budget %d, %d seeds\n", n, row.Families, o.QualitySeeds)
		q, err := o.quality(ctx, row.Data, row.Families, filepath.Join(dir, "run"))
		if err != nil {
			return row, fmt.Errorf("tag run: %w", err)
		}
		row.Quality = q
	}
	return row, nil
}

// affinityRun runs `tag affinity` on data into dir with the extra
// arguments and returns its cost.
func (o Options) affinityRun(ctx context.Context, data, dir string, args ...string) (Child, error) {
	// args come after the user's Extra, so that the plain run's
	// -every 100000 holds whatever Extra says (the last flag wins).
	argv := append([]string{"affinity", "-data", data, "-out", dir, "-force"}, o.Extra...)
	c, err := o.child(ctx, append(argv, args...))
	if err != nil {
		return c, err
	}
	var rec struct {
		Seconds  float64 `json:"seconds"`
		Affinity struct {
			Estimator string `json:"estimator"`
		} `json:"affinity"`
	}
	b, err := atomicfile.ReadFile(experiment.Layout{Dir: dir}.RunRecord())
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil {
		return c, err
	}
	c.TrainSeconds, c.Estimator = rec.Seconds, rec.Affinity.Estimator
	if c.Estimator == "" {
		c.Estimator = "exact"
	}
	return c, nil
}

// child runs the tag command with args, its standard error going to the
// log, and returns its wall time and peak memory.
func (o Options) child(ctx context.Context, args []string) (Child, error) {
	cmd := exec.CommandContext(ctx, o.Command[0], append(o.Command[1:len(o.Command):len(o.Command)], args...)...)
	cmd.Env = o.Env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, io.MultiWriter(o.Log, &stderr)
	start := time.Now()
	err := cmd.Run()
	c := Child{Wall: time.Since(start)}
	if err != nil {
		return c, fmt.Errorf("tag %s: %w: %s", strings.Join(args, " "), err, lastLine(stderr.String()))
	}
	c.PeakBytes = peakBytes(cmd.ProcessState)
	return c, nil
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// selectAll selects the groups at every budget of o (at most n, with the
// planted one) in one pass and scores the planted budget's groups.
func (o Options) selectAll(m *taskmatrix.Matrix, row *Row) error {
	ks := []int{}
	for _, k := range o.Budgets {
		if k <= row.Tasks && k != row.Families {
			ks = append(ks, k)
		}
	}
	ks = append(ks, row.Families)
	slices.Sort(ks)
	bs := make([]selection.Budget, len(ks))
	for i, k := range ks {
		bs[i] = selection.MaxNetworks(k)
	}
	start := time.Now()
	res, err := selection.SolveMatrixAll(m, selection.RuleZSum, bs,
		selection.Options{Seed: 1, SpendBudget: selection.DefaultSpendBudget})
	if err != nil {
		return err
	}
	row.SelectSeconds = time.Since(start).Seconds()
	for i, r := range res {
		row.Budgets = append(row.Budgets, Budget{K: ks[i], Score: r.Score, Bound: r.Bound, Gap: r.Gap,
			Optimal: r.Optimal, Seconds: r.Elapsed.Seconds()})
	}
	families, err := familyLabels(m.Tasks, row.Families, o.FamilySize)
	if err != nil {
		return err
	}
	row.ARI, err = stats.AdjustedRand(res[slices.Index(ks, row.Families)].Assignment, families)
	return err
}

// familyLabels is the planted family of each task, of families families
// of size tasks.
func familyLabels(tasks []string, families, size int) ([]int, error) {
	family := map[string]int{}
	for f := range families {
		for k := range size {
			family[planted.TaskName(f, k, families, size)] = f
		}
	}
	labels := make([]int, len(tasks))
	for i, t := range tasks {
		f, ok := family[t]
		if !ok {
			return nil, fmt.Errorf("task %q is not a planted task", t)
		}
		labels[i] = f
	}
	return labels, nil
}

// quality runs `tag run` with tag and random at budget k and reads TAG's
// comparison with random groupings from its results.
func (o Options) quality(ctx context.Context, data string, k int, dir string) (*Quality, error) {
	args := []string{"run", "-data", data, "-methods", experiment.TAG + "," + experiment.Random, "-budgets", strconv.Itoa(k),
		"-seeds", strconv.Itoa(o.QualitySeeds), "-out", dir, "-no-report"}
	c, err := o.child(ctx, append(args, o.Extra...))
	if err != nil {
		return nil, err
	}
	f, err := os.Open(experiment.Layout{Dir: dir}.Results())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := experiment.ReadResults(f)
	if err != nil {
		return nil, err
	}
	q := &Quality{Budget: k, Seeds: o.QualitySeeds, Outcome: experiment.CannotTell,
		Seconds: c.Wall.Seconds()}
	key := strconv.Itoa(k)
	mean := func(m string) float64 {
		if mr := r.Methods[m]; mr != nil && mr.Budgets[key] != nil {
			return mr.Budgets[key].TotalTestLoss
		}
		return 0
	}
	q.Tag, q.Random = mean(experiment.TAG), mean(experiment.Random)
	if r.Analysis != nil {
		for _, c := range r.Analysis.Comparisons {
			if c.Method == experiment.TAG && c.Baseline == experiment.Random && c.Budget == key {
				q.Diff, q.Lo, q.Hi, q.Outcome = c.Mean, c.Lo, c.Hi, c.Outcome
			}
		}
	}
	return q, nil
}

// WriteTable prints the rows: a line per task count with the runs' costs,
// the selection and the agreement with the families; then a line per
// budget with its search time and gap; then the quality comparisons.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tasks\tplain s\taffinity s\tratio\testimator\tplain train s\taffinity train s\tplain peak MB\taffinity peak MB\tselect s (all budgets)\tworst gap (positive scores)\tgap at planted k\tARI at planted k\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f\t%.2f\t%s\t%.1f\t%.1f\t%.0f\t%.0f\t%.2f\t%s\t%s\t%.3f\t\n", r.Tasks, r.Plain.Wall.Seconds(),
			r.Affinity.Wall.Seconds(), r.Ratio(), r.Affinity.Estimator, r.Plain.TrainSeconds, r.Affinity.TrainSeconds,
			mb(r.Plain.PeakBytes), mb(r.Affinity.PeakBytes), r.SelectSeconds, percent(r.WorstGap()), percent(r.PlantedGap()), r.ARI)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nselection per budget (rule zsum, one pass; seconds of each budget's own search):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tasks\tbudget\tscore\tbound\tgap (share of a positive score)\ts\t")
	for _, r := range rows {
		for _, b := range r.Budgets {
			gap := "optimal"
			switch {
			case b.Optimal:
			case b.Score > 0:
				gap = fmt.Sprintf("%.4g = %s", b.Gap, percent(b.Gap/b.Score))
			default:
				gap = fmt.Sprintf("%.4g", b.Gap)
			}
			fmt.Fprintf(tw, "%d\t%d\t%.4g\t%.4g\t%s\t%.3f\t\n", r.Tasks, b.K, b.Score, b.Bound, gap, b.Seconds)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if q := r.Quality; q != nil {
			iv := "no interval"
			if q.Lo != nil && q.Hi != nil {
				iv = fmt.Sprintf("[%+.4g, %+.4g] (95%%)", *q.Lo, *q.Hi)
			}
			fmt.Fprintf(w, "\n%d tasks, budget %d, %d seeds: total test loss tag %.4g, random %.4g; tag − random %+.4g %s: %s (tag run %.0f s)\n",
				r.Tasks, q.Budget, q.Seeds, q.Tag, q.Random, q.Diff, iv, q.Outcome, q.Seconds)
		}
	}
	return nil
}

// mb is bytes in MB (10⁶).
func mb(b int64) float64 { return float64(b) / 1e6 }

// percent writes a share as a percentage ("–" for NaN).
func percent(x float64) string {
	if x != x {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", 100*x)
}
