package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const groupCSV = ",a,b,c,d\na,0,0.8,-0.2,-0.3\nb,0.6,0,-0.1,-0.2\nc,-0.4,-0.2,0,0.5\nd,-0.3,-0.1,0.7,0\n"

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGroupJSON checks the --json contract on a matrix whose best
// groupings are worked out by hand: with one network all four tasks score
// (0.6-0.4-0.3 + 0.8-0.2-0.1 + -0.2-0.1+0.7 + -0.3-0.2+0.5)/3/4; with two
// the pairs {a,b} and {c,d} score (0.6+0.8+0.5+0.7)/4.
func TestGroupJSON(t *testing.T) {
	f := writeTemp(t, "aff.csv", groupCSV)
	var out, errb bytes.Buffer
	if code := run([]string{"group", "--affinity", f, "--rule", "paper", "--budget", "1,2", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out.String())
	}
	want := []struct {
		budget float64
		groups string
		score  float64
		assign map[string]int
	}{
		{1, `[["a","b","c","d"]]`, (0.6 - 0.4 - 0.3 + 0.8 - 0.2 - 0.1 - 0.2 - 0.1 + 0.7 - 0.3 - 0.2 + 0.5) / 3 / 4, map[string]int{"a": 0, "b": 0, "c": 0, "d": 0}},
		{2, `[["a","b"],["c","d"]]`, (0.6 + 0.8 + 0.5 + 0.7) / 4, map[string]int{"a": 0, "b": 0, "c": 1, "d": 1}},
	}
	for i, w := range want {
		var got struct {
			Budget     float64         `json:"budget"`
			Groups     json.RawMessage `json:"groups"`
			Score      float64         `json:"score"`
			Optimal    bool            `json:"optimal"`
			Bound      float64         `json:"bound"`
			Assignment map[string]int  `json:"assignment"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if got.Budget != w.budget || string(got.Groups) != w.groups || math.Abs(got.Score-w.score) > 1e-12 ||
			!got.Optimal || got.Bound != got.Score || fmt.Sprint(got.Assignment) != fmt.Sprint(w.assign) {
			t.Errorf("line %d: got %s", i+1, lines[i])
		}
	}
}

// TestGroupTable checks the readable form and the loss rule with
// Standley's costs: at cost 1.5, {a,b} and {c,d} as one network each would
// cost 2, so the search must trade.
func TestGroupTable(t *testing.T) {
	loss := ",a,b,c\na,1,0.7,2\nb,0.8,1,2\nc,1.5,1.5,1\n"
	f := writeTemp(t, "loss.csv", loss)
	var out, errb bytes.Buffer
	if code := run([]string{"group", "--losses", f, "--budget", "1,1.5", "--cost", "standley"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{"mean loss", "1.5  ", "0.833333", "{a b} {c}", "optimal"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

// TestGroupBadInput runs each kind of bad input through run: exit status 2,
// a one-line error naming the file, row/column or flag, nothing on stdout.
func TestGroupBadInput(t *testing.T) {
	good := writeTemp(t, "good.csv", groupCSV)
	one := writeTemp(t, "one.csv", ",a\na,0\n")
	big := func() string {
		var b strings.Builder
		b.WriteString("")
		for i := 0; i < 65; i++ {
			fmt.Fprintf(&b, ",t%d", i)
		}
		b.WriteString("\n")
		for i := 0; i < 65; i++ {
			fmt.Fprintf(&b, "t%d%s\n", i, strings.Repeat(",0", 65))
		}
		return writeTemp(t, "big.csv", b.String())
	}()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"non-square", []string{"--affinity", writeTemp(t, "ns.csv", ",a,b\na,0,1\nb,1\n"), "--budget", "2"}, "ns.csv: line 3 (b): 1 values for 2 tasks (not square)"},
		{"unknown task", []string{"--affinity", writeTemp(t, "unk.csv", ",a,b\na,0,1\nz,1,0\n"), "--budget", "2"}, `unk.csv: line 3: row task "z" is not in the header`},
		{"duplicate task", []string{"--affinity", writeTemp(t, "dup.csv", ",a,a\na,0,1\na,1,0\n"), "--budget", "2"}, "dup.csv: task \"a\" appears twice"},
		{"NaN", []string{"--affinity", writeTemp(t, "nan.csv", ",a,b\na,0,NaN\nb,1,0\n"), "--budget", "2"}, "nan.csv: line 2, column 3 (a → b)"},
		{"Inf in JSON", []string{"--losses", writeTemp(t, "inf.json", `{"tasks":["a","b"],"matrix":[[0,1],[1e999,0]]}`), "--budget", "2"}, "inf.json: "},
		{"empty file", []string{"--affinity", writeTemp(t, "empty.csv", " \n"), "--budget", "2"}, "empty.csv: empty file"},
		{"budget zero", []string{"--affinity", good, "--budget", "2,0"}, "-budget"},
		{"budget not a number", []string{"--affinity", good, "--budget", "two"}, "-budget"},
		{"one task", []string{"--affinity", one, "--rule", "paper", "--budget", "3"}, "holds 1 task (a): there is nothing to group"},
		{"unknown rule", []string{"--affinity", good, "--rule", "mean", "--budget", "2"}, `-rule "mean": want one of zsum, paper`},
		{"rule with losses", []string{"--losses", good, "--rule", "paper", "--budget", "2"}, "-rule applies to -affinity only"},
		{"singletons with zsum", []string{"--affinity", good, "--allow-singletons", "--budget", "2"}, "apply to -rule paper only"},
		{"singleton score with zsum", []string{"--affinity", good, "--rule", "zsum", "--singleton-score", "1", "--budget", "2"}, "apply to -rule paper only"},
		{"standley budget too small", []string{"--losses", good, "--cost", "standley", "--budget", "1.5,0.5"}, "-budget 0.5: cannot cover"},
		{"standley below half", []string{"--losses", good, "--cost", "standley", "--budget", "0.25"}, "-budget"},
		{"too many tasks for the paper's rule", []string{"--affinity", big, "--rule", "paper", "--budget", "2"}, "big.csv: 65 tasks; -rule paper searches at most 64"},
		{"too many tasks for a cap", []string{"--affinity", big, "--budget", "7", "--max-group-size", "10"}, "big.csv: 65 tasks; -max-group-size is supported up to 64"},
		{"too many tasks for standley", []string{"--affinity", big, "--cost", "standley", "--budget", "7"}, "big.csv: 65 tasks; -cost standley is supported up to 64"},
		{"missing matrix", []string{"--budget", "2"}, "missing -affinity"},
		{"both matrices", []string{"--affinity", good, "--losses", good, "--budget", "2"}, "not both"},
		{"missing budget", []string{"--affinity", good}, "missing -budget"},
		{"unknown cost", []string{"--affinity", good, "--budget", "2", "--cost", "gpu"}, "-cost"},
		{"cap cannot cover", []string{"--affinity", good, "--budget", "2,1", "--max-group-size", "3"}, "-budget 1 with -max-group-size 3: cannot cover"},
		{"negative cap", []string{"--affinity", good, "--budget", "2", "--max-group-size", "-2"}, "-max-group-size -2"},
		{"missing file", []string{"--affinity", filepath.Join(t.TempDir(), "nope.csv"), "--budget", "2"}, "nope.csv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"group"}, c.args...), &out, &errb)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errb.String())
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty: %q", out.String())
			}
			msg := strings.TrimSpace(errb.String())
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.want) {
				t.Errorf("stderr %q: want one line containing %q", msg, c.want)
			}
		})
	}
}

// TestGroupRule checks -rule: the default is zsum, -json records the rule,
// and on a matrix with a few strong pairs in weak noise the paper's rule
// isolates the pairs beside one large group while zsum splits the tasks
// evenly, keeping each pair together.
func TestGroupRule(t *testing.T) {
	f := writeTemp(t, "pairs.csv", pairsInNoiseCSV())
	for _, tc := range []struct {
		args    []string
		rule    string
		largest int
	}{{nil, "zsum", 4}, {[]string{"-rule", "zsum"}, "zsum", 4}, {[]string{"-rule", "paper"}, "paper", 8}} {
		var out, errb bytes.Buffer
		args := append([]string{"group", "-affinity", f, "-budget", "3", "-json"}, tc.args...)
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errb.String())
		}
		var got struct {
			Rule   string     `json:"rule"`
			Groups [][]string `json:"groups"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		largest := 0
		for _, g := range got.Groups {
			largest = max(largest, len(g))
		}
		if got.Rule != tc.rule || largest != tc.largest || len(got.Groups) != 3 {
			t.Errorf("%v: rule %q, groups %v; want rule %q, 3 groups, the largest of %d", tc.args, got.Rule, got.Groups, tc.rule, tc.largest)
		}
		if tc.rule == "zsum" && !together(got.Groups, "p0", "p1") {
			t.Errorf("%v: groups %v split the pair p0, p1", tc.args, got.Groups)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"group", "-affinity", f, "-budget", "3"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "mean summed z-affinity") {
		t.Errorf("table: exit %d, %q", code, out.String())
	}
}

// pairsInNoiseCSV is a ten-task affinity matrix: the pairs {p0,p1} and
// {q0,q1} help each other strongly (1), every other entry is a small
// deterministic pattern around 0.1, and each target's column has its own
// scale (10^-(j mod 3)).
func pairsInNoiseCSV() string {
	names := []string{"p0", "p1", "q0", "q1", "t4", "t5", "t6", "t7", "t8", "t9"}
	var b strings.Builder
	b.WriteString("," + strings.Join(names, ",") + "\n")
	for i, n := range names {
		b.WriteString(n)
		for j := range names {
			v := 0.1 + 0.05*float64((3*i+7*j)%5-2)
			if i == j {
				v = 0
			} else if i/2 == j/2 && i < 4 {
				v = 1
			}
			fmt.Fprintf(&b, ",%g", v*math.Pow(10, -float64(j%3)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// together reports whether some group holds both a and b.
func together(groups [][]string, a, b string) bool {
	for _, g := range groups {
		if slices.Contains(g, a) && slices.Contains(g, b) {
			return true
		}
	}
	return false
}

// TestGroupMaxSize checks -max-group-size on eight tasks where two strong
// pairs leave a group of the four others without a cap: with a cap of 3
// and three networks every group must hold at most 3 tasks, and all tasks
// must still be covered.
func TestGroupMaxSize(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	var b strings.Builder
	b.WriteString("," + strings.Join(names, ",") + "\n")
	for i, n := range names {
		b.WriteString(n)
		for j := range names {
			v := 1.0
			switch {
			case i == j:
				v = 0
			case i/2 == j/2 && i < 4:
				v = 5 // the pairs {a,b} and {c,d}
			}
			fmt.Fprintf(&b, ",%g", v)
		}
		b.WriteString("\n")
	}
	f := writeTemp(t, "aff8.csv", b.String())
	for _, tc := range []struct {
		cap      string
		wantSize int
	}{{"0", 4}, {"3", 3}} {
		var out, errb bytes.Buffer
		if code := run([]string{"group", "-affinity", f, "-rule", "paper", "-budget", "3", "-max-group-size", tc.cap, "-json"}, &out, &errb); code != 0 {
			t.Fatalf("cap %s: exit %d: %s", tc.cap, code, errb.String())
		}
		var got struct {
			Groups [][]string `json:"groups"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("cap %s: %v", tc.cap, err)
		}
		largest, covered := 0, map[string]bool{}
		for _, g := range got.Groups {
			largest = max(largest, len(g))
			for _, n := range g {
				covered[n] = true
			}
		}
		if largest != tc.wantSize || len(covered) != len(names) || len(got.Groups) > 3 {
			t.Errorf("cap %s: groups %v: largest %d (want %d), %d tasks covered", tc.cap, got.Groups, largest, tc.wantSize, len(covered))
		}
	}
}

// TestGroupSpendBudget checks -spend-budget: with zsum every budget up to
// the number of tasks (10) is used in full; without it, budgets 9 and 10
// get 8 groups (the two strong pairs together).
func TestGroupSpendBudget(t *testing.T) {
	f := writeTemp(t, "pairs.csv", pairsInNoiseCSV())
	for _, k := range []string{"2", "5", "9", "10"} {
		var out, errb bytes.Buffer
		if code := run([]string{"group", "-affinity", f, "-budget", k, "-spend-budget", "-json"}, &out, &errb); code != 0 {
			t.Fatalf("k=%s: exit %d: %s", k, code, errb.String())
		}
		var got struct {
			Groups [][]string `json:"groups"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(len(got.Groups)) != k {
			t.Errorf("k=%s: %d groups %v, want all %s networks used", k, len(got.Groups), got.Groups, k)
		}
	}
}

// plantedCSV is an n-task affinity matrix in families of ten consecutive
// tasks: 1 inside a family, 0 outside, plus a small deterministic
// pattern, each target's column on its own scale.
func plantedCSV(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ",t%d", i)
	}
	b.WriteString("\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "t%d", i)
		for j := 0; j < n; j++ {
			v := 0.1 * float64((7*i+13*j)%11) / 11
			if i == j {
				v = 0
			} else if i/10 == j/10 {
				v += 1
			}
			fmt.Fprintf(&b, ",%g", v*math.Pow(10, -float64(j%3)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestGroupManyTasks runs tag group on 200 planted tasks: the table
// summarises each budget's groups by their sizes, -list-groups names
// them, -json recovers the twenty families at budget 20 with a proof, and
// a budget above the number of tasks is stated on stderr.
func TestGroupManyTasks(t *testing.T) {
	f := writeTemp(t, "planted.csv", plantedCSV(200))
	var out, errb bytes.Buffer
	if code := run([]string{"group", "-affinity", f, "-budget", "19,20,250"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "20 groups: 20×10") || !strings.Contains(s, "19 groups: 20, 18×10") ||
		!strings.Contains(s, "200 groups: 200×1") || !strings.Contains(s, "250 (capped at 200)") || strings.Contains(s, "t17") || strings.Count(s, "\n") != 4 {
		t.Errorf("table:\n%s", s)
	}
	if !strings.Contains(errb.String(), "budget 250: only 200 tasks") || !strings.Contains(errb.String(), "capped at 200 networks") {
		t.Errorf("stderr %q: want the budget above the number of tasks stated", errb.String())
	}
	out.Reset()
	if code := run([]string{"group", "-affinity", f, "-budget", "20", "-list-groups"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "{t10 t11 t12 t13 t14 t15 t16 t17 t18 t19}") {
		t.Errorf("-list-groups: exit %d:\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"group", "-affinity", f, "-budget", "20", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("-json: exit %d: %s", code, errb.String())
	}
	var got struct {
		Groups  [][]string `json:"groups"`
		Optimal bool       `json:"optimal"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 20 || !got.Optimal {
		t.Errorf("budget 20: %d groups, optimal %v; want the 20 families, proven", len(got.Groups), got.Optimal)
	}
	for _, g := range got.Groups {
		family := map[int]bool{}
		for _, name := range g {
			i, err := strconv.Atoi(strings.TrimPrefix(name, "t"))
			if err != nil {
				t.Fatal(err)
			}
			family[i/10] = true
		}
		if len(g) != 10 || len(family) != 1 {
			t.Errorf("group %v is not a planted family", g)
		}
	}
}
