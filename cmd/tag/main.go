// Command tag decides which tasks should be trained together in multi-task
// neural networks, with Task Affinity Groupings (Fifty et al., NeurIPS 2021).
//
// Usage:
//
//	tag <command> [flags]
//
// Run "tag help" for the list of commands and "tag <command> -h" for the
// flags of one. This package holds flag parsing and wiring only; the work
// is done in the packages named after the paper's concepts.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one sub-command of tag. Each lives in its own file and adds
// itself to commands in an init function.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments that follow its name.
	// It writes results to stdout and progress to stderr.
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("tag: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// newFlags returns a flag set for a command that reports errors instead of
// exiting, with its usage going to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tag "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// setUsage makes fs print text, then "flags:" and the flags' defaults, to
// w for -h or a flag error.
func setUsage(fs *flag.FlagSet, w io.Writer, text string) {
	fs.Usage = func() {
		fmt.Fprintf(w, "%s\n\nflags:\n", text)
		fs.PrintDefaults()
	}
}

// parseFlags is parseFlagsArgs, with positional arguments refused.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlagsArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInputf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseFlagsArgs parses args into fs; a parse error becomes an input error
// (one line, without the usage) and -h prints the usage and becomes
// flag.ErrHelp.
func parseFlagsArgs(fs *flag.FlagSet, args []string) error {
	// The flag package prints its error and the usage: keep both for -h,
	// and let a bad flag be the one line of the error.
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if usage != nil {
				usage()
			} else {
				fmt.Fprintf(out, "usage of %s:\n", fs.Name())
				fs.PrintDefaults()
			}
			return err
		}
		return badInputf("%v (tag %s -h lists the flags)", err, strings.TrimPrefix(fs.Name(), "tag "))
	}
	return nil
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	return givenFlags(fs)[name]
}

// givenFlags returns the names of the flags given on the command line of
// fs.
func givenFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	return set
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tag <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'tag <command> -h' for the flags of a command.")
	fmt.Fprint(w, exitCodes)
}

// run is main without os.Exit, for tests: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitBadInput
	}
	name := args[0]
	if name == "-version" || name == "--version" {
		name = "version"
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "tag: unknown command %q\n\n", name)
		usage(stderr)
		return exitBadInput
	}
	interrupted.Store(nil)
	return exitStatus(name, c.run(args[1:], stdout, stderr), stderr)
}

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
