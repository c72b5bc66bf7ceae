package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog" // also registers the built-in data sets
)

func init() {
	register(&command{
		name:    "data",
		summary: "list the built-in data sets, describe one (tasks, kinds, sizes, class balance) or export one as CSV",
		run:     runData,
	})
}

// addDataFlags defines on fs the flags of c that choose a data set besides
// -data: the CSV options and a CelebA folder with its options.
func addDataFlags(fs *flag.FlagSet, c *catalog.Choice) {
	fs.StringVar(&c.Targets, "targets", "", "CSV: comma-separated target columns (required for a CSV file)")
	fs.StringVar(&c.Features, "features", "", "CSV: comma-separated feature columns (default: every non-target column)")
	fs.StringVar(&c.Kinds, "kinds", "", "CSV: kind overrides, e.g. age=regression,grade=multiclass")
	fs.Uint64Var(&c.SplitSeed, "data-seed", 0, "CSV: seed of the row split")
	fs.Float64Var(&c.ValFraction, "val-fraction", 0, "CSV: validation fraction (default 0.1)")
	fs.Float64Var(&c.TestFraction, "test-fraction", 0, "CSV: test fraction (default 0.1)")
	fs.StringVar(&c.CelebA, "celeba", "", "CelebA folder (list_attr_celeba.txt, list_eval_partition.txt, img_align_celeba/)")
	fs.StringVar(&c.Attributes, "attributes", "", "CelebA: comma-separated attributes (default: the paper's 9)")
	fs.IntVar(&c.Size, "size", 0, "CelebA: image side in pixels (default 64)")
	fs.IntVar(&c.Limit, "limit", 0, "CelebA: use only the first N images (0 = all)")
	fs.StringVar(&c.Cache, "cache", "", "CelebA: folder of the decoded-image cache (default: the CelebA folder)")
}

// splitList splits a comma-separated flag value, dropping blanks.
var splitList = catalog.SplitList

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
		return badInputf("want a sub-command: 'tag data list', 'tag data describe NAME|FILE.csv|--celeba DIR' or 'tag data export -data NAME -out FILE.csv'")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "usage: tag data list\n       tag data describe NAME | FILE.csv --targets t1,t2 [flags] | --celeba DIR [flags]\n"+
			"       tag data export -data NAME -out FILE.csv [-force]\n\n"+
			"list: the built-in data sets. describe: tasks, kinds, split sizes and class balance of one data set.\n"+
			"export: write a data set as a CSV table that -data FILE.csv reads back.\n"+
			"Run 'tag data describe -h' or 'tag data export -h' for their flags.")
		return nil
	case "list":
		fs := newFlags("data list", stderr)
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if err := catalog.WriteList(stdout); err != nil {
			return err
		}
		fmt.Fprint(stdout, ownData)
		return nil
	case "describe":
		fs := newFlags("data describe", stderr)
		setUsage(fs, stderr, "usage: tag data describe [-data] NAME | [-data] FILE.csv --targets t1,t2 [flags] | --celeba DIR [flags]")
		var df catalog.Choice
		addDataFlags(fs, &df)
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
		df.Data = spec
		ds, err := df.Open()
		if err != nil {
			return err
		}
		if err := data.Describe(stdout, ds); err != nil {
			return err
		}
		_, err = data.WriteClassWarnings(stdout, ds)
		return err
	case "export":
		return runDataExport(args[1:], stderr)
	}
	return badInputf("unknown sub-command %q of data (want list, describe or export)", args[0])
}

// runDataExport is `tag data export`: the data set of -data written as a
// CSV file, and on stderr the flags that read it back.
func runDataExport(args []string, stderr io.Writer) error {
	fs := newFlags("data export", stderr)
	setUsage(fs, stderr, "usage: tag data export -data NAME|FILE.csv [flags] | --celeba DIR [flags]  -out FILE.csv [-force]\n\n"+
		"Writes every example of the data set (e.g. planted:families=3,size=3,seed=1) as a CSV table: the feature\n"+
		"columns x0,x1,... then one column per task, the rows in the split order train, validation, test; and\n"+
		"prints the flags of tag run, tag affinity and tag data describe that read it back.")
	var df catalog.Choice
	addDataFlags(fs, &df)
	fs.StringVar(&df.Data, "data", "", "data set: a name from 'tag data list' (with its options) or a CSV file")
	out := fs.String("out", "", "the CSV `FILE` to write (with its checksum file FILE.sha256)")
	force := fs.Bool("force", false, "replace -out if it exists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return badInputf("-out: no file given (tag data export -data NAME -out FILE.csv)")
	}
	ds, err := df.Open()
	if err != nil {
		return err
	}
	e, err := catalog.Export(*out, ds, *force)
	if err != nil {
		return err
	}
	return e.WriteSummary(stderr)
}
