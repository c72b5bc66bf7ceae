package mnist_test

import (
	"fmt"

	"github.com/tagroup/tag/data/mnist"
)

// Open Fashion-MNIST as installed by `apt-get install dataset-fashion-mnist`,
// with three clothing attributes and at most 1000 images per split. (Not
// run as a test: it needs the package.)
func ExampleNewFashionAttributes() {
	ds, err := mnist.NewFashionAttributes(mnist.Options{Limit: 1000}, "footwear", "top", "winter")
	if err != nil {
		fmt.Println(err) // names the package to install when it is missing
		return
	}
	fmt.Println(ds.Name(), len(ds.Tasks()), ds.InputShape())
}
