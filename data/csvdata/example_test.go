package csvdata_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/csvdata"
)

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "csvdata")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "people.csv")
	content := "height,weight,smoker,blood_group,age\n"
	for i := range 40 {
		content += fmt.Sprintf("%d,%d,%d,%d,%g\n", 150+i, 50+i%20, i%2, 1+i%4, 20+float64(i)/2)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	ds, err := csvdata.Load(path, csvdata.Options{Targets: []string{"smoker", "blood_group", "age"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range ds.Tasks() {
		fmt.Println(t.Name, t.Kind, t.Classes)
	}
	fmt.Println("input:", ds.InputShape())
	fmt.Println("rows:", ds.Len(data.Train)+ds.Len(data.Validation)+ds.Len(data.Test))
	// Output:
	// smoker binary 2
	// blood_group multiclass 4
	// age regression 0
	// input: [2]
	// rows: 40
}

// A multi-label table where only some labels are targets: the other label
// becomes an input unless -features (Options.Features) lists the inputs.
func ExampleDataset_LeakageWarnings() {
	dir, _ := os.MkdirTemp("", "csvdata")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "labels.csv")
	content := "x,cat,dog\n"
	for i := range 60 {
		cat := i % 2
		content += fmt.Sprintf("%d,%d,%d\n", i*7%61, cat, 1-cat) // dog = not cat
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	ds, err := csvdata.Load(path, csvdata.Options{Targets: []string{"cat"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := ds.(*csvdata.Dataset)
	fmt.Println(d.Features())
	for _, w := range d.LeakageWarnings() {
		fmt.Println(w)
	}
	// Output:
	// [x dog]
	// feature "dog" looks like a target: 2 distinct values, association 1.00 with task "cat" on the training split (≥ 0.50); if it is a label, leave it out with -features
}
