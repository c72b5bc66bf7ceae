package scale

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tagroup/tag/experiment"
)

// TestParseBudgets reads numbers and ranges and refuses the rest as bad
// input naming -budgets.
func TestParseBudgets(t *testing.T) {
	if ks, err := ParseBudgets("2-4, 7,,9-9"); err != nil || !reflect.DeepEqual(ks, []int{2, 3, 4, 7, 9}) {
		t.Errorf("got %v, %v", ks, err)
	}
	for _, s := range []string{"5-2", "0", "a", " , "} {
		var ce *experiment.ConfigError
		if _, err := ParseBudgets(s); err == nil || !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "-budgets") {
			t.Errorf("%q: got %v", s, err)
		}
	}
}

// TestQuicken keeps the budgets up to 4, two quality seeds unless kept,
// and one epoch unless given; SetExtra passes them on.
func TestQuicken(t *testing.T) {
	o := Options{Budgets: []int{2, 3, 4, 5, 10}, QualitySeeds: 3}
	if e := o.Quicken(false, 0); e != 1 || !reflect.DeepEqual(o.Budgets, []int{2, 3, 4}) || o.QualitySeeds != 2 {
		t.Errorf("got epochs %d, %+v", e, o)
	}
	o = Options{QualitySeeds: 3}
	if e := o.Quicken(true, 5); e != 5 || o.QualitySeeds != 3 {
		t.Errorf("got epochs %d, %+v", e, o)
	}
	o.SetExtra(2, " -trunk  mlp")
	if !reflect.DeepEqual(o.Extra, []string{"-epochs", "2", "-trunk", "mlp"}) {
		t.Errorf("extra %q", o.Extra)
	}
}
