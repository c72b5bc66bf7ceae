package csvdata

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tagroup/tag/data"
)

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// expectedSplit recomputes a line's split with the standard library FNV-1a.
func expectedSplit(seed uint64, line string, val, test float64) data.Split {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(line))
	u := float64(mix64(h.Sum64())>>11) / (1 << 53)
	switch {
	case u < test:
		return data.Test
	case u < test+val:
		return data.Validation
	}
	return data.Train
}

// randomTable makes a CSV with features f0..f2, an unused text column, a
// binary target b, a {-1,1} target s, a 3-class target m with values
// 3/5/7 and a regression target r. Rows are returned as parsed numbers.
func randomTable(n int, seed uint64) (string, []string, [][]float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	var sb strings.Builder
	sb.WriteString("f0, f1,note,b,f2,s,m,r\r\n")
	lines := make([]string, n)
	rows := make([][]float64, n)
	for i := range n {
		row := []float64{
			math.Round(r.NormFloat64()*1000) / 100, float64(r.IntN(50)), float64(r.IntN(2)),
			math.Round(r.NormFloat64()*1e4) / 1e3, float64(2*r.IntN(2) - 1), float64(3 + 2*r.IntN(3)),
			math.Round(r.Float64()*1e4) / 1e2,
		}
		rows[i] = row
		lines[i] = fmt.Sprintf("%g,%g,x%d,%g,%g,%g,%g,%g", row[0], row[1], i, row[2], row[3], row[4], row[5], row[6])
		sb.WriteString(lines[i] + "\r\n")
	}
	return sb.String(), lines, rows
}

