// Package catalog registers the built-in data sets with data.Register so
// that they can be listed and opened by name (data.Sources, data.Open).
// Import it for its side effect:
//
//	import _ "github.com/tagroup/tag/data/catalog"
//
// It is a separate package because the registry in package data must not
// import the sources, which import data.
package catalog

import (
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/glyphs"
	"github.com/tagroup/tag/data/mnist"
	"github.com/tagroup/tag/data/planted"
	"github.com/tagroup/tag/data/skdigits"
	"github.com/tagroup/tag/data/weka"
)

func init() {
	data.Register("glyphs", "6000 font-rendered 32×32 characters, 9 default binary attributes in three families (place, scale, shape); no download",
		func() (data.Dataset, error) {
			return glyphs.New(glyphs.Options{Seed: 1, Tasks: glyphs.DefaultTasks()})
		})
	data.Register("glyphs-all", "all 18 glyph attributes on all 62 letters and digits (none constant); no download",
		func() (data.Dataset, error) { return glyphs.New(glyphs.Options{Seed: 1, Chars: glyphs.AllChars}) })
	data.RegisterOptions("planted", "synthetic tabular data: 3 families of 3 binary tasks with a known grouping; "+
		"any size with options, e.g. planted:families=30,size=10,dim=64 (300 tasks f00_t0..f29_t9)",
		"families=3,size=3,dim=max(16,rank·families),rank=2,n=6000,noise=0.05,curvature=0.5,seed=1,regression=false",
		func(options string) (data.Dataset, error) {
			opt, err := planted.ParseSpec(options)
			if err != nil {
				return nil, err
			}
			return planted.New(opt)
		})
}

func init() {
	data.Register("multimnist", "MultiMNIST: two overlapping MNIST digits on 36×36, tasks left_digit and right_digit (10-class); needs the GoMNIST module",
		func() (data.Dataset, error) { return mnist.NewMultiMNIST(mnist.Options{Seed: 1}) })
	data.Register("mnist-attributes", "one MNIST digit, 6 binary attributes of its value (even, greater_than_4, prime, ...); needs the GoMNIST module",
		func() (data.Dataset, error) { return mnist.NewAttributes(mnist.Options{}) })
	data.Register("mnist-pairs", "45 one-versus-one MNIST digit tasks (\"3v8\": 1 for a 3, 0 for an 8; another digit: 1 when nearer to the mean 3 than to the mean 8); "+
		"digits from the GoMNIST module (Apache-2.0; MNIST itself commonly CC BY-SA 3.0), 10000 per split",
		func() (data.Dataset, error) { return mnist.NewPairs(mnist.Options{Limit: PairsLimit}) })
}

// PairsLimit caps each split of the registered mnist-pairs set (10000
// training, 10000 validation and 10000 test images).
const PairsLimit = 10000

// FashionLimit caps each split of the registered fashion-mnist set, so that
// a run with every method stays affordable on CPUs (10000 training,
// 10000 validation and 10000 test images).
const FashionLimit = 10000

// Real data sets shipped by Debian packages, converted when opened.
func init() {
	data.Register("fashion-mnist", "Fashion-MNIST (Zalando, MIT): 28×28 clothing images, 7 binary attributes of the kind (footwear, top, long_sleeves, ...), 10000 per split; needs Debian's dataset-fashion-mnist",
		func() (data.Dataset, error) { return mnist.NewFashionAttributes(mnist.Options{Limit: FashionLimit}) })
	data.Register("sklearn-digits", "scikit-learn's 1797 handwritten 8×8 digits (UCI, CC BY 4.0), the 6 digit attributes of mnist-attributes; needs Debian's python3-sklearn",
		func() (data.Dataset, error) { return skdigits.New(skdigits.Options{Seed: 1}) })
	data.Register("supermarket", "4627 shopping baskets (Weka's supermarket.arff, GPL-2+): predict 8 departments (fruit, vegetables, ...) from the 115 other departments ever visited; needs Debian's weka",
		func() (data.Dataset, error) { return weka.Supermarket(weka.Options{}) })
}
