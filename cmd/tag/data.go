package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog" // also registers the built-in data sets
)

func init() {
	register(&command{
		name:    "data",
		summary: "list the built-in data sets or describe one (tasks, kinds, sizes, class balance)",
		run:     runData,
	})
}

// dataFlags are the flags that choose a data set: a registered name, a CSV
// file with its targets, or a CelebA folder. Commands that train add them
// with addDataFlags and open the data with open.
type dataFlags struct {
	targets, features, kinds string
	seed                     uint64
	val, test                float64
	celebaDir, attributes    string
	size, limit              int
	cache                    string
}

// addDataFlags defines the data-selection flags on fs.
func addDataFlags(fs *flag.FlagSet) *dataFlags {
	f := &dataFlags{}
	fs.StringVar(&f.targets, "targets", "", "CSV: comma-separated target columns (required for a CSV file)")
	fs.StringVar(&f.features, "features", "", "CSV: comma-separated feature columns (default: every non-target column)")
	fs.StringVar(&f.kinds, "kinds", "", "CSV: kind overrides, e.g. age=regression,grade=multiclass")
	fs.Uint64Var(&f.seed, "data-seed", 0, "CSV: seed of the row split")
	fs.Float64Var(&f.val, "val-fraction", 0, "CSV: validation fraction (default 0.1)")
	fs.Float64Var(&f.test, "test-fraction", 0, "CSV: test fraction (default 0.1)")
	fs.StringVar(&f.celebaDir, "celeba", "", "CelebA folder (list_attr_celeba.txt, list_eval_partition.txt, img_align_celeba/)")
	fs.StringVar(&f.attributes, "attributes", "", "CelebA: comma-separated attributes (default: the paper's 9)")
	fs.IntVar(&f.size, "size", 0, "CelebA: image side in pixels (default 64)")
	fs.IntVar(&f.limit, "limit", 0, "CelebA: use only the first N images (0 = all)")
	fs.StringVar(&f.cache, "cache", "", "CelebA: folder of the decoded-image cache (default: the CelebA folder)")
	return f
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// source returns the data source named by spec (a registered name or a
// CSV file), or the CelebA folder given by --celeba when spec is empty. A
// CSV source records its validation and test fractions as used (0.1 when
// not given). Errors in the flags are input errors.
func (f *dataFlags) source(spec string) (catalog.Spec, error) {
	if f.celebaDir != "" {
		if spec != "" {
			return catalog.Spec{}, badInputf("give either a data set or --celeba, not both")
		}
		return catalog.Spec{CelebA: &catalog.CelebASpec{Dir: f.celebaDir, Attributes: splitList(f.attributes), Size: f.size,
			Limit: f.limit, Cache: f.cache}}, nil
	}
	if spec == "" {
		return catalog.Spec{}, badInputf("no data set given (a name from 'tag data list', a CSV file with --targets, or --celeba DIR)")
	}
	if !isCSV(spec) {
		return catalog.Spec{Name: spec}, nil
	}
	if f.targets == "" {
		return catalog.Spec{}, badInputf("%s: a CSV file needs --targets", spec)
	}
	kinds, err := f.kindMap()
	if err != nil {
		return catalog.Spec{}, err
	}
	c := &catalog.CSVSpec{Path: spec, Targets: splitList(f.targets), Features: splitList(f.features), Kinds: kinds,
		SplitSeed: f.seed, ValFraction: f.val, TestFraction: f.test}
	if c.ValFraction == 0 {
		c.ValFraction = 0.1
	}
	if c.TestFraction == 0 {
		c.TestFraction = 0.1
	}
	return catalog.Spec{CSV: c}, nil
}

// isCSV reports whether spec names a file (rather than a built-in data
// set).
func isCSV(spec string) bool {
	fi, err := os.Stat(spec)
	return err == nil && fi.Mode().IsRegular() || strings.HasSuffix(strings.ToLower(spec), ".csv")
}

// kindMap parses -kinds into target name → kind name, checking each kind.
func (f *dataFlags) kindMap() (map[string]string, error) {
	var kinds map[string]string
	for _, kv := range splitList(f.kinds) {
		name, kind, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, badInputf("-kinds: %q is not name=kind", kv)
		}
		k, err := data.ParseKind(strings.TrimSpace(kind))
		if err != nil {
			return nil, badInputf("-kinds: %s: %v", name, err)
		}
		if kinds == nil {
			kinds = map[string]string{}
		}
		kinds[strings.TrimSpace(name)] = k.String()
	}
	return kinds, nil
}

