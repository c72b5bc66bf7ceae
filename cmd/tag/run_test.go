package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/celeba"
	"github.com/tagroup/tag/data/csvdata"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/experiment/gomlxtrainer"
	"github.com/tagroup/tag/mtl"
)

func TestRunCSV(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "-data", csv, "-targets", "a,b,n,r", "-methods", "mtl,stl,tag,random", "-budgets", "2",
		"-epochs", "2", "-random-seeds", "2", "-workers", "2", "-out", out}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Total test loss (sum over 4 tasks", "Total test error", "tag", "random", "Cost of reaching the groups"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, f := range []string{"results.json", "manifest.json", "report.md", "affinity.csv", "plots/affinity.png", "plots/methods.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if md, err := os.ReadFile(filepath.Join(out, "report.md")); err != nil || !strings.Contains(string(md), `"learning_rate"`) {
		t.Errorf("report.md does not record the recipe (err %v)", err)
	}
	first, _ := os.ReadFile(filepath.Join(out, "results.json"))
	// The inputs a network saw are on stdout and in results.json.
	if !strings.Contains(stdout.String(), "features (") || !strings.Contains(string(first), `"features"`) {
		t.Errorf("feature columns missing from stdout or results.json:\n%s", stdout.String())
	}
	// Rerunning trains nothing and writes the same results.
	stdout.Reset()
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr.String())
	}
	if regexp.MustCompile(`(?m)^  \[\d+/\d+\] .* [0-9.]+s$`).MatchString(stderr.String()) {
		t.Errorf("rerun trained units:\n%s", stderr.String())
	}
	second, _ := os.ReadFile(filepath.Join(out, "results.json"))
	if !bytes.Equal(first, second) {
		t.Error("rerun changed results.json")
	}
	// The same folder with other data under the same file name and sizes
	// is refused: the CSV's content digest is part of the run's identity.
	content, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(content), "\n0", "\n9", 1)
	if edited == string(content) {
		t.Fatal("test CSV has no line starting with 0 to edit")
	}
	lens := func() [3]int {
		ds, err := csvdata.Load(csv, csvdata.Options{Targets: []string{"a", "b", "n", "r"}})
		if err != nil {
			t.Fatal(err)
		}
		return [3]int{ds.Len(data.Train), ds.Len(data.Validation), ds.Len(data.Test)}
	}
	before := lens()
	if err := os.WriteFile(csv, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if after := lens(); after != before {
		t.Fatalf("the edit moved a row between splits (%v → %v); edit another line so only the content differs", before, after)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "manifest.json") {
		t.Errorf("edited CSV: exit %d, stderr %q; want exit 2 naming manifest.json", code, stderr.String())
	}
	if err := os.WriteFile(csv, content, 0o644); err != nil {
		t.Fatal(err)
	}
	// The same folder with another recipe is refused as bad input.
	stdout.Reset()
	stderr.Reset()
	if code := run(append(args, "-epochs", "3"), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "manifest.json") {
		t.Errorf("other recipe: exit %d, stderr %q", code, stderr.String())
	}
}

// TestRunVarySplit checks -vary-split: the first seed's networks train on
// the split of -data-seed, as without the flag; the second seed's on the
// split of -data-seed + 1 (equal to a plain run with that split seed), and
// the run records that the split varies.
func TestRunVarySplit(t *testing.T) {
	csv := affinityCSV(t)
	base := []string{"run", "-data", csv, "-targets", "a,b,n", "-methods", "stl", "-budgets", "2", "-epochs", "1", "-workers", "1"}
	stl := func(extra ...string) []float64 {
		t.Helper()
		out := filepath.Join(t.TempDir(), "run")
		var stdout, stderr bytes.Buffer
		if code := run(append(append(slices.Clone(base), "-out", out), extra...), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr.String())
		}
		r := readResults(t, out)
		return r.Methods["stl"].Budgets["all"].TotalTestLossSeeds
	}
	varied := stl("-seeds", "2", "-vary-split", "-data-seed", "5")
	fixed := stl("-seeds", "2", "-data-seed", "5")
	second := stl("-seeds", "1", "-seed", "2", "-data-seed", "6")
	if varied[0] != fixed[0] {
		t.Errorf("seed 1: %v with -vary-split, %v without; the first seed must keep -data-seed's split", varied[0], fixed[0])
	}
	if varied[1] == fixed[1] || varied[1] != second[0] {
		t.Errorf("seed 2: %v with -vary-split, %v without, %v with -data-seed 6: want the split of -data-seed 6", varied[1], fixed[1], second[0])
	}
}

