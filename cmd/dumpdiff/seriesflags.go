package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/internal/atomicfile"
	"github.com/dumpdiff/dumpdiff/internal/size"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
	"github.com/dumpdiff/dumpdiff/report"
)

// SeriesFlags are the flags shared by every command that loads a series and
// ranks its sites (trend, compare, explore, batch): what to load, how to
// match sites, what to show.
type SeriesFlags struct {
	Metric         string
	GroupBy        string
	Label          string
	Top            int
	Focus          string
	Ignore         string
	Trim           []string
	NoTrim         bool
	Symbols        []string
	Order          string
	LifecycleRegex string
	Limit          string
	MinGrowth      string
	InputFormat    string
	CollapsedUnit  string
	Every          time.Duration
	Marker         string
	MarkerWindow   time.Duration
	// MaxDecompressed is --max-decompressed: how large a gzipped input may
	// grow when decompressed.
	MaxDecompressed string
}

// Register adds the series flags to fs. top is the default of --top. pair
// leaves out what only a series has (--order, --lifecycle-regex, --limit),
// for compare.
func (f *SeriesFlags) Register(fs *pflag.FlagSet, top int, pair bool) {
	fs.StringVarP(&f.Metric, "metric", "m", "", "metric `NAME` to rank (default: the format's retained-memory metric, e.g. inuse_space, committed; name/unit picks between same-named metrics)")
	fs.StringVar(&f.GroupBy, "group-by", "stack", "`GROUP` sites by stack, function, line or category (a sample label, see --label)")
	fs.StringVar(&f.Label, "label", "category", "sample label `KEY` that --group-by category groups by")
	fs.IntVar(&f.Top, "top", top, "show the `N` highest-ranked sites (0: all)")
	fs.StringVar(&f.Focus, "focus", "", "keep only stacks with a frame (function, file or module) matching the regexp `RE`")
	fs.StringVar(&f.Ignore, "ignore", "", "drop stacks with a frame (function, file or module) matching the regexp `RE`")
	fs.StringArrayVar(&f.Trim, "trim", nil, "also trim frames matching the regexp `RE` as allocator frames (repeatable)")
	fs.BoolVar(&f.NoTrim, "no-trim", false, "keep allocator frames (malloc, operator new, je_*, runtime.mallocgc, ...)")
	fs.StringArrayVar(&f.Symbols, "symbols", nil, symbolsUsage)
	fs.StringVar(&f.InputFormat, "input-format", "", "skip detection and read every file as `FORMAT` ("+formatList()+")")
	fs.StringVar(&f.MaxDecompressed, "max-decompressed", defaultMaxDecompressed, maxDecompressedUsage)
	fs.StringVar(&f.CollapsedUnit, "collapsed-unit", parsers.CollapsedBytes, collapsedUnitUsage)
	_ = cobra.MarkFlagDirname(fs, "symbols")
	if pair {
		return
	}
	fs.StringVar(&f.Order, "order", "name", "series `ORDER`: name (natural sort: x.9 before x.10), args (as given) or time (inside the snapshot)")
	fs.StringVar(&f.LifecycleRegex, "lifecycle-regex", "", "read each file's lifecycle number from the first capture group of the regexp `RE` on its base name")
	fs.StringVar(&f.Limit, "limit", "", "project how many more lifecycles fit before the total reaches `SIZE` (e.g. 4GiB)")
	fs.StringVar(&f.MinGrowth, "min-growth", "", "call a trend a leak only when it grows at least `SIZE` per lifecycle (e.g. 64KiB), or a share of the median total (0.1%); slower ones are creep; 0 turns the floor off (default 0.01%)")
	fs.DurationVar(&f.Every, "every", 0, "cut a recording (heaptrack, async-profiler) into lifecycles of `DURATION` each (e.g. 30s)")
	fs.StringVar(&f.Marker, "lifecycle-marker", "", "start a recording's lifecycle when a frame matching the regexp `RE` allocates (e.g. 'Operator.*open')")
	fs.DurationVar(&f.MarkerWindow, "marker-window", parsers.DefaultMarkerWindow, "a marker allocation within `DURATION` of the previous one belongs to the same lifecycle")
}

