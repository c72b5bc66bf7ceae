package taskmatrix

import (
	"bytes"
	"reflect"
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
