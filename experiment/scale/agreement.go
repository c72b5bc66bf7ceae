package scale

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/selection"
	"github.com/tagroup/tag/stats"
	"github.com/tagroup/tag/taskmatrix"
)

// Estimators are the affinity estimators that Agree compares with exact
// Eq. 1, in order.
var Estimators = []string{"sampled", "firstorder"}

// EstimatorRun is one affinity run of Agree.
type EstimatorRun struct {
	// Estimator and Seed are the run's -estimator and -seed.
	Estimator string
	Seed      uint64
	Run       Child
	// VsExact is Spearman's rank correlation over the ordered pairs i ≠ j
	// of this run's affinity matrix with exact Eq. 1 under seed 1;
	// VsSameSeed with exact Eq. 1 under this run's seed (the estimator's
	// own error, the training being the same).
	VsExact, VsSameSeed float64
	// ARIExact is the adjusted Rand index of the groups at the budget
	// with exact seed 1's groups; ARIFamilies with the planted families
	// (nil for data without them).
	ARIExact    float64
	ARIFamilies *float64 `json:",omitempty"`
}

// Agreement is the comparison of the estimators with exact Eq. 1 on one
// data set.
type Agreement struct {
	Data   string
	Tasks  int
	Budget int
	// Runs are exact under seeds 1 and 2, then each of Estimators under
	// seed 2: exact seed 2 against exact seed 1 is the seed-to-seed
	// yardstick.
	Runs []EstimatorRun
}

// Agree runs `tag affinity` on data with the exact estimator under seeds 1
// and 2 and with each of Estimators under seed 2, each in its own process
// (with o.Extra), and compares their matrices with exact seed 1's: rank
// correlation over pairs, and the groups at budget k (rule zsum; 0: the
// number of planted families) against exact seed 1's groups and, for
// planted data ("planted:..."), the planted families.
func Agree(ctx context.Context, o Options, data string, k int) (*Agreement, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	families, size := 0, 0
	if spec, ok := strings.CutPrefix(data, "planted:"); ok {
		p, err := planted.ParseSpec(spec)
		if err != nil {
			return nil, err
		}
		families, size = cmp.Or(p.Families, planted.DefaultFamilies), cmp.Or(p.TasksPerFamily, planted.DefaultTasksPerFamily)
	}
	if k == 0 {
		k = families
	}
	if k < 1 {
		return nil, fmt.Errorf("agreement on %s: give a budget (the data have no planted families)", data)
	}
	a := &Agreement{Data: data, Budget: k}
	type spec struct {
		est  string
		seed uint64
	}
	specs := []spec{{"exact", 1}, {"exact", 2}}
	for _, e := range Estimators {
		specs = append(specs, spec{e, 2})
	}
	var ms []*taskmatrix.Matrix
	var groups [][]int
	for _, s := range specs {
		dir := filepath.Join(o.Dir, "agreement", dirName(data), fmt.Sprintf("%s-seed%d", s.est, s.seed))
		fmt.Fprintf(o.Log, "agreement on %s: %s, seed %d\n", data, s.est, s.seed)
		c, err := o.affinityRun(ctx, data, dir, "-estimator", s.est, "-seed", strconv.FormatUint(s.seed, 10))
		if err != nil {
			return nil, err
		}
		m, err := taskmatrix.ReadFile(experiment.Layout{Dir: dir}.AffinityCSV())
		if err != nil {
			return nil, err
		}
		res, err := selection.SolveMatrix(m, selection.RuleZSum, selection.MaxNetworks(k),
			selection.Options{Seed: 1, SpendBudget: selection.DefaultSpendBudget})
		if err != nil {
			return nil, err
		}
		ms, groups = append(ms, m), append(groups, res.Assignment)
		a.Runs = append(a.Runs, EstimatorRun{Estimator: s.est, Seed: s.seed, Run: c})
	}
	a.Tasks = ms[0].N()
	var fam []int
	if families > 0 {
		var err error
		if fam, err = familyLabels(ms[0].Tasks, families, size); err != nil {
			return nil, err
		}
	}
	for i := range a.Runs {
		r := &a.Runs[i]
		same := 0
		if r.Seed == 2 {
			same = 1
		}
		var err error
		if r.VsExact, err = rankAgreement(ms[i], ms[0]); err != nil {
			return nil, err
		}
		if r.VsSameSeed, err = rankAgreement(ms[i], ms[same]); err != nil {
			return nil, err
		}
		if r.ARIExact, err = stats.AdjustedRand(groups[i], groups[0]); err != nil {
			return nil, err
		}
		if fam != nil {
			v, err := stats.AdjustedRand(groups[i], fam)
			if err != nil {
				return nil, err
			}
			r.ARIFamilies = &v
		}
	}
	return a, nil
}

// rankAgreement is Spearman's correlation of a and b over the ordered
// pairs i ≠ j (1 for a matrix with itself).
func rankAgreement(a, b *taskmatrix.Matrix) (float64, error) {
	if a == b {
		return 1, nil
	}
	if !slices.Equal(a.Tasks, b.Tasks) {
		return 0, fmt.Errorf("the runs' task lists differ")
	}
	var x, y []float64
	for i := range a.Values {
		for j := range a.Values[i] {
			if i != j {
				x, y = append(x, a.Values[i][j]), append(y, b.Values[i][j])
			}
		}
	}
	return stats.Spearman(x, y)
}

// dirName is data as a folder name.
func dirName(data string) string {
	return strings.Map(func(r rune) rune {
		if r == ':' || r == ',' || r == '=' || r == '/' {
			return '-'
		}
		return r
	}, data)
}

// WriteAgreement prints a line per run of a: its cost against exact seed
// 1's, its rank agreement with exact Eq. 1 and its groups' agreement.
func WriteAgreement(w io.Writer, a *Agreement) error {
	fmt.Fprintf(w, "\n%s, %d tasks: agreement with exact Eq. 1 (Spearman over the %d ordered pairs; groups at budget %d, rule zsum)\n",
		a.Data, a.Tasks, a.Tasks*(a.Tasks-1), a.Budget)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "estimator\tseed\twall s\t÷ exact seed 1\tpeak MB\tρ vs exact seed 1\tρ vs exact same seed\tARI vs exact seed 1\tARI vs families\t")
	base := a.Runs[0].Run.Wall.Seconds()
	for _, r := range a.Runs {
		fam := "–"
		if r.ARIFamilies != nil {
			fam = fmt.Sprintf("%.3f", *r.ARIFamilies)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%.0f\t%.3f\t%.3f\t%.3f\t%s\t\n", r.Estimator, r.Seed, r.Run.Wall.Seconds(),
			r.Run.Wall.Seconds()/base, mb(r.Run.PeakBytes), r.VsExact, r.VsSameSeed, r.ARIExact, fam)
	}
	return tw.Flush()
}
