// Package planted generates tabular multi-task data with a known task
// grouping, so that tests can check that affinity estimation and network
// selection recover it.
//
// The generator, for F families of T tasks each on a D-dimensional input:
//
//  1. Draw F·R orthonormal directions in R^D (Gram–Schmidt on Gaussian
//     vectors); family f owns R of them, U_f (D×R). The remaining D−F·R
//     directions carry no signal.
//  2. Draw every input x ~ N(0, I_D) and project it: z_f = U_fᵀ x, which is
//     standard normal in R^R and independent across families.
//  3. Task k of family f scores s = a_kᵀ z_f + β·σ_f·(‖z_f‖² − R), where
//     the unit vectors a_k lie in the first two latent coordinates at
//     angles spread evenly over a 60° fan around a random family angle,
//     σ_f = ±1 is drawn per family and β = Curvature. A binary task is
//     1[s > t_k] with a threshold t_k uniform in [−0.3, 0.3], its label
//     flipped with probability Noise; a regression task is s + Noise·ε
//     with ε ~ N(0,1).
//
// So tasks of one family are nearby cuts of the same R-dimensional latent
// space with the same radial feature ‖z_f‖² (their labels are strongly
// correlated, and a trunk that learns the family's features serves all of
// its tasks: positive transfer). Tasks of different
// families depend on orthogonal directions and are statistically
// independent: a deliberately narrow shared trunk (fewer than about F·(R+1)
// units) cannot represent every family at once and families compete for
// it. TrueGroups returns the families.
//
// When Families·Rank exceeds InputDim (many families on few inputs, e.g.
// 100 families of rank 2 on 64 inputs), the families cannot all have
// orthogonal directions: each family then draws its own R orthonormal
// directions independently of the others, so directions of two families
// have a small random overlap (cosines of order 1/√D) and tasks of
// different families are only nearly independent.
//
// Task names are the family's letter and the task's number ("a0", "b2")
// while there are at most 26 families of at most 10 tasks; beyond that
// they are "f<family>_t<task>" with zero-padded numbers ("f007_t3"), so
// that they sort in family order. ParseSpec reads the options from a
// "key=value,..." string, the form `tag` accepts after "planted:".
package planted

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
)

// fan is the angle (radians) over which the task directions of one family
// are spread.
const fan = math.Pi / 3

// DefaultFamilies and DefaultTasksPerFamily are the family count and
// family size of Options left zero.
const (
	DefaultFamilies       = 3
	DefaultTasksPerFamily = 3
)

// Options configure New; zero values select the defaults.
type Options struct {
	// Families is the number of task families (default DefaultFamilies).
	Families int
	// TasksPerFamily is the number of tasks in each family (default
	// DefaultTasksPerFamily).
	TasksPerFamily int
	// InputDim is the number of input features (default the larger of 16
	// and Families·Rank). Below Families·Rank the families' directions are
	// drawn independently (see the package comment).
	InputDim int
	// Rank is the dimension of each family's latent space (default 2).
	Rank int
	// N is the number of examples (default 6000), split 80/10/10 in index
	// order into train, validation and test.
	N int
	// Noise is the label flip probability of binary tasks or the standard
	// deviation of the additive noise of regression tasks (default 0.05;
	// negative means none).
	Noise float64
	// Curvature is β, the weight of the radial term (default 0.5; negative
	// means 0, giving linear tasks).
	Curvature float64
	// Regression makes every task a regression task instead of binary.
	Regression bool
	// Seed selects the random draws.
	Seed uint64
}

// Dataset is a generated planted-structure data set. It implements
// data.Dataset, data.TargetFiller and data.Noter and is safe for concurrent
// use.
type Dataset struct {
	table.Table
	opt    Options
	tasks  []data.Task
	groups [][]string
	// dirs holds the family directions: dirs[f][r] is a unit vector in R^D.
	dirs [][][]float64
}

