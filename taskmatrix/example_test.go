package taskmatrix_test

import (
	"fmt"
	"os"

	"github.com/tagroup/tag/taskmatrix"
)

// An affinity matrix as another framework might write it: row i, column j
// is the effect of task i's update on task j's loss.
func ExampleParse() {
	m, err := taskmatrix.Parse([]byte(",a,b,c\na,0.5,0.2,-0.1\nb,0.3,0.4,0\nc,-0.2,0.1,0.6\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Tasks, "b→a:", m.Values[m.Index("b")][m.Index("a")])
	sub, _ := m.Sub([]string{"c", "a"})
	sub.WriteCSV(os.Stdout)
	// Output:
	// [a b c] b→a: 0.3
	// ,c,a
	// c,0.6,-0.2
	// a,-0.1,0.5
}

// Errors name the line and column at fault.
func ExampleParse_error() {
	_, err := taskmatrix.Parse([]byte(",a,b\na,1,2\nb,3,x\n"))
	fmt.Println(err)
	// Output:
	// line 3, column 3 (b → b): "x" is not a number
}