func TestRunBadInput(t *testing.T) {
	csv := affinityCSV(t) // a, b (a copy of a), n (noise), r (regression)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-budgets", "2,x"}, `-budgets: "x"`},
		{[]string{"-budgets", "0"}, `-budgets: "0"`},
		{[]string{"-budgets", "2,,3"}, `-budgets: "" is not a whole number`},
		{[]string{"-methods", "mtl,magic"}, `unknown method "magic"`},
		{[]string{"-targets", "a"}, "-targets needs -data"},
		{[]string{"-data", csv}, "needs --targets"},
		{[]string{"-data", csv, "-targets", "a,nope"}, "nope"},
		{[]string{"-data", csv, "-targets", "a,b", "-tasks", "t9"}, `-tasks:`},
		{[]string{"-data", csv, "-targets", "a,b", "-trunk", "cnn"}, "a cnn trunk needs images"},
		{[]string{"-data", csv, "-targets", "a,b", "-lookahead", "sideways"}, "-lookahead"},
		{[]string{"-data", csv, "-targets", "a,b", "-every", "-1"}, "-every -1"},
		{[]string{"-data", csv, "-targets", "a,b", "-workers", "0"}, "-workers 0"},
		{[]string{"-data", csv, "-celeba", t.TempDir(), "-targets", "a"}, "not both"},
		{[]string{"-data", csv, "-targets", "a,b,n,r", "-budgets", "2,3", "-max-group-size", "1"}, "budget 2 with a group-size cap of 1"},
		{[]string{"-data", csv, "-targets", "a,b", "-max-group-size", "-1"}, "-max-group-size -1"},
		{[]string{"-data", csv, "-targets", "a,b", "-rule", "best"}, `selection rule "best"`},
		{[]string{"-data", "planted", "-vary-split"}, "-vary-split: planted is not a CSV file"},
		{[]string{"-data", "planted", "-glyphs", "300"}, "-glyphs applies to the built-in glyph default only"},
		{[]string{"-data", csv, "-targets", "a,b", "-glyph-size", "24"}, "-glyph-size applies to the built-in glyph default only"},
		{[]string{"-executor", "pbs"}, `-executor "pbs": want local, slurm or k8s`},
		{[]string{"-executor", "k8s", "-k8s-pvc", "runs"}, "-executor k8s needs -k8s-image"},
		{[]string{"-executor", "k8s", "-k8s-image", "tag:1"}, "-executor k8s needs -k8s-pvc"},
		{[]string{"-executor", "slurm", "-max-parallel", "-1"}, "-max-parallel -1"},
		{[]string{"-executor", "slurm", "-retries", "-1"}, "-retries -1"},
		{[]string{"-executor", "slurm", "-poll", "0s"}, "-poll 0s"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		args := append([]string{"run", "-out", filepath.Join(t.TempDir(), "o")}, tc.args...)
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %q", tc.args, code, stderr.String(), stdout.String(), tc.want)
		}
	}
}

// TestRunRefusesUpFront checks the checks made before any training: each
// refusal is one line on standard error, exit status 2, and nothing is
// written.
func TestRunRefusesUpFront(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-data", "planted:families=10,size=10,n=200", "-methods", "mtl,hoa", "-budgets", "10"},
			"method hoa cannot run: trains 5050 networks per seed for 100 tasks, more than the 5000 a method may train"},
		{[]string{"-data", "planted:families=13,size=1,n=200", "-methods", "mtl,optimal"},
			"method optimal cannot run: trains 8191 networks per seed for 13 tasks"},
		{[]string{"-data", "planted:families=13,size=5,n=200", "-methods", "tag-paper", "-budgets", "13"},
			"method tag-paper cannot run: selection under rule paper at budget 13: "},
		{[]string{"-data", "planted", "-budgets", "2,12"}, "budget 12 is more than the 9 tasks"},
		{[]string{"-data", "planted", "-tasks", "a0,a1,b0", "-methods", "tag", "-budgets", "4"}, "budget 4 is more than the 3 tasks"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		out := filepath.Join(t.TempDir(), "o")
		code := run(append([]string{"run", "-out", out}, tc.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %q", tc.args, code, stderr.String(), stdout.String(), tc.want)
		}
		if lines := strings.Count(strings.TrimSuffix(stderr.String(), "\n"), "\n") + 1; lines != 1 {
			t.Errorf("%v: %d lines on standard error, want 1:\n%s", tc.args, lines, stderr.String())
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: %s was written (%v)", tc.args, out, err)
		}
	}
}