// Flag usages that more than one command shares, worded once.
const (
	symbolsUsage       = "`DIR` to search for the binaries of address-only dumps (jemalloc, tcmalloc), by build ID or name (repeatable)"
	outputUsage        = "write to `FILE` instead of standard output (replaced atomically)"
	collapsedUnitUsage = "`UNIT` of the values of collapsed stacks: bytes or count"
	failOnUsage        = "exit 3 when a leak grows more than `SIZE` per lifecycle (e.g. 1MiB), listing the leaks on stderr"
	// A small compressed bomb must not take the machine down.
	maxDecompressedUsage   = "refuse a compressed file (gzip, zstd) that decompresses to more than `SIZE` (0: no limit)"
	defaultMaxDecompressed = "1GiB"
)

// parseMaxDecompressed reads --max-decompressed: a size, or 0 for no limit
// (parsers.Options' negative).
func parseMaxDecompressed(s string) (int64, error) {
	if s == "0" {
		return -1, nil
	}
	n, err := size.Parse(s)
	if err != nil || n <= 0 {
		return 0, flagErrorf("invalid --max-decompressed %q: want a size such as 4GiB, or 0 for no limit", s)
	}
	return n, nil
}

// compileFlagRE compiles a regexp flag value, or returns nil for "".
func compileFlagRE(name, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, flagErrorf("invalid --%s %q: %v", name, expr, err)
	}
	return re, nil
}

// LoadOptions turns the flags into the engine's load options.
func (f *SeriesFlags) LoadOptions() (loader.Options, error) {
	var lo loader.Options
	if err := checkInputFormat(f.InputFormat); err != nil {
		return lo, err
	}
	lo.Parse.Format = parsers.Format(f.InputFormat)
	var err error
	if lo.Parse.MaxDecompressed, err = parseMaxDecompressed(f.MaxDecompressed); err != nil {
		return lo, err
	}
	if err := checkCollapsedUnit(f.CollapsedUnit); err != nil {
		return lo, err
	}
	lo.Parse.CollapsedUnit = f.CollapsedUnit
	order, err := dumpdiff.ParseOrder(f.Order)
	if err != nil {
		return lo, flagErrorf("invalid --order %q: want name, args or time", f.Order)
	}
	lo.Order = order
	for _, t := range f.Trim {
		re, err := compileFlagRE("trim", t)
		if err != nil {
			return lo, err
		}
		if re != nil {
			lo.Trim = append(lo.Trim, re)
		}
	}
	lo.NoTrim = f.NoTrim
	if lo.Parse.Split.Marker, err = compileFlagRE("lifecycle-marker", f.Marker); err != nil {
		return lo, err
	}
	lo.Parse.Split.Every, lo.Parse.Split.MarkerWindow = f.Every, f.MarkerWindow
	if err := lo.Parse.Split.Check(); err != nil {
		return lo, flagErrorf("%v", err)
	}
	if lo.Parse.Split.MarkerWindow <= 0 && lo.Parse.Split.Marker != nil {
		return lo, flagErrorf("invalid --marker-window %v: want a positive duration", f.MarkerWindow)
	}
	if lo.LifecycleRegex, err = compileFlagRE("lifecycle-regex", f.LifecycleRegex); err != nil {
		return lo, err
	}
	if err := dumpdiff.CheckLifecycleRegex(lo.LifecycleRegex); err != nil {
		return lo, withHints(err) // before any file is read
	}
	for _, d := range f.Symbols {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			return lo, flagErrorf("invalid --symbols %q: not a directory", d)
		}
	}
	lo.Parse.Symbolizer = newSymbolizer(f.Symbols)
	return lo, nil
}

