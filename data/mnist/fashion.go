package mnist

import (
	"fmt"
	"os"
	"path/filepath"
)

// FashionDir is where Debian's package dataset-fashion-mnist installs the
// Fashion-MNIST idx files (Xiao, Rasul & Vollgraf, 2017; © 2017 Zalando SE,
// MIT licence): 60000 training and 10000 test 28×28 grey images of ten
// kinds of clothing, in the layout and file names of MNIST.
const FashionDir = "/usr/share/datasets/fashion-mnist"

// FashionPackage is the Debian package that ships FashionDir.
const FashionPackage = "dataset-fashion-mnist"

// FashionClasses names the ten Fashion-MNIST labels in label order.
var FashionClasses = [10]string{"t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"}

// FashionAttributes are binary attributes of the clothing kinds of
// FashionClasses (Digits lists the labels that have each): what the item
// is worn on, its sleeves, its season and its fastening. They are
// properties of the class as we define them, not annotations of each image
// (a "shirt" counts as long-sleeved and buttoned, which most are), and they
// cut the ten classes in overlapping, partly conflicting ways, like
// DigitAttributes do for digits.
var FashionAttributes = []Attribute{
	{"footwear", "579"},     // sandal, sneaker, ankle boot
	{"top", "0246"},         // t-shirt/top, pullover, coat, shirt
	{"long_sleeves", "246"}, // pullover, coat, shirt
	{"covers_legs", "13"},   // trouser, dress
	{"summer", "035"},       // t-shirt/top, dress, sandal
	{"winter", "249"},       // pullover, coat, ankle boot
	{"buttoned", "46"},      // coat, shirt
}

// NewFashionAttributes builds the Fashion-MNIST attribute data set with the
// named tasks (empty means every entry of FashionAttributes), read from
// opt.Dir (empty means FashionDir). Splits are as for MNIST: the first
// 50000 training images are train, the last 10000 validation, the 10000
// test images test; opt.Limit caps each split. A missing folder is an error
// that names the Debian package to install.
func NewFashionAttributes(opt Options, tasks ...string) (*Attributes, error) {
	if opt.Dir == "" {
		opt.Dir = FashionDir
	}
	for _, f := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		if _, err := os.Stat(filepath.Join(opt.Dir, f)); err != nil {
			return nil, fmt.Errorf("fashion-mnist: %s not found (install the Debian package: apt-get install %s)", filepath.Join(opt.Dir, f), FashionPackage)
		}
	}
	src, err := load(opt.Dir)
	if err != nil {
		return nil, err
	}
	a, err := newAttributes(src, opt, "fashion-mnist-attributes", FashionAttributes, tasks)
	if a != nil {
		a.note = "Fashion-MNIST images from " + src.name + " (Debian package " + FashionPackage + "; © 2017 Zalando SE, MIT licence)"
	}
	return a, err
}