func (o *Options) defaults() error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Families, DefaultFamilies)
	def(&o.TasksPerFamily, DefaultTasksPerFamily)
	def(&o.Rank, 2)
	def(&o.InputDim, max(16, o.Families*o.Rank))
	def(&o.N, 6000)
	switch {
	case o.Noise == 0:
		o.Noise = 0.05
	case o.Noise < 0:
		o.Noise = 0
	}
	switch {
	case o.Curvature == 0:
		o.Curvature = 0.5
	case o.Curvature < 0:
		o.Curvature = 0
	}
	switch {
	case o.Families < 1:
		return fmt.Errorf("planted: Families = %d, want at least 1", o.Families)
	case o.TasksPerFamily < 1:
		return fmt.Errorf("planted: TasksPerFamily = %d, want at least 1", o.TasksPerFamily)
	case o.Rank < 1:
		return fmt.Errorf("planted: Rank = %d, want at least 1", o.Rank)
	case o.InputDim < o.Rank:
		return fmt.Errorf("planted: InputDim = %d, want at least Rank = %d", o.InputDim, o.Rank)
	case o.N < 10:
		return fmt.Errorf("planted: N = %d, want at least 10", o.N)
	case !o.Regression && o.Noise >= 0.5:
		return fmt.Errorf("planted: Noise = %g is a label flip probability, want below 0.5", o.Noise)
	}
	return nil
}

// TaskName is the name of task k of family f in a data set of families
// families of size tasks each: the family's letter and the task's number
// ("a0", "b2") when families ≤ 26 and size ≤ 10, else "f<f>_t<k>" with the
// numbers zero-padded to the width of families−1 and size−1 ("f07_t3").
func TaskName(f, k, families, size int) string {
	if families <= 26 && size <= 10 {
		return fmt.Sprintf("%c%d", 'a'+f, k)
	}
	return fmt.Sprintf("f%0*d_t%0*d", digits(families-1), f, digits(size-1), k)
}

// digits is the number of decimal digits of v ≥ 0.
func digits(v int) int { return len(strconv.Itoa(v)) }

// New generates the data set described by opt.
func New(opt Options) (*Dataset, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	F, T, D, R := opt.Families, opt.TasksPerFamily, opt.InputDim, opt.Rank
	d := &Dataset{opt: opt}
	for f := range F {
		var g []string
		for k := range T {
			name := TaskName(f, k, F, T)
			g = append(g, name)
			if opt.Regression {
				d.tasks = append(d.tasks, data.Task{Name: name, Kind: data.Regression})
			} else {
				d.tasks = append(d.tasks, data.Task{Name: name, Kind: data.Binary, Classes: 2})
			}
		}
		d.groups = append(d.groups, g)
	}
	rs := rand.New(rand.NewPCG(opt.Seed, 0))
	var basis [][]float64
	if F*R <= D {
		basis = orthonormal(rs, D, F*R)
	} else {
		for range F {
			basis = append(basis, orthonormal(rs, D, R)...)
		}
	}
	// Task parameters: direction in latent space, curvature sign, threshold.
	type taskRule struct {
		a         []float64
		sign, thr float64
	}
	rules := make([]taskRule, F*T)
	for f := range F {
		d.dirs = append(d.dirs, basis[f*R:(f+1)*R])
		center := rs.Float64() * 2 * math.Pi
		sign := 1.0
		if rs.IntN(2) == 1 {
			sign = -1
		}
		for k := range T {
			a := make([]float64, R)
			theta := center
			if T > 1 {
				theta += fan * (float64(k)/float64(T-1) - 0.5)
			}
			a[0] = math.Cos(theta)
			if R > 1 {
				a[1] = math.Sin(theta)
			}
			rules[f*T+k] = taskRule{a: a, sign: sign, thr: 0.6*rs.Float64() - 0.3}
		}
	}
	nt := F * T
	d.Table = table.Table{Label: "planted", InSize: D, NTasks: nt}
	nv := opt.N / 10
	bounds := [4]int{0, opt.N - 2*nv, opt.N - nv, opt.N}
	rx := rand.New(rand.NewPCG(opt.Seed, 1))
	x := make([]float64, D)
	z := make([]float64, R)
	for s := data.Train; s <= data.Test; s++ {
		n := bounds[s+1] - bounds[s]
		X := make([]float32, 0, n*D)
		Y := make([]float32, 0, n*nt)
		for range n {
			for j := range x {
				x[j] = rx.NormFloat64()
				X = append(X, float32(x[j]))
			}
			for f := range F {
				radial := -float64(R)
				for r := range R {
					z[r] = dot(d.dirs[f][r], x)
					radial += z[r] * z[r]
				}
				for k := range T {
					rule := rules[f*T+k]
					score := dot(rule.a, z) + opt.Curvature*rule.sign*radial
					var y float64
					if opt.Regression {
						y = score + opt.Noise*rx.NormFloat64()
					} else {
						if score > rule.thr {
							y = 1
						}
						if rx.Float64() < opt.Noise {
							y = 1 - y
						}
					}
					Y = append(Y, float32(y))
				}
			}
		}
		d.X[s], d.Y[s] = X, Y
	}
	return d, nil
}

