package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/internal/size"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/report"
)

func init() {
	extraCommands = append(extraCommands,
		func(ios *IOStreams) *cobra.Command { return newCmdTrend(ios, nil) },
		func(ios *IOStreams) *cobra.Command { return newCmdCompare(ios, nil) })
}

// TrendOptions are the inputs of `dumpdiff trend`.
type TrendOptions struct {
	IO *IOStreams
	// Command is the cobra command that runs, for the command line an HTML
	// report records.
	Command *cobra.Command
	Args    []string
	Series  SeriesFlags
	Output  OutputFlags

	// FailOn is the --fail-on text: exit 3 when a leak grows more than this
	// per lifecycle. Empty: no threshold.
	FailOn string

	// Filled by validation.
	Load        loader.Options
	Engine      dumpdiff.Options
	FailOnBytes int64
}

func newCmdTrend(ios *IOStreams, runF func(*TrendOptions) error) *cobra.Command {
	opts := &TrendOptions{IO: ios}
	formats := outputFormats()
	cmd := &cobra.Command{
		Use:   "trend FILE... | DIR",
		Short: "Rank allocation sites by growth per lifecycle across a series of snapshots",
		Long: `trend reads snapshots taken after each task restart (lifecycle), in natural
order of their names (x.9 before x.10; or --order args|time, or
--lifecycle-regex), matches allocation sites across them and ranks the sites
by how much they grow per lifecycle.

Each site gets a verdict: leak (significant growth that goes on through the
last lifecycles, at least the leak floor per lifecycle), creep (the same, but
slower than the floor), plateau (grew, then stayed), steady (the same amount
in every snapshot), noise, shrinking, new or gone. The floor is 0.01% of the
median total per lifecycle unless --min-growth says otherwise; every output
states it. Growth per lifecycle is the Theil–Sen slope; FIT is the r² of a
straight line. A directory stands for the snapshot files in it.

On a terminal the table is aligned and coloured (NO_COLOR turns colour off);
piped or written with -o, it is tab-separated with exact numbers.`,
		Example: `  dumpdiff trend testdata/pprof/go-lifecycle
  dumpdiff trend --group-by function --top 5 testdata/tcmalloc/c-restart/*.heap
  dumpdiff trend --group-by category testdata/nmt/jdk17-summary/lc-*.txt
  dumpdiff trend --limit 4GiB --format json testdata/jemalloc/c-restart | jq '.total'`,
		Args: argsAtLeastOne("trend needs snapshot files or a directory of them"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Command, opts.Args = cmd, args
			if err := opts.Output.check(formats); err != nil {
				return err
			}
			var err error
			if opts.Load, opts.Engine, err = opts.Series.resolve(); err != nil {
				return err
			}
			if opts.FailOnBytes, err = parseFailOn(opts.FailOn); err != nil {
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
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "", failOnUsage)
	registerSeriesCompletions(cmd, formats)
	return cmd
}

func trendRun(opts *TrendOptions) error {
	s, err := loadSeries(opts.IO, opts.Args, opts.Output.Output, oneMetric(opts.Load, opts.Engine.Metric))
	if err != nil {
		return err
	}
	// --fail-on judges every site, not only the --top shown; the HTML
	// report's flame graph draws every site and its table cuts at --top.
	f := report.Format(opts.Output.Format)
	engine := opts.Engine
	if opts.FailOnBytes > 0 || f == report.FormatHTML {
		engine.Top = 0
	}
	engine.Stream = streamedFormat(f)
	if err := withHints(s.CheckGrouping(engine)); err != nil {
		return err
	}
	if err := checkSeriesLength(s); err != nil {
		return err
	}
	res, err := s.Trend(engine)
	if err != nil {
		return err
	}
	offenders := batchOffenders(res, opts.FailOnBytes)
	for i, o := range offenders {
		offenders[i] = res.Site(o.Rank - 1) // whole, for their titles
	}
	if top := opts.Engine.Top; top > 0 && len(res.Sites) > top && f != report.FormatHTML {
		res.Sites = res.Sites[:top]
	}
	printWarnings(opts.IO.ErrOut, res.Warnings)
	var prov report.Provenance
	if f == report.FormatHTML {
		if prov, err = provenance(opts.Command, res.Snapshots); err != nil {
			return err
		}
	}
	err = writeOutput(opts.IO, opts.Output.Output, func(w io.Writer, tty bool) error {
		ro, err := reportOptions(f, writeContext(opts.IO, tty))
		if err != nil {
			return err
		}
		ro.HTML.Top, ro.HTML.Provenance = opts.Engine.Top, prov
		return report.Write(w, res, f, ro)
	})
	if err != nil || len(offenders) == 0 {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "dumpdiff: --fail-on %s: %d leak site(s) grow more than %s per lifecycle:\n",
		opts.FailOn, len(offenders), report.FormatQuantity(float64(opts.FailOnBytes), "bytes"))
	for _, o := range offenders {
		fmt.Fprintf(opts.IO.ErrOut, "  #%d %s %s/lifecycle\n", o.Rank, siteLabel(o),
			report.FormatSignedQuantity(o.Growth, res.Metric.Unit))
	}
	return &ThresholdError{Count: len(offenders)}
}

// streamedFormat reports an output format whose writer takes each site as
// it writes it (dumpdiff.Options.Stream), so that --top 0 on a large series
// never holds every site's stack and key at once. The HTML report takes the
// sites of its table, and each growing site once for its flame graph.
func streamedFormat(f report.Format) bool {
	return f == report.FormatJSON || f == report.FormatCSV || f == report.FormatPprof || f == report.FormatHTML
}

// checkSeriesLength refuses a series of one snapshot, which has no trend;
// the engine's "needs at least two" leaves out where to go instead.
func checkSeriesLength(s *dumpdiff.Series) error {
	switch {
	case s.Len() != 1:
		return nil
	case parsers.IsRecording(s.Format()):
		return fmt.Errorf("trend needs at least two snapshots, got 1: cut the recording into lifecycles with --every DURATION or --lifecycle-marker RE")
	}
	return fmt.Errorf("trend needs at least two snapshots, got 1: take one after each restart, or see what this one holds with dumpdiff inspect")
}

// parseFailOn reads the --fail-on size; empty means no threshold (0).
func parseFailOn(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := size.Parse(s)
	if err != nil {
		return 0, flagErrorf("invalid --fail-on: %v", err)
	}
	return n, nil
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
		_ = cmd.RegisterFlagCompletionFunc("order", fixed("name", "args", "time"))
	}
}
