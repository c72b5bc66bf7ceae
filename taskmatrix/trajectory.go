package taskmatrix

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tagroup/tag/internal/atomicfile"
)

// Point is one entry of an affinity trajectory: the mean of
// Z_{source→target} over the steps recorded in one epoch. A trajectory is a
// list of points, epoch by epoch, then source by source and target by target.
type Point struct {
	// Epoch counts from 0.
	Epoch int `json:"epoch"`
	// Source is the task whose lookahead step was taken (row i of Ẑ).
	Source string `json:"source"`
	// Target is the task whose loss was measured (column j of Ẑ).
	Target string `json:"target"`
	// Value is the epoch's mean Z_{source→target}.
	Value float64 `json:"value"`
}

// WriteTrajectoryCSV writes points as CSV with the header
// epoch,source,target,value.
func WriteTrajectoryCSV(w io.Writer, pts []Point) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"epoch", "source", "target", "value"}); err != nil {
		return err
	}
	for _, p := range pts {
		rec := []string{strconv.Itoa(p.Epoch), p.Source, p.Target, strconv.FormatFloat(p.Value, 'g', -1, 64)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTrajectoryFile writes points to path atomically (see
// WriteTrajectoryCSV).
func WriteTrajectoryFile(path string, pts []Point) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteTrajectoryCSV(w, pts) })
}

// ReadTrajectoryCSV reads what WriteTrajectoryCSV writes; errors name the
// line.
func ReadTrajectoryCSV(r io.Reader) ([]Point, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "epoch,source,target,value" {
		return nil, fmt.Errorf("trajectory: line 1: want the header epoch,source,target,value")
	}
	pts := make([]Point, 0, len(recs)-1)
	for k, rec := range recs[1:] {
		epoch, err1 := strconv.Atoi(rec[0])
		value, err2 := strconv.ParseFloat(rec[3], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("trajectory: line %d: %w", k+2, err)
		}
		pts = append(pts, Point{Epoch: epoch, Source: rec[1], Target: rec[2], Value: value})
	}
	return pts, nil
}

// ReadTrajectoryFile reads a trajectory CSV file (see ReadTrajectoryCSV).
func ReadTrajectoryFile(path string) ([]Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pts, err := ReadTrajectoryCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pts, nil
}
