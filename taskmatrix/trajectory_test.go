package taskmatrix

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTrajectoryRoundTrip(t *testing.T) {
	pts := []Point{{0, "a", "b", 0.25}, {0, "b", "a", -1e-7}, {3, "a", "a", 1.0 / 3}}
	var buf bytes.Buffer
	if err := WriteTrajectoryCSV(&buf, pts); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTrajectoryCSV(&buf)
	if err != nil || !reflect.DeepEqual(got, pts) {
		t.Errorf("round trip: %v %v", got, err)
	}
	_, err = ReadTrajectoryCSV(strings.NewReader("epoch,source,target,value\n1,a,b,x\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad value: %v", err)
	}
}

// fullTrajectory returns the points of n tasks over the given epochs in
// the accumulator's order (epoch, source, target), with values that need
// all 17 digits.
func fullTrajectory(n int, epochs ...int) []Point {
	tasks := make([]string, n)
	for i := range tasks {
		tasks[i] = fmt.Sprintf("task %d", i) // a space, quoted by nobody
	}
	r := rand.New(rand.NewPCG(1, 2))
	var pts []Point
	for _, e := range epochs {
		for _, s := range tasks {
			for _, d := range tasks {
				pts = append(pts, Point{Epoch: e, Source: s, Target: d, Value: r.NormFloat64() * 1e-4})
			}
		}
	}
	return pts
}

// TestTrajectoryWide checks that above WideAbove tasks the wide form is
// written, a line per epoch and source, and that it reads back exactly.
func TestTrajectoryWide(t *testing.T) {
	n := WideAbove + 1
	pts := fullTrajectory(n, 0, 2, 5)
	var buf bytes.Buffer
	if err := WriteTrajectoryCSV(&buf, pts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1+3*n || !strings.HasPrefix(lines[0], "epoch,source,task 0,task 1,") {
		t.Fatalf("%d lines, header %.40q; want %d lines of the wide form", len(lines), lines[0], 1+3*n)
	}
	got, err := ReadTrajectoryCSV(bytes.NewReader(buf.Bytes()))
	if err != nil || !reflect.DeepEqual(got, pts) {
		t.Fatalf("round trip: %d points, %v", len(got), err)
	}
	// Exactly WideAbove tasks: the long form, as before.
	buf.Reset()
	if err := WriteTrajectoryCSV(&buf, fullTrajectory(WideAbove, 0)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "epoch,source,target,value\n") {
		t.Errorf("%d tasks: not the long form", WideAbove)
	}
}

// TestTrajectoryWideSparse checks the wide form of points that miss some
// pairs (a task added by tag update has no points in earlier epochs): the
// same set of points reads back.
func TestTrajectoryWideSparse(t *testing.T) {
	all := fullTrajectory(WideAbove+5, 0, 1)
	r := rand.New(rand.NewPCG(5, 6))
	var pts []Point
	for _, p := range all {
		if r.IntN(3) > 0 {
			pts = append(pts, p)
		}
	}
	var buf bytes.Buffer
	if err := WriteTrajectoryCSV(&buf, pts); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(buf.String(), "epoch,source,target,value\n") {
		t.Fatal("long form written")
	}
	got, err := ReadTrajectoryCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	key := func(p Point) string { return fmt.Sprintf("%d|%s|%s|%v", p.Epoch, p.Source, p.Target, p.Value) }
	want, have := make([]string, len(pts)), make([]string, len(got))
	for i, p := range pts {
		want[i] = key(p)
	}
	for i, p := range got {
		have[i] = key(p)
	}
	slices.Sort(want)
	slices.Sort(have)
	if !slices.Equal(want, have) {
		t.Errorf("read %d points, wrote %d; sets differ", len(got), len(pts))
	}
}

// TestTrajectoryDuplicatesLong checks that two points of one pair in one
// epoch, which the wide form cannot hold, are written in the long form.
func TestTrajectoryDuplicatesLong(t *testing.T) {
	pts := fullTrajectory(WideAbove+1, 0)
	pts = append(pts, pts[3])
	var buf bytes.Buffer
	if err := WriteTrajectoryCSV(&buf, pts); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTrajectoryCSV(&buf)
	if err != nil || !reflect.DeepEqual(got, pts) {
		t.Errorf("round trip with a duplicate: %d points, %v", len(got), err)
	}
}

// TestTrajectoryOldFile reads a file as tag wrote it before the wide form.
func TestTrajectoryOldFile(t *testing.T) {
	old := "epoch,source,target,value\n0,a,a,0.01\n0,a,b,-0.0002\n0,b,a,3e-05\n0,b,b,0.02\n"
	got, err := ReadTrajectoryCSV(strings.NewReader(old))
	want := []Point{{0, "a", "a", 0.01}, {0, "a", "b", -0.0002}, {0, "b", "a", 3e-05}, {0, "b", "b", 0.02}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("old file: %v %v", got, err)
	}
}

func TestTrajectoryCorrupt(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "line 1: want the header"},
		{"epoch,task,a,b\n", "line 1: want the header"},
		{"epoch,source\n", "line 1: want the header"},
		{"epoch,source,a,b,a\n0,a,1,2,3\n", `line 1: target column "a"`},
		{"epoch,source,a,b\n0,a,1,x\n", "line 2, column b"},
		{"epoch,source,a,b\n0,a,1,2\nz,b,1,2\n", "line 3"},
		{"epoch,source,a,b\n0,a,1\n", "line 2"},
		{"epoch,source,target,value\n0,a,b\n", "line 2"},
	} {
		_, err := ReadTrajectoryCSV(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one naming %q", tc.in, err, tc.want)
		}
	}
}

func BenchmarkTrajectoryCSV(b *testing.B) {
	for _, n := range []int{WideAbove, 300} {
		pts := fullTrajectory(n, 0)
		var buf bytes.Buffer
		b.Run(fmt.Sprintf("write/n=%d", n), func(b *testing.B) {
			for range b.N {
				buf.Reset()
				if err := WriteTrajectoryCSV(&buf, pts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
		b.Run(fmt.Sprintf("read/n=%d", n), func(b *testing.B) {
			for range b.N {
				if _, err := ReadTrajectoryCSV(bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