func TestLoadRoundTrip(t *testing.T) {
	const n = 600
	content, lines, rows := randomTable(n, 7)
	path := writeFile(t, "t.csv", content)
	opt := Options{Targets: []string{"b", "s", "m", "r"}, Features: []string{"f0", "f1", "f2"}, Seed: 42, ValFraction: 0.2}
	ds, err := Load(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	wantTasks := []data.Task{
		{Name: "b", Kind: data.Binary, Classes: 2}, {Name: "s", Kind: data.Binary, Classes: 2},
		{Name: "m", Kind: data.MultiClass, Classes: 3}, {Name: "r", Kind: data.Regression},
	}
	if got := ds.Tasks(); !slices.Equal(got, wantTasks) {
		t.Fatalf("tasks %v, want %v", got, wantTasks)
	}
	if got := ds.InputShape(); !slices.Equal(got, []int{3}) {
		t.Fatalf("input shape %v", got)
	}
	// Independent computation: splits by hash/fnv, statistics in float64.
	var bySplit [3][][]float64
	for i, l := range lines {
		s := expectedSplit(42, l, 0.2, 0.1)
		bySplit[s] = append(bySplit[s], rows[i])
	}
	featCols := []int{0, 1, 3}
	mean := make([]float64, 3)
	std := make([]float64, 3)
	tr := bySplit[data.Train]
	for f, c := range featCols {
		for _, row := range tr {
			mean[f] += row[c]
		}
		mean[f] /= float64(len(tr))
		for _, row := range tr {
			std[f] += (row[c] - mean[f]) * (row[c] - mean[f])
		}
		std[f] = math.Sqrt(std[f] / float64(len(tr)))
	}
	classOf := map[float64]float64{-1: 0, 1: 1, 3: 0, 5: 1, 7: 2}
	for s := data.Train; s <= data.Test; s++ {
		want := bySplit[s]
		if ds.Len(s) != len(want) {
			t.Fatalf("%v: %d rows, want %d", s, ds.Len(s), len(want))
		}
		idx := make([]int, len(want))
		for i := range idx {
			idx[i] = i
		}
		x := make([]float32, len(idx)*3)
		y := make([]float32, len(idx)*4)
		if err := ds.Fill(s, idx, x, y); err != nil {
			t.Fatal(err)
		}
		for i, row := range want {
			for f, c := range featCols {
				w := (row[c] - mean[f]) / std[f]
				if math.Abs(float64(x[i*3+f])-w) > 1e-4 {
					t.Fatalf("%v row %d feature %d: %v, want %v", s, i, f, x[i*3+f], w)
				}
			}
			wy := []float64{row[2], classOf[row[4]], classOf[row[5]], row[6]}
			for k, w := range wy {
				if math.Abs(float64(y[i*4+k])-w) > 1e-3 {
					t.Fatalf("%v row %d target %d: %v, want %v", s, i, k, y[i*4+k], w)
				}
			}
		}
	}
	notes := strings.Join(ds.(data.Noter).Notes(), "\n")
	for _, w := range []string{`task "s" classes: 0=-1, 1=1`, `task "m" classes: 0=3, 1=5, 2=7`} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}

func TestKinds(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("x,zo,pm,three,frac,many,big\n")
	for i := range 60 {
		fmt.Fprintf(&sb, "%d,%d,%d,%d,%g,%d,%d\n", i, i%2, 2*(i%2)-1, 10*(i%3), float64(i)/4, i%30, i%3)
	}
	path := writeFile(t, "k.csv", sb.String())
	tests := []struct {
		target  string
		kinds   map[string]data.Kind
		want    data.Task
		wantErr string
	}{
		{target: "zo", want: data.Task{Name: "zo", Kind: data.Binary, Classes: 2}},
		{target: "pm", want: data.Task{Name: "pm", Kind: data.Binary, Classes: 2}},
		{target: "three", want: data.Task{Name: "three", Kind: data.MultiClass, Classes: 3}},
		{target: "frac", want: data.Task{Name: "frac", Kind: data.Regression}},
		{target: "many", want: data.Task{Name: "many", Kind: data.Regression}},
		{target: "many", kinds: map[string]data.Kind{"many": data.MultiClass}, want: data.Task{Name: "many", Kind: data.MultiClass, Classes: 30}},
		{target: "zo", kinds: map[string]data.Kind{"zo": data.Regression}, want: data.Task{Name: "zo", Kind: data.Regression}},
		{target: "big", kinds: map[string]data.Kind{"big": data.Binary}, wantErr: `k.csv: target column 7 "big": binary needs exactly 2 distinct values, found 3`},
		{target: "frac", kinds: map[string]data.Kind{"frac": data.MultiClass}, wantErr: `target column 5 "frac": multiclass needs integer values`},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.target, tc.kinds), func(t *testing.T) {
			ds, err := Load(path, Options{Targets: []string{tc.target}, Features: []string{"x"}, Kinds: tc.kinds})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ds.Tasks()[0]; got != tc.want {
				t.Fatalf("task %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	good := "a,b,t\n1,2,0\n3,4,1\n5,6,0\n"
	tests := []struct {
		name, content string
		opt           Options
		want          string
	}{
		{"empty", "", Options{Targets: []string{"t"}}, "e.csv: empty file"},
		{"header only", "a,b,t\n", Options{Targets: []string{"t"}}, "e.csv: no data rows"},
		{"duplicate header", "a,b,a,t\n1,2,3,0\n", Options{Targets: []string{"t"}}, `e.csv:1: column 3 "a" has the same name as column 1`},
		{"unknown target", good, Options{Targets: []string{"q"}}, `e.csv:1: no target column "q"`},
		{"unknown feature", good, Options{Targets: []string{"t"}, Features: []string{"zz"}}, `e.csv:1: no feature column "zz"`},
		{"target as feature", good, Options{Targets: []string{"t"}, Features: []string{"t"}}, `column 3 "t" is named twice`},
		{"no targets", good, Options{}, "no target columns"},
		{"missing value", "a,b,t\n1,2,0\n3,,1\n", Options{Targets: []string{"t"}}, `e.csv:3: column 2 "b": missing value`},
		{"non-numeric", "a,b,t\n1,2,0\n3,4,1\n5,six,0\n", Options{Targets: []string{"t"}}, `e.csv:4: column 2 "b": value "six" is not a finite number`},
		{"nan", "a,b,t\n1,NaN,0\n", Options{Targets: []string{"t"}}, `e.csv:2: column 2 "b": value "NaN"`},
		{"missing target", "a,b,t\n1,2,\n", Options{Targets: []string{"t"}}, `e.csv:2: column 3 "t": missing value`},
		{"short row", "a,b,t\n1,2,0\n3,4\n", Options{Targets: []string{"t"}}, "e.csv:3: 2 fields, the header has 3 columns"},
		{"long row", "a,b,t\n1,2,0,9\n", Options{Targets: []string{"t"}}, "e.csv:2: 4 fields, the header has 3 columns"},
		{"unclosed quote", "a,b,t\n1,\"2,0\n", Options{Targets: []string{"t"}}, "e.csv:2: column"},
		{"constant target", "a,b,t\n1,2,1\n3,4,1\n", Options{Targets: []string{"t"}}, `e.csv: target column 3 "t" is constant: all 2 rows have the value 1`},
		{"kind for non-target", good, Options{Targets: []string{"t"}, Kinds: map[string]data.Kind{"a": data.Binary}}, `a kind is given for "a", which is not a target`},
		{"bad fractions", good, Options{Targets: []string{"t"}, ValFraction: 0.5, TestFraction: 0.5}, "must be non-negative with a sum below 1"},
		{"all targets", "a,t\n1,0\n2,1\n", Options{Targets: []string{"a", "t"}}, "no feature columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "e.csv", tc.content)
			_, err := Load(path, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.csv"), Options{Targets: []string{"t"}}); err == nil || !strings.Contains(err.Error(), "absent.csv") {
		t.Fatalf("missing file: %v", err)
	}
}

// idsBySplit loads path with the regression target "id" and returns the ids
// in each split.
func idsBySplit(t *testing.T, path string, seed uint64) [3][]float32 {
	t.Helper()
	ds, err := Load(path, Options{Targets: []string{"id"}, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var out [3][]float32
	for s := data.Train; s <= data.Test; s++ {
		n := ds.Len(s)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		x := make([]float32, n*data.InputSize(ds))
		out[s] = make([]float32, n)
		if err := ds.Fill(s, idx, x, out[s]); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out[s])
	}
	return out
}

// TestQuotedFields checks that quoted fields may hold commas and quotes and
// that quoted numbers parse like plain ones.
func TestQuotedFields(t *testing.T) {
	content := "id,note,x,t\n" +
		"1,\"hello, world\",0.5,0\n" +
		"2,\"say \"\"hi\"\", twice\",\"1.5\",1\n" +
		"3,plain,2.5,0\n" +
		"4,\"a,b,c\",3.5,1\n"
	ds, err := Load(writeFile(t, "q.csv", content), Options{Targets: []string{"t"}, Features: []string{"x"}, ValFraction: 0.01, TestFraction: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range []data.Split{data.Train, data.Validation, data.Test} {
		total += ds.Len(s)
	}
	if total != 4 {
		t.Fatalf("read %d rows, want 4", total)
	}
	// Every x value is read: with standardization, the training-split
	// values have mean 0 whatever split each row fell in.
	n := ds.Len(data.Train)
	x, y := make([]float32, n), make([]float32, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if err := ds.Fill(data.Train, idx, x, y); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	if math.Abs(sum) > 1e-5 {
		t.Errorf("standardized training features sum to %g, want 0", sum)
	}
}

func TestSplitStability(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,v\n")
	for i := range 500 {
		fmt.Fprintf(&sb, "%d.5,%d\n", i, i*i%17)
	}
	old := writeFile(t, "old.csv", sb.String())
	for i := 500; i < 800; i++ {
		fmt.Fprintf(&sb, "%d.5,%d\n", i, i*i%17)
	}
	grown := writeFile(t, "grown.csv", sb.String())

	a, a2 := idsBySplit(t, old, 3), idsBySplit(t, old, 3)
	b := idsBySplit(t, grown, 3)
	other := idsBySplit(t, old, 4)
	for s := range 3 {
		if !slices.Equal(a[s], a2[s]) {
			t.Fatalf("split %d differs between two loads with the same seed", s)
		}
		var oldInGrown []float32
		for _, id := range b[s] {
			if id < 500 {
				oldInGrown = append(oldInGrown, id)
			}
		}
		if !slices.Equal(a[s], oldInGrown) {
			t.Fatalf("split %d: appending rows moved old rows: %d before, %d after", s, len(a[s]), len(oldInGrown))
		}
	}
	if slices.Equal(a[0], other[0]) {
		t.Fatal("a different seed gave the same training split")
	}
	// 500 rows at 0.8/0.1/0.1: the sizes are binomial; 6 standard deviations.
	if n := len(a[data.Train]); math.Abs(float64(n)-400) > 6*math.Sqrt(500*0.8*0.2) {
		t.Fatalf("train split has %d of 500 rows", n)
	}
}

func TestFillErrorsAndConcurrency(t *testing.T) {
	content, _, _ := randomTable(300, 1)
	ds, err := Load(writeFile(t, "c.csv", content), Options{Targets: []string{"b", "r"}, Features: []string{"f0", "f1", "f2"}})
	if err != nil {
		t.Fatal(err)
	}
	n := ds.Len(data.Train)
	x := make([]float32, 2*3)
	y := make([]float32, 2*2)
	if err := ds.Fill(data.Train, []int{0, n}, x, y); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("index out of range: %v", err)
	}
	if err := ds.Fill(data.Train, []int{0, 1}, x[:3], y); err == nil {
		t.Fatal("short x accepted")
	}
	// Concurrent readers see the same values as a sequential one.
	want := make([]float32, n*3)
	wantY := make([]float32, n*2)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	if err := ds.Fill(data.Train, all, want, wantY); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			gx := make([]float32, 3)
			gy := make([]float32, 2)
			for i := g; i < n; i += 4 {
				if err := ds.Fill(data.Train, []int{i}, gx, gy); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(gx, want[i*3:i*3+3]) || !slices.Equal(gy, wantY[i*2:i*2+2]) {
					errs <- fmt.Errorf("example %d differs", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestLongLine(t *testing.T) {
	// A header wider than the 1 MiB read buffer.
	const nf = 120000
	var sb strings.Builder
	for i := range nf {
		sb.WriteString("c" + strconv.Itoa(i) + ",")
	}
	sb.WriteString("t\n")
	for r := range 4 {
		for i := range nf {
			sb.WriteString(strconv.Itoa((i + r) % 7))
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(r % 2))
		sb.WriteByte('\n')
	}
	ds, err := Load(writeFile(t, "wide.csv", sb.String()), Options{Targets: []string{"t"}, ValFraction: 0.01, TestFraction: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.InputShape()[0]; got != nf {
		t.Fatalf("%d features, want %d", got, nf)
	}
}

// TestDigestNamesTheContent checks that the content digest in the notes
// changes when one value changes or the rows are reordered, and not when
// the same file is read again.
func TestDigestNamesTheContent(t *testing.T) {
	digest := func(content string) string {
		t.Helper()
		ds, err := Load(writeFile(t, "d.csv", content), Options{Targets: []string{"t"}})
		if err != nil {
			t.Fatal(err)
		}
		return ds.(*Dataset).Notes()[0]
	}
	base := "x,t\n1,0\n2,1\n3,0\n4,1\n"
	if first, second := digest(base), digest(base); first != second {
		t.Errorf("the same content gave two digests: %s, %s", first, second)
	}
	for _, other := range []string{"x,t\n1,0\n2,1\n3,0\n5,1\n", "x,t\n2,1\n1,0\n3,0\n4,1\n"} {
		if digest(other) == digest(base) {
			t.Errorf("%q and %q share the digest %s", other, base, digest(base))
		}
	}
}

// The digest of a CSV data set (data.Digest through Fingerprint) does not
// change with the target list, and does with the rows, the features and
// the split.
func TestDigestIgnoresTheTargetList(t *testing.T) {
	base := "x,y,a,b,c\n1,5,0,1,0\n2,4,1,1,0\n3,3,0,0,1\n4,2,1,0,1\n5,1,0,1,1\n6,0,1,0,0\n"
	dir := t.TempDir()
	digest := func(content string, opt Options) string {
		t.Helper()
		path := filepath.Join(dir, "d.csv")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		ds, err := Load(path, opt)
		if err != nil {
			t.Fatal(err)
		}
		d, err := data.Digest(ds)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	xy := []string{"x", "y"}
	first := digest(base, Options{Targets: []string{"a", "b"}, Features: xy})
	if d := digest(base, Options{Targets: []string{"a", "b", "c"}, Features: xy}); d != first {
		t.Error("adding a target changed the digest")
	}
	if d := digest(base, Options{Targets: []string{"c"}, Features: xy}); d != first {
		t.Error("other targets changed the digest")
	}
	for name, d := range map[string]string{
		"a value":    digest(strings.Replace(base, "6,0,1,0,0", "6,0,1,0,1", 1), Options{Targets: []string{"a", "b"}, Features: xy}),
		"features":   digest(base, Options{Targets: []string{"a", "b"}, Features: []string{"x"}}),
		"split seed": digest(base, Options{Targets: []string{"a", "b"}, Features: xy, Seed: 3}),
		"fractions":  digest(base, Options{Targets: []string{"a", "b"}, Features: xy, ValFraction: 0.2}),
	} {
		if d == first {
			t.Errorf("another %s kept the digest", name)
		}
	}
}
