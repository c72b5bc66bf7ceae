package scale

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/internal/atomicfile"
)

// ParseBudgets reads the -budgets list of `tag bench scale`: whole numbers
// ≥ 1 and ranges A-B (A ≤ B), comma-separated, into the numbers in order.
// A bad entry is bad input (experiment.ConfigError) naming -budgets.
func ParseBudgets(s string) ([]int, error) {
	bad := func(format string, args ...any) error {
		return &experiment.ConfigError{Err: fmt.Errorf("-budgets"+format, args...)}
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		a, b, isRange := strings.Cut(p, "-")
		lo, err1 := strconv.Atoi(strings.TrimSpace(a))
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.Atoi(strings.TrimSpace(b))
		}
		if err1 != nil || err2 != nil || lo < 1 || hi < lo {
			return nil, bad(": %q is not a whole number ≥ 1 or a range A-B with 1 ≤ A ≤ B", p)
		}
		for k := lo; k <= hi; k++ {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, bad(" is empty")
	}
	return out, nil
}

// Quicken makes o a quick check: budgets up to 4 and, unless keepSeeds,
// 2 quality seeds. It returns the epochs of every run: epochs, or 1 when
// epochs is 0.
func (o *Options) Quicken(keepSeeds bool, epochs int) int {
	var ks []int
	for _, k := range o.Budgets {
		if k <= 4 {
			ks = append(ks, k)
		}
	}
	o.Budgets = ks
	if !keepSeeds {
		o.QualitySeeds = 2
	}
	if epochs == 0 {
		return 1
	}
	return epochs
}

// SetExtra sets the further arguments of every child command: -epochs
// when epochs > 0, then args split at spaces.
func (o *Options) SetExtra(epochs int, args string) {
	o.Extra = nil
	if epochs > 0 {
		o.Extra = []string{"-epochs", strconv.Itoa(epochs)}
	}
	o.Extra = append(o.Extra, strings.Fields(args)...)
}

// WriteJSON writes dir/scale.json: the rows of every task count and the
// agreements of the estimators.
func WriteJSON(dir string, rows []Row, agreements []*Agreement) error {
	return atomicfile.Write(filepath.Join(dir, "scale.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"sizes": rows, "agreement": agreements})
	})
}
