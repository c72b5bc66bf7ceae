// Package celeba reads the CelebA face-attribute data set (Liu et al.,
// "Deep Learning Face Attributes in the Wild", ICCV 2015) in its standard
// layout, as used by the TAG paper (Fifty et al., 2021) with 9 of its 40
// attributes and 64×64 images:
//
//	DIR/list_attr_celeba.txt      image count, 40 attribute names, then
//	                              "000001.jpg -1 1 ..." (one line per image)
//	DIR/list_eval_partition.txt   "000001.jpg 0" (0 train, 1 validation, 2 test)
//	DIR/img_align_celeba/*.jpg
//
// Every image is centre-cropped to a square and resized to Size×Size RGB
// (bilinear), once: the pixels are cached on disk as one flat uint8 file of
// Size·Size·3 bytes per image, in the order of the attribute file, written
// atomically and named by a hash of the size and the image list. Later
// opens with the same images and size read that file, and Fill reads the
// rows it needs with ReadAt, so the full 200k-image set is never held in
// memory. Attribute value 1 is label 1; -1 is label 0.
package celeba

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	_ "image/jpeg" // CelebA images are JPEG files
	_ "image/png"  // accepted too, for hand-made fixtures
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/draw"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/internal/table"
	"github.com/tagroup/tag/internal/atomicfile"
)

// File names of the standard layout.
const (
	AttrFile      = "list_attr_celeba.txt"
	PartitionFile = "list_eval_partition.txt"
	ImageDir      = "img_align_celeba"
)

// PaperAttributes are the 9 attributes of the TAG paper's CelebA
// experiment, the default tasks.
var PaperAttributes = []string{
	"5_o_Clock_Shadow", "Black_Hair", "Blond_Hair", "Brown_Hair", "Goatee",
	"Mustache", "No_Beard", "Rosy_Cheeks", "Wearing_Hat",
}

// Options configure Open; zero values select the defaults.
type Options struct {
	// Attributes are the tasks, in order (default PaperAttributes).
	Attributes []string
	// Size is the side of the square images in pixels (default 64).
	Size int
	// CacheDir holds the decoded-image cache (default: the data folder).
	CacheDir string
	// Limit uses only the first Limit images of the attribute file
	// (0 = all).
	Limit int
}

// Dataset is an opened CelebA folder. It implements data.Dataset,
// data.TargetFiller, data.Noter and data.Identifier, and is safe for
// concurrent use.
type Dataset struct {
	dir       string
	size      int
	tasks     []data.Task
	rows      [3][]int   // cache row of each example of each split
	labels    [3][]uint8 // len(tasks) per example
	cache     *os.File
	cachePath string
	bufs      sync.Pool
}

// image records one line of the attribute file.
type entry struct {
	file   string
	line   int
	labels []uint8
}

