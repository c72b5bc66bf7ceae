package skdigits_test

import (
	"fmt"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/skdigits"
)

// Open scikit-learn's digits as installed by `apt-get install
// python3-sklearn` with two of the digit attributes. (Not run as a test:
// it needs the package; with it, it prints
// "sklearn-digits(seed=1) [even prime] 1439 179 179".)
func ExampleNew() {
	ds, err := skdigits.New(skdigits.Options{Seed: 1}, "even", "prime")
	if err != nil {
		fmt.Println(err) // names the package to install when it is missing
		return
	}
	names := []string{}
	for _, t := range ds.Tasks() {
		names = append(names, t.Name)
	}
	fmt.Println(ds.Name(), names, ds.Len(data.Train), ds.Len(data.Validation), ds.Len(data.Test))
}
