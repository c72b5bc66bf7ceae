package weka

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagroup/tag/data"
)

const small = `% a comment
@relation shop
@attribute 'bread and cake' { t}
@attribute fruit {t}
@attribute 'total' { low, high} % low < 100

@data
t,?,high
?,?,low
t,t,low
`

func TestToCSV(t *testing.T) {
	var b bytes.Buffer
	if err := ToCSV(&b, strings.NewReader(small), "shop.arff"); err != nil {
		t.Fatal(err)
	}
	want := "bread and cake,fruit,total\n1,0,1\n0,0,0\n1,1,0\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	for _, c := range []struct{ arff, want string }{
		{strings.Replace(small, "t,t,low", "t,t,medium", 1), `shop.arff:10: attribute "total": value "medium" is not one of {low, high}`},
		{strings.Replace(small, "t,t,low", "t,low", 1), "shop.arff:10: 2 values, want 3"},
		{strings.Replace(small, "?,?,low", "?,?,?", 1), `shop.arff:9: attribute "total": value "?"`},
		{strings.Replace(small, "fruit {t}", "fruit numeric", 1), `shop.arff:4: attribute "fruit": only nominal`},
		{strings.Replace(small, "@data", "", 1), "unexpected line before @data"},
	} {
		if err := ToCSV(&bytes.Buffer{}, strings.NewReader(c.arff), "shop.arff"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestSupermarketSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.arff")
	if err := os.WriteFile(path, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Supermarket(Options{Path: path, Targets: []string{"fruit"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ds.Features(), ","); got != "bread and cake,total" || ds.Tasks()[0].Kind != data.Binary {
		t.Errorf("features %s, tasks %+v", got, ds.Tasks())
	}
	if _, err := Supermarket(Options{Path: filepath.Join(t.TempDir(), "none.arff")}); err == nil || !strings.Contains(err.Error(), "apt-get install weka") {
		t.Errorf("missing file: %v", err)
	}
}

// The installed file: 4627 baskets, 217 columns, of which those ever set
// (less the targets) are features; each target's positive count over all
// splits equals the number of "t" in its column, counted here directly
// from the file's text.
func TestSupermarketInstalled(t *testing.T) {
	if _, err := os.Stat(SupermarketPath); err != nil {
		t.Skipf("SKIP: Weka's supermarket.arff not installed (%v); apt-get install %s", err, Package)
	}
	ds, err := Supermarket(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Naive count of "t" (and of "high" for total) per column.
	f, err := os.Open(SupermarketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var names []string
	counts := map[string]int{}
	inData := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "@attribute '"):
			names = append(names, strings.SplitN(line, "'", 3)[1])
		case strings.HasPrefix(line, "@data"):
			inData = true
		case inData && line != "":
			for k, v := range strings.Split(line, ",") {
				if v == "t" || v == "high" {
					counts[names[k]]++
				}
			}
		}
	}
	// Features: the columns set in some basket, less the targets.
	wantFeatures := -len(DefaultTargets)
	for _, c := range counts {
		if c > 0 {
			wantFeatures++
		}
	}
	n := ds.Len(data.Train) + ds.Len(data.Validation) + ds.Len(data.Test)
	if len(names) != 217 || n != 4627 || len(ds.Features()) != wantFeatures || len(ds.Tasks()) != len(DefaultTargets) {
		t.Fatalf("%d columns, %d rows, %d features (want %d), %d tasks", len(names), n, len(ds.Features()), wantFeatures, len(ds.Tasks()))
	}
	nt := len(ds.Tasks())
	got := make([]int, nt)
	for s := data.Train; s <= data.Test; s++ {
		idx := make([]int, ds.Len(s))
		for i := range idx {
			idx[i] = i
		}
		y := make([]float32, len(idx)*nt)
		if err := ds.FillTargets(s, idx, y); err != nil {
			t.Fatal(err)
		}
		for k := range y {
			got[k%nt] += int(y[k])
		}
	}
	for ti, task := range ds.Tasks() {
		if got[ti] != counts[task.Name] {
			t.Errorf("%s: %d positives, the file has %d", task.Name, got[ti], counts[task.Name])
		}
	}
}
