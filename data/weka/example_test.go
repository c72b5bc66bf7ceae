package weka_test

import (
	"fmt"

	"github.com/tagroup/tag/data/weka"
)

// Open the supermarket baskets as installed by `apt-get install weka`,
// predicting three departments from the others. (Not run as a test: it
// needs the package.)
func ExampleSupermarket() {
	ds, err := weka.Supermarket(weka.Options{Targets: []string{"fruit", "beef", "pet foods"}})
	if err != nil {
		fmt.Println(err) // names the package to install when it is missing
		return
	}
	fmt.Println(len(ds.Tasks()), "tasks from", len(ds.Features()), "columns")
}
