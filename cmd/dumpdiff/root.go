package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/report"
)

// run is the whole program, minus os.Exit: tests call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ios := newIOStreams(stdin, stdout, stderr)
	root := newRootCmd(ios)
	root.SetArgs(args)
	root.SetContext(withCommandLine(context.Background(), args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var flagErr *FlagError
	var threshold *ThresholdError
	switch {
	case errors.Is(err, ErrSilent):
		return exitError
	case errors.As(err, &threshold):
		return exitThreshold
	case errors.As(err, &flagErr) || isCobraUsageError(err):
		if name, ok := unknownCommand(err); ok {
			err = unknownCommandError(root, name)
		}
		fmt.Fprintf(stderr, "dumpdiff: %s\n", oneLine(err.Error()))
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitError
	}
	fmt.Fprintf(stderr, "dumpdiff: %s\n", oneLine(err.Error()))
	return exitError
}

// isCobraUsageError recognises cobra's own argument and flag errors, which are
// plain errors without a type.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

// unknownCommandRE matches cobra's error for a first argument that is no
// command: `unknown command "trends" for "dumpdiff"` (then its suggestions).
var unknownCommandRE = regexp.MustCompile(`^unknown command ("(?:[^"\\]|\\.)*") for `)

// unknownCommand returns the word cobra did not know as a command.
func unknownCommand(err error) (string, bool) {
	m := unknownCommandRE.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	name, uerr := strconv.Unquote(m[1])
	return name, uerr == nil
}

// unknownCommandError says, on one line, what to type instead of name: the
// command it looks like, or the command first when name is a file.
func unknownCommandError(root *cobra.Command, name string) error {
	if s := root.SuggestionsFor(name); len(s) > 0 {
		return fmt.Errorf("unknown command %q: did you mean %s?", name, s[0])
	}
	if _, err := os.Stat(name); err == nil {
		return fmt.Errorf("unknown command %q: the command comes first, e.g. dumpdiff trend %s", name, name)
	}
	return fmt.Errorf("unknown command %q: want trend, compare, explore, inspect or batch", name)
}

// badNumberRE matches pflag's error for a value that does not parse:
// `invalid argument "abc" for "--top" flag: strconv.ParseInt: parsing "abc": invalid syntax`.
var badNumberRE = regexp.MustCompile(`^invalid argument ("(?:[^"\\]|\\.)*") for "(?:-\w, )?(--[\w-]+)" flag: strconv\.Parse(Int|Uint)`)

// plainFlagError words a flag value that is not a number without Go's
// strconv details.
func plainFlagError(err error) error {
	m := badNumberRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	return fmt.Errorf("invalid %s %s: want a whole number", m[2], m[1])
}

// oneLine readies a message for one line of stderr, whatever a wrapped
// cause holds: runs of white space become one space, and the names it quotes
// (file and directory names, site names from a dump) go through the one
// sanitiser, report.Clean, so none can write to the terminal.
func oneLine(s string) string {
	return report.Clean(strings.Join(strings.Fields(s), " "))
}

func newRootCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "dumpdiff",
		Short: "Find native memory leaks by comparing snapshots across task restarts",
		Long: `dumpdiff reads memory snapshots taken after each task restart (lifecycle) —
Go/pprof heap profiles, gperftools (tcmalloc) heap dumps, jemalloc heap_v2
dumps and JVM Native Memory Tracking reports — matches allocation sites across
them, and ranks the sites by how much they retain per lifecycle.`,
		Example: `  dumpdiff trend testdata/pprof/go-lifecycle
  dumpdiff compare testdata/pprof/go-lifecycle/lc1.pb.gz testdata/pprof/go-lifecycle/lc8.pb.gz
  dumpdiff inspect testdata/tcmalloc/c-restart/restart-lc1.0001.heap
  dumpdiff explore --demo`,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{plainFlagError(err)} })
	root.AddCommand(newCmdInspect(ios, nil))
	for _, add := range extraCommands {
		root.AddCommand(add(ios))
	}
	return root
}

// extraCommands lets each subcommand file register itself without editing
// this one; order does not matter (cobra sorts the help listing).
var extraCommands []func(*IOStreams) *cobra.Command
