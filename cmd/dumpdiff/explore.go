package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/internal/demo"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/report"
	"github.com/dumpdiff/dumpdiff/tui"
)

func init() {
	extraCommands = append(extraCommands, func(ios *IOStreams) *cobra.Command { return newCmdExplore(ios, nil) })
}

// ExploreOptions are the inputs of `dumpdiff explore`.
type ExploreOptions struct {
	IO *IOStreams

	Files []string
	// Demo opens the sample series embedded in the binary instead of Files.
	Demo bool

	Metric         string
	GroupBy        string
	Top            int
	Focus          string
	Ignore         string
	Trim           []string
	NoTrim         bool
	InputFormat    string
	Order          string
	LifecycleRegex string
	Limit          string
}

func newCmdExplore(ios *IOStreams, runF func(*ExploreOptions) error) *cobra.Command {
	opts := &ExploreOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "explore FILE... | DIR | --demo",
		Short: "Explore a series in a terminal UI: ranked sites, stacks, call trees, pairs",
		Long: `explore opens a series of snapshots in a full-screen terminal UI: the sites
ranked by growth per lifecycle as in trend, each site's call stack and value
per lifecycle (enter), the call tree around a frame (t), and the pair diff of
any two snapshots (p). Press ? for every key.

It takes the same flags as trend. --demo opens a real sample series embedded
in the binary (eight Go heap profiles, one per task lifecycle, with a leak).`,
		Example: `  dumpdiff explore --demo
  dumpdiff explore testdata/pprof/go-lifecycle
  dumpdiff explore --order name --limit 2GiB dumps/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Demo && len(args) > 0 {
				return flagErrorf("--demo takes no files")
			}
			if !opts.Demo && len(args) == 0 {
				return flagErrorf("explore needs snapshot files, a directory, or --demo")
			}
			if err := checkInputFormat(opts.InputFormat); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return exploreRun(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Demo, "demo", false, "open the sample series embedded in the binary")
	f.StringVarP(&opts.Metric, "metric", "m", "", "metric to rank (default: the format's retained-bytes metric, e.g. inuse_space)")
	f.StringVar(&opts.GroupBy, "group-by", "stack", "site granularity: stack, function, line or category")
	f.IntVar(&opts.Top, "top", 0, "keep only the top N sites (0 = all)")
	f.StringVar(&opts.Focus, "focus", "", "keep only samples with a frame matching this regexp")
	f.StringVar(&opts.Ignore, "ignore", "", "drop samples with a frame matching this regexp")
	f.StringArrayVar(&opts.Trim, "trim", nil, "also trim frames matching this regexp as allocator frames (repeatable)")
	f.BoolVar(&opts.NoTrim, "no-trim", false, "keep every frame, allocator frames included")
	f.StringVar(&opts.InputFormat, "input-format", "", "skip detection and read every file as this format ("+formatList()+")")
	f.StringVar(&opts.Order, "order", "args", "series order: args, name or time")
	f.StringVar(&opts.LifecycleRegex, "lifecycle-regex", "", "read the lifecycle number from the first capture group in each file name")
	f.StringVar(&opts.Limit, "limit", "", "project how many lifecycles fit before the total reaches this size, e.g. 2GiB")
	return cmd
}

// exploreQuery turns the flags into the engine's load options and query.
func exploreQuery(opts *ExploreOptions) (dumpdiff.LoadOptions, dumpdiff.Options, error) {
	var lo dumpdiff.LoadOptions
	var q dumpdiff.Options
	compile := func(flag, expr string) (*regexp.Regexp, error) {
		if expr == "" {
			return nil, nil
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, flagErrorf("invalid --%s %q: %v", flag, expr, err)
		}
		return re, nil
	}
	var err error
	if q.Focus, err = compile("focus", opts.Focus); err != nil {
		return lo, q, err
	}
	if q.Ignore, err = compile("ignore", opts.Ignore); err != nil {
		return lo, q, err
	}
	for _, t := range opts.Trim {
		re, err := compile("trim", t)
		if err != nil {
			return lo, q, err
		}
		lo.Trim = append(lo.Trim, re)
	}
	if lo.LifecycleRegex, err = compile("lifecycle-regex", opts.LifecycleRegex); err != nil {
		return lo, q, err
	}
	if lo.Order, err = dumpdiff.ParseOrder(opts.Order); err != nil {
		return lo, q, &FlagError{err}
	}
	switch g := dumpdiff.GroupBy(opts.GroupBy); g {
	case dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine, dumpdiff.GroupByCategory:
		q.GroupBy = g
	default:
		return lo, q, flagErrorf("invalid --group-by %q: want stack, function, line or category", opts.GroupBy)
	}
	if opts.Top < 0 {
		return lo, q, flagErrorf("invalid --top %d: want 0 (all) or more", opts.Top)
	}
	if opts.Limit != "" {
		if q.Limit, err = report.ParseSize(opts.Limit); err != nil {
			return lo, q, &FlagError{fmt.Errorf("invalid --limit: %w", err)}
		}
	}
	lo.NoTrim = opts.NoTrim
	lo.Parse.Format = parsers.Format(opts.InputFormat)
	q.Metric, q.Top = opts.Metric, opts.Top
	return lo, q, nil
}

func exploreRun(opts *ExploreOptions) error {
	if !opts.IO.IsStdoutTTY() {
		return errors.New("explore needs a terminal; use dumpdiff trend for piped output")
	}
	lo, q, err := exploreQuery(opts)
	if err != nil {
		return err
	}
	title := ""
	var paths []string
	if opts.Demo {
		paths, lo.Open, title = demo.Paths(), demo.Open, demo.Name
	} else {
		if paths, err = dumpdiff.ExpandPaths(opts.Files); err != nil {
			return err
		}
		title = seriesTitle(opts.Files)
	}
	load := func(progress func(done, total int, path string)) (tui.Engine, error) {
		lo.Progress = progress
		s, err := dumpdiff.Load(paths, lo)
		if err != nil {
			return nil, err
		}
		// Check the query once before the UI starts, so a bad --metric is
		// one line on stderr rather than an error inside the UI.
		if _, err := s.Trend(dumpdiff.Options{Metric: q.Metric, GroupBy: q.GroupBy, Top: 1}); err != nil {
			return nil, err
		}
		return s, nil
	}
	p := tea.NewProgram(tui.NewLoader(load, tui.Options{Query: q, Title: title, Export: exportView}),
		tea.WithInput(opts.IO.In), tea.WithOutput(opts.IO.Out))
	final, err := p.Run()
	if err != nil {
		return fmt.Errorf("explore: %w", err)
	}
	if l, ok := final.(tui.Loader); ok && l.Err() != nil && !tui.ErrInterrupted(l.Err()) {
		return l.Err()
	}
	return nil
}

// seriesTitle names the series in the header: the directory, or the first file.
func seriesTitle(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return fmt.Sprintf("%s and %d more", filepath.Base(args[0]), len(args)-1)
}

// exportView writes what the explorer shows with report's writers, atomically.
func exportView(path string, f tui.ExportFormat, trend *dumpdiff.TrendResult, pair *dumpdiff.CompareResult) error {
	return report.WriteFileAtomic(path, func(w io.Writer) error {
		switch {
		case f == tui.ExportCSV && trend != nil:
			return report.WriteTrendCSV(w, trend)
		case f == tui.ExportCSV:
			return report.WriteCompareCSV(w, pair)
		case f == tui.ExportMarkdown && trend != nil:
			return report.WriteTrendMarkdown(w, trend)
		case f == tui.ExportMarkdown:
			return report.WriteCompareMarkdown(w, pair)
		case trend != nil:
			return writeTrendJSON(w, trend)
		}
		return writeCompareJSON(w, pair)
	})
}
