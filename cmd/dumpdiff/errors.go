package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// Exit codes, part of the command-line contract.
const (
	exitOK        = 0
	exitError     = 1 // bad input or usage
	exitThreshold = 3 // a --fail-on threshold was crossed
)

// FlagError is a usage mistake: run prints it with a pointer to --help.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &FlagError{fmt.Errorf(format, args...)}
}

// argsAtLeastOne is cobra.MinimumNArgs(1) with a message that says what the
// command wants rather than how many arguments it counted.
func argsAtLeastOne(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return flagErrorf("%s", msg)
		}
		return nil
	}
}

// ErrSilent is returned by a command that has already told the user what went
// wrong (for example inspect, after listing each bad file); run prints nothing more.
var ErrSilent = errors.New("silent error")

// ThresholdError reports that a --fail-on threshold was crossed (exit 3). The
// command has printed the offenders already.
type ThresholdError struct{ Count int }

func (e *ThresholdError) Error() string {
	return fmt.Sprintf("%d leak(s) over the --fail-on threshold", e.Count)
}

// withHints words the engine's typed errors for the command line, naming
// the flag to change; the engine makes each check once (dumpdiff.LabelError,
// dumpdiff.LifecycleRegexError) and says only what is wrong. Other errors,
// and nil, pass unchanged.
func withHints(err error) error {
	var label *dumpdiff.LabelError
	if errors.As(err, &label) && label.GroupBy == dumpdiff.GroupByCategory {
		if len(label.Available) == 0 {
			return errors.New("--group-by category: the snapshots carry no labels (NMT reports have categories): use --group-by stack, function or line")
		}
		return fmt.Errorf("--group-by category: the snapshots have no %q label: pick one with --label (%s)", label.Label, strings.Join(label.Available, ", "))
	}
	var lre *dumpdiff.LifecycleRegexError
	if errors.As(err, &lre) {
		return flagErrorf("invalid --lifecycle-regex %q: want a capture group around the lifecycle number, e.g. 'lc(\\d+)'", lre.Regex)
	}
	return err
}
