package selection

import (
	"math/bits"
	"strconv"
	"strings"
)

// MaxTasks is the largest number of tasks a [Set] can hold.
const MaxTasks = 64

// Set is a set of tasks: bit j is set when task j is a member.
type Set uint64

// SetOf returns the set holding the given task indices.
func SetOf(tasks ...int) Set {
	var s Set
	for _, t := range tasks {
		s |= 1 << uint(t)
	}
	return s
}

// Full returns the set of tasks 0..n-1.
func Full(n int) Set {
	if n >= 64 {
		return ^Set(0)
	}
	return Set(1)<<uint(n) - 1
}

// Has reports whether task j is in s.
func (s Set) Has(j int) bool { return s>>uint(j)&1 == 1 }

// Len is the number of tasks in s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// Lowest is the smallest task index in s, or 64 if s is empty.
func (s Set) Lowest() int { return bits.TrailingZeros64(uint64(s)) }

// Members lists the tasks of s in increasing order.
func (s Set) Members() []int {
	m := make([]int, 0, s.Len())
	for x := s; x != 0; x &= x - 1 {
		m = append(m, x.Lowest())
	}
	return m
}

// Names lists the names of the tasks of s in increasing task order.
func (s Set) Names(tasks []string) []string {
	m := s.Members()
	out := make([]string, len(m))
	for i, j := range m {
		out[i] = tasks[j]
	}
	return out
}

// String writes s as {0,3,5}.
func (s Set) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, j := range s.Members() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(j))
	}
	b.WriteByte('}')
	return b.String()
}
