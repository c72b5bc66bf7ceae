package taskmatrix

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
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

// WideAbove is the number of tasks above which WriteTrajectoryCSV writes
// the wide form: one line per epoch and source task, one column per target
// task, instead of one line per pair. At 300 tasks the long form repeats
// both names and the epoch on each of 90,000 lines per epoch.
const WideAbove = 60

// longHeader is the header of the long form.
var longHeader = []string{"epoch", "source", "target", "value"}

// WriteTrajectoryCSV writes points as CSV. Up to WideAbove distinct tasks,
// or when some pair has two points in one epoch, it writes the long form,
// one line per point under the header epoch,source,target,value; above, the
// wide form, under the header epoch,source,T1,…,Tn (the target tasks in the
// order they first appear), one line per epoch and source (in the order
// they first appear), an empty cell where a pair has no point. Values are
// written exactly (the shortest text that reads back as the same float64).
func WriteTrajectoryCSV(w io.Writer, pts []Point) error {
	cw := csv.NewWriter(w)
	if targets, col, rows, ok := wideLayout(pts); ok {
		if err := cw.Write(append([]string{"epoch", "source"}, targets...)); err != nil {
			return err
		}
		rec := make([]string, len(targets)+2)
		for _, row := range rows {
			clear(rec)
			rec[0], rec[1] = strconv.Itoa(row.epoch), row.source
			for _, k := range row.points {
				p := pts[k]
				rec[2+col[p.Target]] = strconv.FormatFloat(p.Value, 'g', -1, 64)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	} else {
		if err := cw.Write(longHeader); err != nil {
			return err
		}
		for _, p := range pts {
			rec := []string{strconv.Itoa(p.Epoch), p.Source, p.Target, strconv.FormatFloat(p.Value, 'g', -1, 64)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// wideRow is one line of the wide form: the points of one epoch and
// source, by their index in the points written (an index, not a copy:
// the points of a run with many tasks are n² per epoch).
type wideRow struct {
	epoch  int
	source string
	points []int32
}

// wideLayout returns the columns of the wide form of pts (the targets,
// and each one's index among them) and its lines, and false when the long
// form is to be written: at most WideAbove tasks, or a pair with two
// points in one epoch.
func wideLayout(pts []Point) (targets []string, col map[string]int, rows []wideRow, ok bool) {
	tasks := map[string]bool{}
	col = map[string]int{}
	for _, p := range pts {
		tasks[p.Source], tasks[p.Target] = true, true
		if _, found := col[p.Target]; !found {
			col[p.Target] = len(targets)
			targets = append(targets, p.Target)
		}
	}
	if len(tasks) <= WideAbove {
		return nil, nil, nil, false
	}
	if len(pts) > math.MaxInt32 {
		return nil, nil, nil, false
	}
	type key struct {
		epoch  int
		source string
	}
	at := map[key]int{}
	for i, p := range pts {
		k := key{p.Epoch, p.Source}
		r, found := at[k]
		if !found {
			r = len(rows)
			at[k] = r
			rows = append(rows, wideRow{epoch: p.Epoch, source: p.Source})
		}
		rows[r].points = append(rows[r].points, int32(i))
	}
	// A pair with two points in one epoch: a target twice in a row.
	seen := make([]int, len(targets)) // the row (+1) where each target was last seen
	for r, row := range rows {
		for _, k := range row.points {
			c := col[pts[k].Target]
			if seen[c] == r+1 {
				return nil, nil, nil, false
			}
			seen[c] = r + 1
		}
	}
	return targets, col, rows, true
}

// WriteTrajectoryFile writes points to path atomically (see
// WriteTrajectoryCSV).
func WriteTrajectoryFile(path string, pts []Point) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteTrajectoryCSV(w, pts) })
}

// ReadTrajectoryCSV reads either form that WriteTrajectoryCSV writes (the
// points of the wide form epoch by epoch, source by source, then in column
// order); errors name the line.
func ReadTrajectoryCSV(r io.Reader) ([]Point, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trajectory: line 1: want the header epoch,source,target,value or epoch,source,T1,...,Tn")
	}
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	header = slices.Clone(header)
	long := slices.Equal(header, longHeader)
	if !long {
		if len(header) < 3 || header[0] != "epoch" || header[1] != "source" {
			return nil, fmt.Errorf("trajectory: line 1: want the header epoch,source,target,value or epoch,source,T1,...,Tn")
		}
		seen := map[string]bool{}
		for _, t := range header[2:] {
			if t == "" || seen[t] {
				return nil, fmt.Errorf("trajectory: line 1: target column %q empty or given twice", t)
			}
			seen[t] = true
		}
	}
	var pts []Point
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return pts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("trajectory: %w", err)
		}
		epoch, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("trajectory: line %d: %w", line, err)
		}
		if long {
			value, err := parseFinite(rec[3])
			if err != nil {
				return nil, fmt.Errorf("trajectory: line %d: %w", line, err)
			}
			pts = append(pts, Point{Epoch: epoch, Source: rec[1], Target: rec[2], Value: value})
			continue
		}
		source := strings.Clone(rec[1])
		for k, cell := range rec[2:] {
			if cell == "" {
				continue
			}
			value, err := parseFinite(cell)
			if err != nil {
				return nil, fmt.Errorf("trajectory: line %d, column %s: %w", line, header[k+2], err)
			}
			pts = append(pts, Point{Epoch: epoch, Source: source, Target: header[k+2], Value: value})
		}
	}
}

// parseFinite parses a finite number: a trajectory of NaN or ±Inf is no
// trajectory the tool wrote.
func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = fmt.Errorf("value %s is not finite", s)
	}
	return v, err
}

// ReadTrajectoryFile reads a trajectory CSV file (see ReadTrajectoryCSV),
// verified against its checksum file when it has one.
func ReadTrajectoryFile(path string) ([]Point, error) {
	b, err := atomicfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pts, err := ReadTrajectoryCSV(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pts, nil
}
