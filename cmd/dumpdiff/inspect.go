package main

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
	"github.com/dumpdiff/dumpdiff/report"
	"github.com/spf13/cobra"
)

// InspectOptions are the inputs of `dumpdiff inspect`.
type InspectOptions struct {
	IO *IOStreams

	Files []string
	// Format is the output format: "table" (default) or "json".
	Format string
	// InputFormat skips detection when set.
	InputFormat string
	// CollapsedUnit is the unit of collapsed stacks' values.
	CollapsedUnit string
	// SymbolDirs are searched for the binaries of address-only dumps.
	SymbolDirs []string
	// MaxDecompressed is --max-decompressed.
	MaxDecompressed string
	maxBytes        int64
}

func newCmdInspect(ios *IOStreams, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Show what a snapshot holds: format, metrics, totals, sites, sampling",
		Long: `inspect parses each snapshot and prints its detected format, every metric with
its unit and total, the number of samples and distinct stacks, the sampling
period, the time and pid when the file records them, and any warnings.

Every file is reported; the exit status is 1 when any of them could not be read.`,
		Example: `  dumpdiff inspect testdata/pprof/go-lifecycle/*.pb.gz
  dumpdiff inspect --format json testdata/jemalloc/c-restart/restart-lc1.heap | jq '.snapshots[].metrics'`,
		Args: argsAtLeastOne("inspect needs one or more snapshot files"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Format != "table" && opts.Format != "json" {
				return flagErrorf("invalid --format %q: want table or json", opts.Format)
			}
			if err := checkInputFormat(opts.InputFormat); err != nil {
				return err
			}
			if err := checkCollapsedUnit(opts.CollapsedUnit); err != nil {
				return err
			}
			var err error
			if opts.maxBytes, err = parseMaxDecompressed(opts.MaxDecompressed); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output `FORMAT`: table or json")
	cmd.Flags().StringVar(&opts.InputFormat, "input-format", "", "skip detection and read every file as `FORMAT` ("+formatList()+")")
	cmd.Flags().StringArrayVar(&opts.SymbolDirs, "symbols", nil, symbolsUsage)
	cmd.Flags().StringVar(&opts.CollapsedUnit, "collapsed-unit", parsers.CollapsedBytes, collapsedUnitUsage)
	cmd.Flags().StringVar(&opts.MaxDecompressed, "max-decompressed", defaultMaxDecompressed, maxDecompressedUsage)
	return cmd
}

func checkCollapsedUnit(u string) error {
	if u != parsers.CollapsedBytes && u != parsers.CollapsedCount {
		return flagErrorf("invalid --collapsed-unit %q: want %s or %s", u, parsers.CollapsedBytes, parsers.CollapsedCount)
	}
	return nil
}

func formatList() string {
	names := make([]string, len(parsers.Formats))
	for i, f := range parsers.Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

func checkInputFormat(f string) error {
	if f == "" {
		return nil
	}
	for _, known := range parsers.Formats {
		if string(known) == f {
			return nil
		}
	}
	return flagErrorf("invalid --input-format %q: want one of %s", f, formatList())
}

// openSnapshot reads one file for inspect; tests replace it.
var openSnapshot = parsers.Open

func inspectRun(opts *InspectOptions) error {
	popts := &parsers.Options{
		Format:          parsers.Format(opts.InputFormat),
		CollapsedUnit:   opts.CollapsedUnit,
		Symbolizer:      symbolize.New(symbolize.Options{SearchDirs: opts.SymbolDirs}),
		MaxDecompressed: opts.maxBytes,
	}
	var good []*report.InspectedSnapshot
	failed := 0
	for _, path := range opts.Files {
		// A parser bug on one file must not hide the report on the others.
		snap, err := parsers.Guarded(path, func(p string) (*parsers.Snapshot, error) { return openSnapshot(p, popts) })
		if err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "dumpdiff: %s\n", oneLine(err.Error()))
			failed++
			continue
		}
		good = append(good, report.DescribeSnapshot(snap))
	}
	var err error
	if opts.Format == "json" {
		err = report.WriteInspectJSON(opts.IO.Out, good)
	} else {
		err = writeInspectText(opts.IO.Out, opts.IO.ErrOut, good, opts.IO.IsStdoutTTY())
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return ErrSilent
	}
	return nil
}