// celebaFixture writes n tiny JPEGs in the CelebA layout, labelled with the
// paper's attributes: attribute a of image i is set when the image is
// bright in the band that attribute a reads (so the labels are learnable),
// and image i is in split i%3.
func celebaFixture(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, celeba.ImageDir), 0o755); err != nil {
		t.Fatal(err)
	}
	attrs := celeba.PaperAttributes
	var attr, part strings.Builder
	fmt.Fprintf(&attr, "%d\n%s\n", n, strings.Join(attrs, " "))
	for i := range n {
		name := fmt.Sprintf("%06d.jpg", i+1)
		img := image.NewGray(image.Rect(0, 0, 18, 18))
		attr.WriteString(name)
		for a := range attrs {
			on := (i*7+a*3)%5 < 2
			for x := range 18 {
				if on {
					img.Pix[2*a*18+x] = 255
				}
			}
			attr.WriteString(map[bool]string{true: "  1", false: " -1"}[on])
		}
		attr.WriteString("\n")
		fmt.Fprintf(&part, "%s %d\n", name, i%3)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, celeba.ImageDir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for file, content := range map[string]string{celeba.AttrFile: attr.String(), celeba.PartitionFile: part.String()} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRunCeleba runs the experiment on a CelebA-layout folder end to end.
func TestRunCeleba(t *testing.T) {
	dir := celebaFixture(t, 60)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "-celeba", dir, "-size", "12", "-methods", "mtl,tag", "-budgets", "2", "-epochs", "1",
		"-workers", "2", "-out", out, "-no-report"}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sum over 9 tasks") {
		t.Fatalf("stdout lacks the 9-task table:\n%s", stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range celeba.PaperAttributes {
		if !strings.Contains(string(b), `"`+a+`"`) {
			t.Errorf("results.json lacks attribute %s", a)
		}
	}
}

func TestTunedRecipe(t *testing.T) {
	gl, err := glyphs.New(glyphs.Options{N: 100, Size: 12, Seed: 1, Tasks: []string{"bold", "left"}})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := planted.New(planted.Options{N: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := csvdata.Load(affinityCSV(t), csvdata.Options{Targets: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		ds        data.Dataset
		widths    []int
		optimizer string
		every     int
	}{
		{"glyphs", gl, []int{16}, mtl.OptimizerSGD, 2},
		// Planted families need about 9 units together; 8 make them compete.
		{"planted", pl, []int{8}, mtl.OptimizerSGD, 2},
		// Other data keep the package defaults.
		{"csv", csv, mtl.DefaultConfig(csv).Trunk.Widths, mtl.DefaultConfig(csv).Optimizer, affinity.DefaultOptions().Every},
	}
	for _, tc := range tests {
		cfg, aff := gomlxtrainer.Recipe(tc.ds)
		if !slices.Equal(cfg.Trunk.Widths, tc.widths) || cfg.Optimizer != tc.optimizer || aff.Every != tc.every {
			t.Errorf("%s: trunk %v, optimizer %s, every %d; want %v, %s, %d", tc.name, cfg.Trunk.Widths, cfg.Optimizer, aff.Every,
				tc.widths, tc.optimizer, tc.every)
		}
		// Flags override the recipe.
		f := recipeTestFlags(t, "-epochs", "3", "-every", "7")
		if err := f.recipe.apply(tc.ds, 0, &cfg, &aff); err != nil || cfg.Epochs != 3 || aff.Every != 7 {
			t.Errorf("%s with -epochs 3 -every 7: epochs %d, every %d, err %v", tc.name, cfg.Epochs, aff.Every, err)
		}
	}
}

// recipeTestFlags returns run flags whose recipe flags were parsed from args.
func recipeTestFlags(t *testing.T, args ...string) *runFlags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f := &runFlags{recipe: addRecipeFlags(fs)}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

// readResults reads DIR/results.json.
func readResults(t *testing.T, dir string) *experiment.Results {
	t.Helper()
	f, err := os.Open(experiment.Layout{Dir: dir}.Results())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := experiment.ReadResults(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