// Open reads the CelebA folder dir, decoding the images into the cache
// first if needed. Errors name the file and line at fault.
func Open(dir string, opt Options) (data.Dataset, error) {
	if opt.Size == 0 {
		opt.Size = 64
	}
	if opt.Size < 1 {
		return nil, fmt.Errorf("celeba: Size = %d, want a positive number of pixels", opt.Size)
	}
	if len(opt.Attributes) == 0 {
		opt.Attributes = PaperAttributes
	}
	if opt.CacheDir == "" {
		opt.CacheDir = dir
	}
	d := &Dataset{dir: dir, size: opt.Size}
	entries, err := readAttributes(filepath.Join(dir, AttrFile), opt.Attributes, opt.Limit)
	if err != nil {
		return nil, err
	}
	for _, a := range opt.Attributes {
		d.tasks = append(d.tasks, data.Task{Name: a, Kind: data.Binary, Classes: 2})
	}
	part, err := readPartition(filepath.Join(dir, PartitionFile))
	if err != nil {
		return nil, err
	}
	for r, e := range entries {
		p, ok := part[e.file]
		if !ok {
			return nil, fmt.Errorf("%s:%d: image %s has no line in %s", filepath.Join(dir, AttrFile), e.line, e.file, filepath.Join(dir, PartitionFile))
		}
		d.rows[p] = append(d.rows[p], r)
		d.labels[p] = append(d.labels[p], e.labels...)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "size=%d\n", opt.Size)
	for _, e := range entries {
		fmt.Fprintln(h, e.file)
	}
	d.cachePath = filepath.Join(opt.CacheDir, fmt.Sprintf("celeba-%dpx-%d-%016x.u8", opt.Size, len(entries), h.Sum64()))
	rowBytes := int64(opt.Size * opt.Size * 3)
	if st, err := os.Stat(d.cachePath); err != nil || st.Size() != rowBytes*int64(len(entries)) {
		if err := d.buildCache(entries); err != nil {
			return nil, err
		}
	}
	if d.cache, err = os.Open(d.cachePath); err != nil {
		return nil, err
	}
	d.bufs.New = func() any { b := make([]byte, rowBytes); return &b }
	return d, nil
}

// readAttributes parses the attribute file, keeping the chosen attributes
// of the first limit images (all if limit is 0).
func readAttributes(path string, attrs []string, limit int) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	next := func() ([]string, bool) {
		for sc.Scan() {
			line++
			if fs := strings.Fields(sc.Text()); len(fs) > 0 {
				return fs, true
			}
		}
		return nil, false
	}
	fs, ok := next()
	if !ok {
		return nil, fmt.Errorf("%s: empty file (want the image count on line 1)", path)
	}
	count, err := strconv.Atoi(fs[0])
	if err != nil || len(fs) != 1 || count < 0 {
		return nil, fmt.Errorf("%s:%d: want the image count, found %q", path, line, sc.Text())
	}
	names, ok := next()
	if !ok {
		return nil, fmt.Errorf("%s: no header line of attribute names", path)
	}
	cols := make([]int, len(attrs))
	for i, a := range attrs {
		if cols[i] = slices.Index(names, a); cols[i] < 0 {
			return nil, fmt.Errorf("%s:%d: no attribute %q (attributes: %s)", path, line, a, strings.Join(names, ", "))
		}
	}
	var out []entry
	for {
		fs, ok := next()
		if !ok {
			break
		}
		if len(fs) != len(names)+1 {
			return nil, fmt.Errorf("%s:%d: %d fields, want an image name and %d values", path, line, len(fs), len(names))
		}
		e := entry{file: fs[0], line: line, labels: make([]uint8, len(attrs))}
		for i, c := range cols {
			switch fs[c+1] {
			case "1":
				e.labels[i] = 1
			case "-1", "0":
			default:
				return nil, fmt.Errorf("%s:%d: column %d (%s): value %q, want 1 or -1", path, line, c+2, names[c], fs[c+1])
			}
		}
		out = append(out, e)
		if limit > 0 && len(out) == limit {
			return out, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, line, err)
	}
	if len(out) != count {
		return nil, fmt.Errorf("%s: line 1 announces %d images, the file lists %d", path, count, len(out))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no images listed", path)
	}
	return out, nil
}

// readPartition parses the partition file into image name → split.
func readPartition(path string) (map[string]data.Split, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]data.Split{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 2 || (fs[1] != "0" && fs[1] != "1" && fs[1] != "2") {
			return nil, fmt.Errorf("%s:%d: want \"IMAGE 0|1|2\", found %q", path, line, sc.Text())
		}
		out[fs[0]] = data.Split(fs[1][0] - '0')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, line, err)
	}
	return out, nil
}

// cacheBatch is the number of images decoded in parallel before they are
// written to the cache in order.
const cacheBatch = 256

