package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/internal/atomicfile"
	"github.com/dumpdiff/dumpdiff/internal/demo"
	"github.com/dumpdiff/dumpdiff/loader"
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
	// Series are the flags trend takes, with --top 0 (all sites) by default.
	Series SeriesFlags

	// Filled by validation.
	Load   loader.Options
	Engine dumpdiff.Options
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

It takes the flags of trend but --format, -o and --fail-on, and shows every
site unless --top says otherwise. --demo opens a real sample series embedded
in the binary (eight Go heap profiles, one per task lifecycle, with a leak).`,
		Example: `  dumpdiff explore --demo
  dumpdiff explore testdata/pprof/go-lifecycle
  dumpdiff explore --group-by category --limit 2GiB testdata/nmt/jdk17-summary`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Demo && len(args) > 0 {
				return flagErrorf("--demo takes no files")
			}
			if !opts.Demo && len(args) == 0 {
				return flagErrorf("explore needs snapshot files, a directory, or --demo")
			}
			var err error
			if opts.Load, opts.Engine, err = opts.Series.resolve(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return exploreRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Demo, "demo", false, "open the sample series embedded in the binary")
	opts.Series.Register(cmd.Flags(), 0, false)
	return cmd
}

func exploreRun(opts *ExploreOptions) error {
	if !opts.IO.IsStdoutTTY() {
		return errors.New("explore needs a terminal; use dumpdiff trend for piped output")
	}
	lo, q := opts.Load, opts.Engine
	var title string
	var paths []string
	if opts.Demo {
		paths, lo.Open, title = demo.Paths(), demo.Open, demo.Name
	} else {
		var err error
		if paths, lo.Warnings, err = loader.ExpandPaths(opts.Files); err != nil {
			return err
		}
		title = seriesTitle(opts.Files)
	}
	load := func(progress func(tui.LoadProgress)) (tui.Engine, error) {
		return loadExplored(paths, lo, q, progress)
	}
	if len(paths) == 1 {
		// One file is one snapshot, or a pair when it carries its
		// baseline (an NMT .diff): only loading it tells, and it is quick,
		// so it is loaded before the UI starts, to refuse a lone snapshot
		// the way trend does.
		s, err := loadExplored(paths, lo, q, nil)
		if err != nil {
			return err
		}
		if err := checkSeriesLength(s); err != nil {
			return err
		}
		load = func(func(tui.LoadProgress)) (tui.Engine, error) { return s, nil }
	}
	// Exports go to the working directory, which the prompt names whole.
	cwd, _ := os.Getwd()
	p := tea.NewProgram(tui.NewLoader(load, tui.Options{Query: q, Title: title, Export: exportTo(paths), ExportDir: cwd}),
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

// loadExplored loads the series to explore and checks the query once, so a
// bad --metric is one line on stderr rather than an error inside the UI.
func loadExplored(paths []string, lo loader.Options, q dumpdiff.Options, progress func(tui.LoadProgress)) (*dumpdiff.Series, error) {
	if progress != nil {
		// Files and bytes come from different goroutines: report both.
		var mu sync.Mutex
		var at tui.LoadProgress
		lo.Progress = func(done, total int, path string) {
			mu.Lock()
			defer mu.Unlock()
			at.Done, at.Total, at.Path = done, total, path
			progress(at)
		}
		lo.ReadProgress = func(read, size int64) {
			mu.Lock()
			defer mu.Unlock()
			at.Read, at.Size = read, size
			if at.Total == 0 {
				at.Total = len(paths)
			}
			progress(at)
		}
	}
	s, err := loader.Load(paths, lo)
	if err != nil {
		return nil, err
	}
	if err := withHints(s.CheckGrouping(q)); err != nil {
		return nil, err
	}
	if err := s.Check(q); err != nil {
		return nil, err
	}
	return s, nil
}

// seriesTitle names the series in the header: the directory, or the first file.
func seriesTitle(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return fmt.Sprintf("%s and %d more", filepath.Base(args[0]), len(args)-1)
}

// exportTo returns the explorer's exporter for a series read from inputs: it
// refuses to write over one of them.
func exportTo(inputs []string) tui.Exporter {
	return func(path string, f tui.ExportFormat, view dumpdiff.Result) error {
		if err := checkOutputNotInput(path, inputs); err != nil {
			return err
		}
		return exportView(path, f, view)
	}
}

// exportView writes what the explorer shows with report's writers,
// atomically, in any format of the command line; an HTML page says where it
// came from as trend's does (the command line aside: it was explore).
func exportView(path string, f tui.ExportFormat, res dumpdiff.Result) error {
	rf, ro := f.ReportFormat()
	if rf == report.FormatHTML {
		made, err := reportTime()
		if err != nil {
			return err
		}
		ro.HTML.Provenance = report.Provenance{Version: buildVersion(), Directory: seriesDirectory(res.Sources()), Generated: made}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return report.Write(w, res, rf, ro)
	})
}