// Options turns the flags into the engine's ranking options.
func (f *SeriesFlags) Options() (dumpdiff.Options, error) {
	var o dumpdiff.Options
	switch g := dumpdiff.GroupBy(f.GroupBy); g {
	case dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine, dumpdiff.GroupByCategory:
		o.GroupBy = g
	default:
		return o, flagErrorf("invalid --group-by %q: want stack, function, line or category", f.GroupBy)
	}
	if f.Top < 0 {
		return o, flagErrorf("invalid --top %d: want 0 (all) or more", f.Top)
	}
	o.Metric, o.Label, o.Top = f.Metric, f.Label, f.Top
	var err error
	if o.Focus, err = compileFlagRE("focus", f.Focus); err != nil {
		return o, err
	}
	if o.Ignore, err = compileFlagRE("ignore", f.Ignore); err != nil {
		return o, err
	}
	if f.Limit != "" {
		n, err := size.Parse(f.Limit)
		if err != nil || n <= 0 {
			return o, flagErrorf("invalid --limit %q: want a size such as 4GiB", f.Limit)
		}
		o.Limit = n
	}
	if o.MinGrowth, o.MinGrowthShare, err = parseMinGrowth(f.MinGrowth); err != nil {
		return o, err
	}
	return o, nil
}

// parseMinGrowth reads --min-growth: "" is the engine's default floor, "0"
// turns the floor off, "64KiB" is a size per lifecycle and "0.1%" a share
// of the series' median total. It returns dumpdiff.Options' MinGrowth and
// MinGrowthShare.
func parseMinGrowth(s string) (int64, float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, 0, nil
	}
	if pct, ok := strings.CutSuffix(t, "%"); ok {
		p, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || p < 0 || p > 100 || math.IsNaN(p) {
			return 0, 0, flagErrorf("invalid --min-growth %q: want a size such as 64KiB, a share such as 0.1%%, or 0", s)
		}
		if p == 0 {
			return -1, 0, nil
		}
		return 0, p / 100, nil
	}
	n, err := size.Parse(t)
	if err != nil {
		return 0, 0, flagErrorf("invalid --min-growth %q: want a size such as 64KiB, a share such as 0.1%%, or 0", s)
	}
	if n == 0 {
		return -1, 0, nil
	}
	return n, 0, nil
}

// resolve turns the flags into the engine's load and ranking options, the
// load flags checked first.
func (f *SeriesFlags) resolve() (loader.Options, dumpdiff.Options, error) {
	lo, err := f.LoadOptions()
	if err != nil {
		return lo, dumpdiff.Options{}, err
	}
	o, err := f.Options()
	return lo, o, err
}

// oneMetric makes lo keep the values of one metric only: the one ranked
// (metric, or each snapshot's default when ""). A command that ranks one
// metric then holds a quarter of the values of a Go heap profile series.
func oneMetric(lo loader.Options, metric string) loader.Options {
	if metric != "" {
		lo.Metric = metric
	} else {
		lo.KeepRetained = true
	}
	return lo
}

// loadSeries expands directories and loads the series, drawing progress on
// stderr when it is a terminal and the series is long enough to wait for.
// output is the -o file, refused before anything is parsed when it is one of
// the snapshots.
func loadSeries(ios *IOStreams, args []string, output string, lo loader.Options) (*dumpdiff.Series, error) {
	if err := checkInputs(args); err != nil {
		return nil, err
	}
	paths, warns, err := loader.ExpandPaths(args)
	if err != nil {
		return nil, err
	}
	lo.Warnings = append(lo.Warnings, warns...)
	if err := checkOutputNotInput(output, paths); err != nil {
		return nil, err
	}
	if ios.IsStderrTTY() && len(paths) > 4 {
		lo.Progress = func(done, total int, path string) {
			fmt.Fprintf(ios.ErrOut, "\r\x1b[Kloading %d/%d %s", done, total, report.Clean(filepath.Base(path)))
			if done == total {
				fmt.Fprint(ios.ErrOut, "\r\x1b[K")
			}
		}
	}
	return loader.Load(paths, lo)
}

// printWarnings writes the load warnings on stderr, one line each. A
// warning that every snapshot of a series repeats (same cause, same line,
// only the file differs) is printed once, with a count of the others.
func printWarnings(w io.Writer, warns []error) {
	printWarningsFor(w, "", warns)
}