// open opens the data set named by spec (a registered name or a CSV file),
// or the CelebA folder given by --celeba when spec is empty. Errors in the
// flags or the files are input errors.
func (f *dataFlags) open(spec string) (data.Dataset, error) {
	s, err := f.source(spec)
	if err != nil {
		return nil, err
	}
	return openSource(s)
}

// openSource opens s; an error in a file, a name or a value the user
// gave is typed as bad input by catalog.Spec.Open.
func openSource(s catalog.Spec) (data.Dataset, error) {
	return s.Open()
}

// ownData is printed after the list of built-in data sets: how to bring
// one's own data to any command that takes a data set.
const ownData = `
your own data (any command that takes a data set; check it first with 'tag data describe'):
  -data FILE.csv -targets t1,t2,...   a CSV table with a header line: the targets become tasks, every other
                                      column is a feature unless -features f1,f2,... lists them (list them when
                                      other label columns are in the file: they would leak into the inputs)
  -celeba DIR                         CelebA in its standard layout: list_attr_celeba.txt, list_eval_partition.txt
                                      and img_align_celeba/ (-attributes, -size, -limit, -cache)
`

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return badInputf("want a sub-command: 'tag data list' or 'tag data describe NAME|FILE.csv|--celeba DIR'")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "usage: tag data list\n       tag data describe NAME | FILE.csv --targets t1,t2 [flags] | --celeba DIR [flags]\n\n"+
			"list: the built-in data sets. describe: tasks, kinds, split sizes and class balance of one data set.\n"+
			"Run 'tag data describe -h' for its flags.")
		return nil
	case "list":
		fs := newFlags("data list", stderr)
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "name\t`tag run -data NAME` on 2 cores\tdescription")
		for _, s := range data.Sources() {
			t := "unknown"
			if r, ok := catalog.Lookup(s.Name); ok && r.RunTime != "" {
				t = r.RunTime
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, t, s.Summary)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\ndata sets with options (-data NAME:key=value,...; the defaults shown):")
		for _, s := range data.Sources() {
			if s.Options != "" {
				fmt.Fprintf(stdout, "  %s:%s\n", s.Name, s.Options)
			}
		}
		fmt.Fprint(stdout, ownData)
		return nil
	case "describe":
		fs := newFlags("data describe", stderr)
		setUsage(fs, stderr, "usage: tag data describe [-data] NAME | [-data] FILE.csv --targets t1,t2 [flags] | --celeba DIR [flags]")
		df := addDataFlags(fs)
		dataSpec := fs.String("data", "", "data set: a name from 'tag data list' or a CSV file, as -data of the other commands (it may also be the first argument)")
		rest := args[1:]
		spec := ""
		// The data set may come before or after the flags.
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			spec, rest = rest[0], rest[1:]
		}
		if err := parseFlagsArgs(fs, rest); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			if spec != "" || fs.NArg() > 1 {
				return badInputf("unexpected argument %q", fs.Arg(fs.NArg()-1))
			}
			spec = fs.Arg(0)
		}
		if *dataSpec != "" {
			if spec != "" && spec != *dataSpec {
				return badInputf("two data sets given: -data %s and the argument %s", *dataSpec, spec)
			}
			spec = *dataSpec
		}
		ds, err := df.open(spec)
		if err != nil {
			return err
		}
		if err := data.Describe(stdout, ds); err != nil {
			return err
		}
		_, err = data.WriteClassWarnings(stdout, ds)
		return err
	}
	return badInputf("unknown sub-command %q of data (want list or describe)", args[0])
}