// writeInspectText prints a block per snapshot on a terminal, and one
// tab-separated row per snapshot and metric when piped, with the warnings on
// warnOut so the rows stay machine-readable.
func writeInspectText(w, warnOut io.Writer, snaps []*report.InspectedSnapshot, tty bool) error {
	if len(snaps) == 0 {
		return nil
	}
	if !tty {
		bw := bufio.NewWriter(w)
		fmt.Fprintln(bw, "path\tformat\tmetric\tunit\ttotal\tsamples\tstacks\tperiod")
		for _, s := range printable(flattenBaselines(snaps)) {
			for _, w := range s.Warnings {
				fmt.Fprintf(warnOut, "dumpdiff: warning: %s\n", w)
			}
			for _, m := range s.Metrics {
				fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", s.Path, s.Format, m.Name, m.Unit, m.Total, s.Samples, s.Stacks, s.Period)
			}
		}
		return bw.Flush()
	}
	for i, s := range printable(flattenBaselines(snaps)) {
		if i > 0 {
			fmt.Fprintln(w)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\n", s.Path)
		fmt.Fprintf(tw, "  format\t%s\n", describeFormat(s))
		if s.Time != nil {
			fmt.Fprintf(tw, "  time\t%s\n", s.Time.Format(time.RFC3339))
		}
		if s.PID != nil {
			fmt.Fprintf(tw, "  pid\t%d\n", *s.PID)
		}
		if s.RSS > 0 {
			fmt.Fprintf(tw, "  rss\t%s (%d bytes)\n", report.FormatQuantity(float64(s.RSS), "bytes"), s.RSS)
		}
		switch {
		case s.Period > 1 && s.Unsampled:
			fmt.Fprintf(tw, "  sampling\tevery %d %s on average; values unsampled\n", s.Period, s.PeriodUnit)
		case s.Period > 1:
			fmt.Fprintf(tw, "  sampling\tperiod %d %s\n", s.Period, s.PeriodUnit)
		default:
			fmt.Fprintf(tw, "  sampling\tnone (every allocation recorded)\n")
		}
		sym := "no"
		if s.Symbolized {
			sym = "yes"
		}
		fmt.Fprintf(tw, "  samples\t%d (%d distinct stacks, %d mappings, symbolized: %s)\n", s.Samples, s.Stacks, s.Mappings, sym)
		metrics := append([]report.InspectedMetric(nil), s.Metrics...)
		sort.SliceStable(metrics, func(a, b int) bool { return metrics[a].Name == s.Default && metrics[b].Name != s.Default })
		for j, m := range metrics {
			label := ""
			if j == 0 {
				label = "metrics"
			}
			human := report.FormatQuantity(float64(m.Total), m.Unit)
			if m.Unit == "bytes" {
				human = fmt.Sprintf("%s (%d bytes)", human, m.Total)
			} else {
				human += " " + m.Unit
			}
			if m.Name == s.Default {
				human += "  [default]"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", label, m.Name, human)
		}
		for j, warn := range s.Warnings {
			label := ""
			if j == 0 {
				label = "warnings"
			}
			fmt.Fprintf(tw, "  %s\t%s\n", label, warn)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// printable copies snaps for a text listing with every name cleaned (paths,
// metric names and units, variant, producer) and each warning made one clean
// line; the JSON listing keeps them exact.
func printable(snaps []*report.InspectedSnapshot) []*report.InspectedSnapshot {
	out := make([]*report.InspectedSnapshot, len(snaps))
	for i, s := range snaps {
		c := *s
		c.Path, c.Variant, c.Producer = report.Clean(s.Path), report.Clean(s.Variant), report.Clean(s.Producer)
		c.Default, c.PeriodUnit = report.Clean(s.Default), report.Clean(s.PeriodUnit)
		c.Metrics = make([]report.InspectedMetric, len(s.Metrics))
		for j, m := range s.Metrics {
			c.Metrics[j] = report.InspectedMetric{Name: report.Clean(m.Name), Unit: report.Clean(m.Unit), Total: m.Total}
		}
		c.Warnings = make([]string, len(s.Warnings))
		for j, w := range s.Warnings {
			c.Warnings[j] = oneLine(w)
		}
		out[i] = &c
	}
	return out
}

// describeFormat reads "tcmalloc (gperftools)" or "pprof (go-heap, Go
// runtime)": the format, then the variant and producer that add something.
func describeFormat(s *report.InspectedSnapshot) string {
	var extra []string
	for _, e := range []string{s.Variant, s.Producer} {
		said := string(s.Format) + " " + strings.Join(extra, " ")
		if e != "" && !strings.Contains(said, e) {
			extra = append(extra, e)
		}
	}
	if len(extra) == 0 {
		return string(s.Format)
	}
	return string(s.Format) + " (" + strings.Join(extra, ", ") + ")"
}

// flattenBaselines lists each snapshot followed by its baseline, if any,
// named "PATH (baseline)".
func flattenBaselines(snaps []*report.InspectedSnapshot) []*report.InspectedSnapshot {
	var out []*report.InspectedSnapshot
	for _, s := range snaps {
		out = append(out, s)
		if s.Baseline != nil {
			b := *s.Baseline
			b.Path = s.Path + " (baseline)"
			out = append(out, &b)
		}
	}
	return out
}