// buildCache decodes every image and writes the cache file atomically.
func (d *Dataset) buildCache(entries []entry) error {
	rowBytes := d.size * d.size * 3
	workers := runtime.GOMAXPROCS(0)
	return atomicfile.Write(d.cachePath, func(w io.Writer) error {
		buf := make([]byte, cacheBatch*rowBytes)
		for start := 0; start < len(entries); start += cacheBatch {
			batch := entries[start:min(start+cacheBatch, len(entries))]
			errs := make([]error, len(batch))
			var wg sync.WaitGroup
			for wk := range workers {
				wg.Go(func() {
					for i := wk; i < len(batch); i += workers {
						errs[i] = d.decode(batch[i].file, buf[i*rowBytes:(i+1)*rowBytes])
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				return err
			}
			if _, err := w.Write(buf[:len(batch)*rowBytes]); err != nil {
				return err
			}
		}
		return nil
	})
}

// decode reads one image, centre-crops it to a square, resizes it to
// size×size and writes its RGB bytes into out.
func (d *Dataset) decode(name string, out []byte) error {
	path := filepath.Join(d.dir, ImageDir, name)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	if side == 0 {
		return fmt.Errorf("%s: empty image", path)
	}
	crop := image.Rect(0, 0, side, side).Add(b.Min).Add(image.Pt((b.Dx()-side)/2, (b.Dy()-side)/2))
	dst := image.NewRGBA(image.Rect(0, 0, d.size, d.size))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, crop, draw.Src, nil)
	for p := range d.size * d.size {
		copy(out[3*p:3*p+3], dst.Pix[4*p:4*p+3])
	}
	return nil
}

// Name is the folder and image size.
func (d *Dataset) Name() string { return fmt.Sprintf("celeba(%s,%dpx)", d.dir, d.size) }

// Tasks lists the chosen attributes as binary tasks.
func (d *Dataset) Tasks() []data.Task { return slices.Clone(d.tasks) }

// InputShape is [Size, Size, 3].
func (d *Dataset) InputShape() []int { return []int{d.size, d.size, 3} }

// Len is the number of images in split.
func (d *Dataset) Len(split data.Split) int {
	if split < data.Train || split > data.Test {
		return 0
	}
	return len(d.rows[split])
}

// Fill reads the images idx of split from the cache (values in [0,1], HWC
// order) and writes their attributes.
func (d *Dataset) Fill(split data.Split, idx []int, x, y []float32) error {
	n := d.size * d.size * 3
	if err := table.CheckFill(d.Name(), split, d.Len(split), idx, x, n, y, len(d.tasks)); err != nil {
		return err
	}
	bp := d.bufs.Get().(*[]byte)
	defer d.bufs.Put(bp)
	buf := *bp
	for k, i := range idx {
		if _, err := d.cache.ReadAt(buf, int64(d.rows[split][i])*int64(n)); err != nil {
			return fmt.Errorf("%s: reading image %d: %w", d.cachePath, d.rows[split][i], err)
		}
		table.UnitBytes(x[k*n:(k+1)*n], buf)
	}
	return d.FillTargets(split, idx, y)
}

// FillTargets writes the attributes of the images idx of split.
func (d *Dataset) FillTargets(split data.Split, idx []int, y []float32) error {
	if err := table.CheckFill(d.Name(), split, d.Len(split), idx, nil, 0, y, len(d.tasks)); err != nil {
		return err
	}
	nt := len(d.tasks)
	for k, i := range idx {
		for t := range nt {
			y[k*nt+t] = float32(d.labels[split][i*nt+t])
		}
	}
	return nil
}

// Notes names the cache file.
func (d *Dataset) Notes() []string {
	return []string{"decoded images cached in " + d.cachePath, "split from " + PartitionFile}
}

// Identity is Notes without the cache file, whose place does not change
// the data (data.Identifier).
func (d *Dataset) Identity() []string { return []string{"split from " + PartitionFile} }

// Close releases the cache file.
func (d *Dataset) Close() error { return d.cache.Close() }
