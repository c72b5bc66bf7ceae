package csvdata

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tagroup/tag/data"
)

// writeBenchCSV writes rows lines of 20 features and 10 targets (5 binary,
// 5 regression) to a file in dir.
func writeBenchCSV(b *testing.B, dir string, rows int) string {
	path := filepath.Join(dir, fmt.Sprintf("bench%d.csv", rows))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range 20 {
		fmt.Fprintf(w, "x%d,", i)
	}
	for i := range 10 {
		fmt.Fprintf(w, "y%d", i)
		if i < 9 {
			w.WriteByte(',')
		}
	}
	w.WriteByte('\n')
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 0, 512)
	for range rows {
		buf = buf[:0]
		for range 20 {
			buf = strconv.AppendFloat(buf, r.NormFloat64(), 'f', 5, 64)
			buf = append(buf, ',')
		}
		for j := range 10 {
			if j < 5 {
				buf = strconv.AppendInt(buf, int64(r.IntN(2)), 10)
			} else {
				buf = strconv.AppendFloat(buf, r.Float64()*100, 'f', 3, 64)
			}
			if j < 9 {
				buf = append(buf, ',')
			}
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoad loads a 20-feature, 10-target CSV and reports rows/s. The
// 1-million-row case is skipped with -short.
func BenchmarkLoad(b *testing.B) {
	targets := make([]string, 10)
	for i := range targets {
		targets[i] = fmt.Sprintf("y%d", i)
	}
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			if rows > 100_000 && testing.Short() {
				b.Skip("large file skipped with -short")
			}
			path := writeBenchCSV(b, b.TempDir(), rows)
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			b.ResetTimer()
			for b.Loop() {
				if _, err := Load(path, Options{Targets: targets}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkFill copies batches of 256 random training rows.
func BenchmarkFill(b *testing.B) {
	path := writeBenchCSV(b, b.TempDir(), 20_000)
	targets := []string{"y0", "y1", "y2", "y5"}
	ds, err := Load(path, Options{Targets: targets})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	idx := make([]int, 256)
	for i := range idx {
		idx[i] = r.IntN(ds.Len(data.Train))
	}
	x := make([]float32, 256*data.InputSize(ds))
	y := make([]float32, 256*len(targets))
	for b.Loop() {
		if err := ds.Fill(data.Train, idx, x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineEncodingCSV is the baseline for BenchmarkLoad: the same
// file read with encoding/csv and strconv.ParseFloat on every field (no
// split, no statistics), as a straightforward loader would.
func BenchmarkBaselineEncodingCSV(b *testing.B) {
	path := writeBenchCSV(b, b.TempDir(), 100_000)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		cr := csv.NewReader(bufio.NewReader(f))
		cr.ReuseRecord = true
		if _, err := cr.Read(); err != nil {
			b.Fatal(err)
		}
		var vals []float32
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range rec {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					b.Fatal(err)
				}
				vals = append(vals, float32(v))
			}
		}
		f.Close()
		if len(vals) == 0 {
			b.Fatal("no values read")
		}
	}
	b.ReportMetric(100_000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
