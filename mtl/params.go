package mtl

// This file holds the model's parameters: their description (paramSpec),
// the binding of parameter nodes while a graph is built (params) and their
// initial values.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// sharedOwner marks a parameter of the trunk in paramSpec.Owner.
const sharedOwner = -1

// paramSpec describes one trainable tensor of the model.
type paramSpec struct {
	Name  string
	Shape []int
	// Owner is sharedOwner for trunk parameters, balanceOwner for UW's
	// log-variances, else the task index of the head it belongs to.
	Owner int
	// FanIn and FanOut set the Glorot-uniform initialisation; weights
	// with FanIn 0 (biases) start at zero.
	FanIn, FanOut int
	// Transposed marks a matrix Shape [in, out] that the engine holds as
	// its transpose [out, in] (deviceShape), so that the products of a
	// narrow layer need no transposes (see narrowProduct). Its values
	// outside the engine (initial values, checkpoints) keep the order of
	// Shape.
	Transposed bool
}

// deviceShape is the shape of the parameter's tensor in the engine.
func (s paramSpec) deviceShape() []int {
	if s.Transposed {
		return []int{s.Shape[1], s.Shape[0]}
	}
	return s.Shape
}

// toDevice returns the values v (in the order of Shape) in the order of
// deviceShape; toHost is its inverse.
func (s paramSpec) toDevice(v []float32) []float32 { return s.transpose(v, s.Shape) }

func (s paramSpec) toHost(v []float32) []float32 { return s.transpose(v, s.deviceShape()) }

// transpose returns a copy of v, transposed from dims when s is
// Transposed.
func (s paramSpec) transpose(v []float32, dims []int) []float32 {
	out := make([]float32, len(v))
	if !s.Transposed {
		copy(out, v)
		return out
	}
	rows, cols := dims[0], dims[1]
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = v[r*cols+c]
		}
	}
	return out
}

func (s paramSpec) size() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// params hands parameter nodes to the model-building code. While recording
// (spec != nil) it creates zero constants and appends their description;
// otherwise it returns the node bound to each name.
type params struct {
	g     *Graph
	owner int
	spec  *[]paramSpec
	costs *[]layerCost
	nodes map[string]*Node
	// forwardOnly marks a model built for outputs that are never
	// differentiated (evaluation, the lookahead losses): its layers skip
	// the machinery of their own gradient (layer.build).
	forwardOnly bool
}

// layerCost is the forward cost of one matrix product of the model
// (a dense layer or a convolution), for FLOP counts.
type layerCost struct {
	owner int // sharedOwner or the head's task
	macs  int // multiply-adds per example
}

// addCost records, while recording, a product of macs multiply-adds per
// example.
func (p *params) addCost(macs int) {
	if p.costs != nil {
		*p.costs = append(*p.costs, layerCost{owner: p.owner, macs: macs})
	}
}

func (p *params) get(name string, fanIn, fanOut int, dims ...int) *Node {
	return p.getSpec(paramSpec{Name: name, Shape: dims, Owner: p.owner, FanIn: fanIn, FanOut: fanOut})
}

// getSpec is get for a parameter described by s (Name, Shape, FanIn,
// FanOut, Transposed); its node has s.deviceShape().
func (p *params) getSpec(s paramSpec) *Node {
	name := s.Name
	if p.spec != nil {
		*p.spec = append(*p.spec, s)
		return Zeros(p.g, shapes.Make(dtypes.Float32, s.deviceShape()...))
	}
	n, ok := p.nodes[name]
	if !ok {
		panic(fmt.Sprintf("mtl: parameter %q not bound", name))
	}
	return n
}

// initialValues returns the initial parameter values drawn from seed.
func (m *model) initialValues(seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 0x7461672d696e6974))
	vals := make([][]float32, len(m.specs))
	for k, s := range m.specs {
		v := make([]float32, s.size())
		if s.FanIn > 0 {
			limit := math.Sqrt(6 / float64(s.FanIn+s.FanOut))
			for i := range v {
				v[i] = float32((2*r.Float64() - 1) * limit)
			}
		}
		vals[k] = v
	}
	return vals
}

// bind returns a params that hands out the given nodes, in specs order.
func (m *model) bind(nodes []*Node) *params {
	p := &params{nodes: make(map[string]*Node, len(nodes))}
	for k, s := range m.specs {
		p.nodes[s.Name] = nodes[k]
	}
	return p
}

// bindForward is bind for outputs that are never differentiated.
func (m *model) bindForward(nodes []*Node) *params {
	p := m.bind(nodes)
	p.forwardOnly = true
	return p
}