// printWarningsFor is printWarnings with a subject after "dumpdiff: " (a
// batch series, "series tm-1: "), so a batch's warnings say whose they are.
func printWarningsFor(w io.Writer, subject string, warns []error) {
	type group struct {
		first string
		more  int
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range warns {
		key := oneLine(e.Error())
		var pe *parsers.ParseError
		if errors.As(e, &pe) {
			key = fmt.Sprintf("%s\x00%d\x00%v", pe.Format, pe.Line, pe.Err)
		}
		if g, ok := groups[key]; ok {
			if g.first != oneLine(e.Error()) {
				g.more++
			}
			continue
		}
		groups[key] = &group{first: oneLine(e.Error())}
		order = append(order, key)
	}
	for _, k := range order {
		g := groups[k]
		switch g.more {
		case 0:
			fmt.Fprintf(w, "dumpdiff: %swarning: %s\n", subject, g.first)
		case 1:
			fmt.Fprintf(w, "dumpdiff: %swarning: %s (and 1 more snapshot)\n", subject, g.first)
		default:
			fmt.Fprintf(w, "dumpdiff: %swarning: %s (and %d more snapshots)\n", subject, g.first, g.more)
		}
	}
}

// OutputFlags are --format and -o/--output.
type OutputFlags struct {
	Format string
	Output string
}

// Register adds the output flags; formats lists the accepted --format values.
func (f *OutputFlags) Register(fs *pflag.FlagSet, formats []string) {
	fs.StringVar(&f.Format, "format", "table", "output `FORMAT`: "+strings.Join(formats, ", "))
	fs.StringVarP(&f.Output, "output", "o", "", outputUsage)
}

// check validates --format against the registered writers.
func (f *OutputFlags) check(formats []string) error {
	if !slices.Contains(formats, f.Format) {
		return flagErrorf("invalid --format %q: want %s", f.Format, strings.Join(formats, ", "))
	}
	return checkOutputPath(f.Output)
}

// checkOutputPath checks, before any work, that -o names a file in a
// directory that exists; the error reads like the write error it saves.
func checkOutputPath(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("write %s: is a directory; want a file name for -o", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("write %s: directory %s does not exist", path, dir)
	}
	return nil
}

// checkOutputNotInput refuses an output file that is one of the inputs: the
// same file by device and inode, whatever the path says (a symbolic or hard
// link to it, "./" or "../" on the way), so a report never replaces a
// snapshot it was made from. An output that does not exist yet is no input.
func checkOutputNotInput(output string, inputs []string) error {
	if output == "" {
		return nil
	}
	out, err := os.Stat(output)
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if fi, err := os.Stat(in); err == nil && os.SameFile(out, fi) {
			if filepath.Clean(in) == filepath.Clean(output) {
				return fmt.Errorf("write %s: it is an input of this report; write the report to another file", output)
			}
			return fmt.Errorf("write %s: it is the input %s; write the report to another file", output, in)
		}
	}
	return nil
}

// checkInputs names an argument that is a shell pattern matching nothing:
// the shell passes such a pattern on unexpanded, and "no such file" for a
// name with a star in it would leave the user guessing.
func checkInputs(args []string) error {
	for _, a := range args {
		if !strings.ContainsAny(a, "*?[") {
			continue
		}
		if _, err := os.Stat(a); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no file matches %s: check the directory and the pattern", a)
		}
	}
	return nil
}

// writeOutput runs write to standard output, or to -o FILE through a
// temporary file renamed into place, so a reader never sees half a report.
// tty reports whether the writer is a terminal (aligned, coloured tables).
func writeOutput(ios *IOStreams, path string, write func(w io.Writer, tty bool) error) error {
	if path == "" {
		return write(ios.Out, ios.IsStdoutTTY())
	}
	return atomicfile.Write(path, func(w io.Writer) error { return write(w, false) })
}

// newSymbolizer symbolises address-only dumps (jemalloc, tcmalloc) from the
// binaries their mappings name, searched on this machine and under dirs.
func newSymbolizer(dirs []string) parsers.Symbolizer {
	return symbolize.New(symbolize.Options{SearchDirs: dirs})
}
