package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/report"
)

// CompareOptions are the inputs of `dumpdiff compare`.
type CompareOptions struct {
	IO *IOStreams
	// Command is the cobra command that runs (see TrendOptions.Command).
	Command   *cobra.Command
	Args      []string
	Series    SeriesFlags
	Output    OutputFlags
	Normalize bool

	// Filled by validation.
	Load   loader.Options
	Engine dumpdiff.Options
}

func newCmdCompare(ios *IOStreams, runF func(*CompareOptions) error) *cobra.Command {
	opts := &CompareOptions{IO: ios}
	formats := outputFormats()
	cmd := &cobra.Command{
		Use:   "compare BASE TARGET | FILE.diff",
		Short: "Diff two snapshots site by site",
		Long: `compare matches the allocation sites of two snapshots and lists, per site, the
base and target values, the delta and delta %, and a status: grown, shrunk,
new, gone or unchanged. Largest growth first.

With one argument, the file must carry its own baseline: NMT summary.diff or
detail.diff output (jcmd VM.native_memory summary.diff after baseline).

--normalize scales the base to the target's total first, to show which sites
took a larger share rather than which grew with everything else.`,
		Example: `  dumpdiff compare testdata/pprof/go-lifecycle/lc1.pb.gz testdata/pprof/go-lifecycle/lc8.pb.gz
  dumpdiff compare --group-by category testdata/nmt/jdk17-diff/summary.diff.txt
  dumpdiff compare --format json --top 0 testdata/tcmalloc/c-restart/restart-lc1.0001.heap testdata/tcmalloc/c-restart/restart-lc8.0001.heap`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return flagErrorf("compare needs BASE and TARGET snapshot files, or one NMT .diff file")
			case len(args) > 2:
				return flagErrorf("compare takes BASE and TARGET, got %d files: for a series use dumpdiff trend", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Command, opts.Args = cmd, args
			if err := opts.Output.check(formats); err != nil {
				return err
			}
			var err error
			if opts.Load, opts.Engine, err = opts.Series.resolve(); err != nil {
				return err
			}
			opts.Engine.Normalize = opts.Normalize
			if runF != nil {
				return runF(opts)
			}
			return compareRun(opts)
		},
	}
	opts.Series.Register(cmd.Flags(), 20, true)
	opts.Output.Register(cmd.Flags(), formats)
	cmd.Flags().BoolVar(&opts.Normalize, "normalize", false, "scale the base to the target's total before diffing")
	registerSeriesCompletions(cmd, formats)
	return cmd
}

func compareRun(opts *CompareOptions) error {
	// Each argument is one snapshot file; a directory is not expanded here,
	// so the loader names it as the mistake it is.
	if err := checkInputs(opts.Args); err != nil {
		return err
	}
	if err := checkOutputNotInput(opts.Output.Output, opts.Args); err != nil {
		return err
	}
	s, err := loader.Load(opts.Args, oneMetric(opts.Load, opts.Engine.Metric))
	if err != nil {
		return err
	}
	if s.Len() != 2 {
		return fmt.Errorf("compare %s: want BASE and TARGET, or one NMT .diff file that carries its baseline", opts.Args[0])
	}
	if err := withHints(s.CheckGrouping(opts.Engine)); err != nil {
		return err
	}
	engine := opts.Engine
	engine.Stream = streamedFormat(report.Format(opts.Output.Format))
	res, err := s.Compare(0, 1, engine)
	if err != nil {
		return err
	}
	printWarnings(opts.IO.ErrOut, res.Warnings)
	f := report.Format(opts.Output.Format)
	var prov report.Provenance
	if f == report.FormatHTML {
		if prov, err = provenance(opts.Command, []dumpdiff.SnapshotInfo{res.Base, res.Target}); err != nil {
			return err
		}
	}
	return writeOutput(opts.IO, opts.Output.Output, func(w io.Writer, tty bool) error {
		ro, err := reportOptions(f, writeContext(opts.IO, tty))
		if err != nil {
			return err
		}
		ro.HTML.Provenance = prov
		return report.Write(w, res, f, ro)
	})
}