// orthonormal returns k orthonormal vectors in R^n (k ≤ n) from Gaussian
// draws by modified Gram–Schmidt.
func orthonormal(r *rand.Rand, n, k int) [][]float64 {
	out := make([][]float64, 0, k)
	for len(out) < k {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		for _, u := range out {
			p := dot(u, v)
			for i := range v {
				v[i] -= p * u[i]
			}
		}
		norm := math.Sqrt(dot(v, v))
		if norm < 1e-6 {
			continue // numerically dependent draw; draw again
		}
		for i := range v {
			v[i] /= norm
		}
		out = append(out, v)
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Name describes the data set and its options.
func (d *Dataset) Name() string {
	o := d.opt
	kind := "binary"
	if o.Regression {
		kind = "regression"
	}
	return fmt.Sprintf("planted(%s,families=%d,tasks=%d,dim=%d,rank=%d,n=%d,noise=%g,seed=%d)",
		kind, o.Families, o.TasksPerFamily, o.InputDim, o.Rank, o.N, o.Noise, o.Seed)
}

// Options returns the options the data set was generated with, defaults
// filled in.
func (d *Dataset) Options() Options { return d.opt }

// Features is the number of features a shared trunk needs to serve every
// family at once: the input directions the families read (Families·Rank,
// at most InputDim, as beyond it the directions overlap and span only the
// input) and, when Curvature > 0, one radial feature ‖z_f‖² per family.
// With the defaults (3 families of rank 2, 16 inputs) it is 9.
func (d *Dataset) Features() int {
	o := d.opt
	n := min(o.Families*o.Rank, o.InputDim)
	if o.Curvature > 0 {
		n += o.Families
	}
	return n
}

// Tasks lists the tasks family by family.
func (d *Dataset) Tasks() []data.Task { return slices.Clone(d.tasks) }

// InputShape is [InputDim].
func (d *Dataset) InputShape() []int { return []int{d.opt.InputDim} }

// TrueGroups returns the planted families: the task names of each family.
func (d *Dataset) TrueGroups() [][]string {
	out := make([][]string, len(d.groups))
	for i, g := range d.groups {
		out[i] = slices.Clone(g)
	}
	return out
}

// Notes states the planted grouping.
func (d *Dataset) Notes() []string {
	o := d.opt
	first := fmt.Sprintf("%d families of %d tasks; each family reads its own %d orthonormal input directions (%d of %d input directions carry signal)",
		o.Families, o.TasksPerFamily, o.Rank, o.Families*o.Rank, o.InputDim)
	if o.Families*o.Rank > o.InputDim {
		first = fmt.Sprintf("%d families of %d tasks; each family reads its own %d orthonormal input directions, drawn independently of the other families' (%d·%d > %d inputs: families overlap slightly)",
			o.Families, o.TasksPerFamily, o.Rank, o.Families, o.Rank, o.InputDim)
	}
	notes := []string{first}
	for _, g := range d.groups {
		notes = append(notes, fmt.Sprintf("true group: %v", g))
	}
	return notes
}

// ParseSpec reads Options from a comma-separated list of key=value pairs,
// e.g. "families=30,size=10,dim=64,seed=3". Keys: families, size (tasks per
// family), dim (InputDim), rank, n, noise, curvature, seed and regression
// (true or false). Absent keys keep the zero value (the default), except
// seed, which defaults to 1 as for the registered "planted" data set. An
// unknown key or a malformed value is an error naming it.
func ParseSpec(spec string) (Options, error) {
	o := Options{Seed: 1}
	ints := map[string]*int{"families": &o.Families, "size": &o.TasksPerFamily, "dim": &o.InputDim, "rank": &o.Rank, "n": &o.N}
	floats := map[string]*float64{"noise": &o.Noise, "curvature": &o.Curvature}
	for _, kv := range strings.Split(spec, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var err error
		switch {
		case !ok:
			return o, fmt.Errorf("planted: %q is not key=value", kv)
		case ints[k] != nil:
			*ints[k], err = strconv.Atoi(v)
		case floats[k] != nil:
			*floats[k], err = strconv.ParseFloat(v, 64)
		case k == "seed":
			o.Seed, err = strconv.ParseUint(v, 10, 64)
		case k == "regression":
			o.Regression, err = strconv.ParseBool(v)
		default:
			return o, fmt.Errorf("planted: unknown option %q (known: families, size, dim, rank, n, noise, curvature, seed, regression)", k)
		}
		if err != nil {
			return o, fmt.Errorf("planted: %s=%q: not a valid value", k, v)
		}
	}
	return o, nil
}
