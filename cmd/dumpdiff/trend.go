package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

func init() {
	extraCommands = append(extraCommands,
		func(ios *IOStreams) *cobra.Command { return newCmdTrend(ios, nil) },
		func(ios *IOStreams) *cobra.Command { return newCmdCompare(ios, nil) })
}

// WriteContext is what a renderer knows about where it writes.
type WriteContext struct {
	// TTY: the output is a terminal (aligned table, header).
	TTY bool
	// Color: ANSI colour is allowed (terminal and no NO_COLOR).
	Color bool
	// Width of the terminal; 0 when not a terminal.
	Width int
}

// TrendWriters maps each --format of trend to its renderer. Exports
// register theirs from their own files (in init).
var TrendWriters = map[string]func(w io.Writer, res *dumpdiff.TrendResult, c WriteContext) error{
	"table": func(w io.Writer, res *dumpdiff.TrendResult, c WriteContext) error {
		return report.WriteTrendTable(w, res, report.TableOptions{Aligned: c.TTY, Color: c.Color, Width: c.Width})
	},
	"json": func(w io.Writer, res *dumpdiff.TrendResult, _ WriteContext) error {
		return report.WriteTrendJSON(w, res)
	},
}

// TrendOptions are the inputs of `dumpdiff trend`.
type TrendOptions struct {
	IO     *IOStreams
	Args   []string
	Series SeriesFlags
	Output OutputFlags

	// Filled by validation.
	Load   dumpdiff.LoadOptions
	Engine dumpdiff.Options
}

func newCmdTrend(ios *IOStreams, runF func(*TrendOptions) error) *cobra.Command {
	opts := &TrendOptions{IO: ios}
	formats := sortedKeys(TrendWriters)
	cmd := &cobra.Command{
		Use:   "trend FILE... | DIR",
		Short: "Rank allocation sites by growth per lifecycle across a series of snapshots",
		Long: `trend reads snapshots taken after each task restart (lifecycle), in the order
given (or --order name|time, or --lifecycle-regex), matches allocation sites
across them and ranks the sites by how much they grow per lifecycle.

Each site gets a verdict: leak (significant growth that goes on through the
last lifecycles), plateau (grew, then stayed), noise, shrinking, new or gone.
Growth per lifecycle is the Theil–Sen slope; FIT is the r² of a straight line.
A directory stands for the snapshot files in it, in natural order.

On a terminal the table is aligned and coloured (NO_COLOR turns colour off);
piped, it is tab-separated with exact numbers.`,
		Example: `  dumpdiff trend testdata/pprof/go-lifecycle
  dumpdiff trend --group-by function --top 5 heap.*.heap
  dumpdiff trend --group-by category nmt/lc-*.txt
  dumpdiff trend --limit 4GiB --format json dumps/ | jq '.sites[0]'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if err := opts.Output.check(formats); err != nil {
				return err
			}
			var err error
			if opts.Load, err = opts.Series.LoadOptions(); err != nil {
				return err
			}
			if opts.Engine, err = opts.Series.Options(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return trendRun(opts)
		},
	}
	opts.Series.Register(cmd.Flags(), 20, false)
	opts.Output.Register(cmd.Flags(), formats)
	registerSeriesCompletions(cmd, formats)
	return cmd
}

func trendRun(opts *TrendOptions) error {
	s, err := loadSeries(opts.IO, opts.Args, opts.Load)
	if err != nil {
		return err
	}
	res, err := s.Trend(opts.Engine)
	if err != nil {
		return err
	}
	printWarnings(opts.IO.ErrOut, res.Warnings)
	write := TrendWriters[opts.Output.Format]
	return writeOutput(opts.IO, opts.Output.Output, func(w io.Writer, tty bool) error {
		return write(w, res, writeContext(opts.IO, tty))
	})
}

func writeContext(ios *IOStreams, tty bool) WriteContext {
	c := WriteContext{TTY: tty}
	if tty {
		c.Color = ios.ColorEnabled()
		c.Width = ios.TerminalWidth()
	}
	return c
}

// registerSeriesCompletions completes the enumerated flag values.
func registerSeriesCompletions(cmd *cobra.Command, formats []string) {
	fixed := func(vals ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return vals, cobra.ShellCompDirectiveNoFileComp
		}
	}
	_ = cmd.RegisterFlagCompletionFunc("group-by", fixed("stack", "function", "line", "category"))
	_ = cmd.RegisterFlagCompletionFunc("format", fixed(formats...))
	if cmd.Flags().Lookup("order") != nil {
		_ = cmd.RegisterFlagCompletionFunc("order", fixed("args", "name", "time"))
	}
}
