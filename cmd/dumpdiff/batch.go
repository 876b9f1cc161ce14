package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/report"
)

func init() {
	extraCommands = append(extraCommands, func(ios *IOStreams) *cobra.Command { return newCmdBatch(ios, nil) })
}

// BatchOptions are the inputs of `dumpdiff batch`.
type BatchOptions struct {
	IO *IOStreams

	// Source is a directory of series (one per subdirectory) or a manifest.
	Source string
	// Format is the output format: "jsonl" (default) or "csv".
	Format string
	// Output is the file to write; empty means standard output.
	Output string
	// Jobs is how many series run at once; default the number of CPUs.
	Jobs int
	// FailOn is the --fail-on text; FailOnBytes its value (0 when unset).
	FailOn      string
	FailOnBytes int64
	// Quiet turns the progress line off.
	Quiet bool
	// Series are the flags shared with trend (--metric, --group-by, --top,
	// --trim, --symbols, ...): defaults that a manifest's series can override.
	Series SeriesFlags

	// load and rank are Series turned into engine options by the command.
	load loader.Options
	rank dumpdiff.Options

	// trend computes one series; nil means the engine (loadTrend). Tests
	// replace it to count concurrency.
	trend func(spec SeriesSpec) (*dumpdiff.TrendResult, error)
}

// SeriesOptions are the options one series of a batch manifest can set;
// empty ones take the command line's value.
type SeriesOptions struct {
	Metric         string `json:"metric,omitempty" yaml:"metric"`
	GroupBy        string `json:"group_by,omitempty" yaml:"group_by"`
	LifecycleRegex string `json:"lifecycle_regex,omitempty" yaml:"lifecycle_regex"`
	Order          string `json:"order,omitempty" yaml:"order"`
}

// SeriesSpec is one series of a batch: a name, its snapshot files or
// directory, and its options.
type SeriesSpec struct {
	Name          string   `json:"name" yaml:"name"`
	Dir           string   `json:"dir,omitempty" yaml:"dir"`
	Files         []string `json:"files,omitempty" yaml:"files"`
	SeriesOptions `yaml:",inline"`
}

// Manifest is the JSON or YAML file `dumpdiff batch MANIFEST` reads.
// Relative paths are relative to the manifest's directory.
type Manifest struct {
	Series []SeriesSpec `json:"series" yaml:"series"`
}

func newCmdBatch(ios *IOStreams, runF func(*BatchOptions) error) *cobra.Command {
	opts := &BatchOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "batch DIR | MANIFEST",
		Short: "Rank many series at once, for scripts and CI gates",
		Long:  batchLong,
		Example: `  dumpdiff batch testdata/jemalloc --fail-on 1MiB -o leaks.jsonl
  dumpdiff batch testdata/batch/series.json --format csv -o batch.csv
  dumpdiff batch testdata/batch/series.yaml --fail-on 1MiB
  dumpdiff batch testdata/jemalloc --top 3 | jq -r 'select(.sites[0].verdict == "leak") | .name'`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return flagErrorf("batch needs a directory with one subdirectory per series, or a manifest")
			case len(args) > 1:
				return flagErrorf("batch takes one directory or manifest, got %d: list several series in a manifest", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if err := opts.resolve(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return batchRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Format, "format", "jsonl", "output `FORMAT`: jsonl (one JSON object per series) or csv (one row per site)")
	f.StringVarP(&opts.Output, "output", "o", "", outputUsage)
	f.IntVarP(&opts.Jobs, "jobs", "j", 0, "run `N` series at once (0: one per CPU)")
	f.StringVar(&opts.FailOn, "fail-on", "", failOnUsage)
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress line on stderr")
	opts.Series.Register(f, 10, false)
	return cmd
}

// batchLong is batch's --help.
const batchLong = `batch runs trend on many series at once: each subdirectory of DIR is one series
(for example one directory of heap dumps per container), or a manifest, JSON
or YAML, lists the series with their files and options:

  {"series": [
    {"name": "tm-1", "dir": "dumps/tm-1"},
    {"name": "tm-2", "files": ["a/lc1.heap", "a/lc2.heap", "a/lc3.heap"],
     "metric": "inuse_space", "group_by": "function",
     "lifecycle_regex": "lc(\\d+)", "order": "name"}
  ]}

  series:
    - name: tm-1
      dir: dumps/tm-1
    - name: tm-2
      files: [a/lc1.heap, a/lc2.heap, a/lc3.heap]
      group_by: function

Relative paths in a manifest are relative to the manifest's directory. Series
run in parallel (--jobs), each with one parsed series in memory. The output has
one JSON object per line per series (--format jsonl, schema dumpdiff.batch/v1)
or one CSV row per site (--format csv), in the order the series are listed,
whatever order they finish in.

A series that cannot be loaded is reported (an "error" field, and a line on
stderr) and does not stop the others. Exit status: 3 when --fail-on is given
and a site with verdict leak in any series grows more than that per lifecycle
(the offenders are listed on stderr); otherwise 1 when any series failed; else 0.`

// resolve checks the flags and turns them into the options a run needs.
func (opts *BatchOptions) resolve() error {
	if opts.Format != "jsonl" && opts.Format != "csv" {
		return flagErrorf("invalid --format %q: want jsonl or csv", opts.Format)
	}
	if err := checkOutputPath(opts.Output); err != nil {
		return err
	}
	if opts.Jobs < 0 {
		return flagErrorf("invalid --jobs %d: want 1 or more (0: one per CPU)", opts.Jobs)
	}
	if opts.Jobs == 0 {
		opts.Jobs = runtime.NumCPU()
	}
	var err error
	if opts.FailOnBytes, err = parseFailOn(opts.FailOn); err != nil {
		return err
	}
	opts.load, opts.rank, err = opts.Series.resolve()
	return err
}

// checkSeriesOptions validates options before any series runs.
func checkSeriesOptions(o SeriesOptions) error {
	switch dumpdiff.GroupBy(o.GroupBy) {
	case "", dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine, dumpdiff.GroupByCategory:
	default:
		return fmt.Errorf("invalid group_by %q: want stack, function, line or category", o.GroupBy)
	}
	if _, err := dumpdiff.ParseOrder(o.Order); err != nil {
		return err
	}
	if o.LifecycleRegex != "" {
		if _, err := batchLifecycleRegex(o.LifecycleRegex); err != nil {
			return err
		}
	}
	return nil
}

// batchSeries lists the series of source: the subdirectories of a directory
// in natural order, or the series of a manifest.
func batchSeries(source string) ([]SeriesSpec, error) {
	fi, err := os.Stat(source)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", source, batchUnwrapPath(err))
	}
	if fi.IsDir() {
		entries, err := os.ReadDir(source)
		if err != nil {
			return nil, fmt.Errorf("batch %s: %w", source, batchUnwrapPath(err))
		}
		var specs []SeriesSpec
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			path := filepath.Join(source, e.Name())
			if st, err := os.Stat(path); err != nil || !st.IsDir() {
				continue
			}
			specs = append(specs, SeriesSpec{Name: e.Name(), Dir: path})
		}
		if len(specs) == 0 {
			return nil, fmt.Errorf("batch %s: no series: want one subdirectory of snapshots per series (for one series use dumpdiff trend)", source)
		}
		slices.SortStableFunc(specs, func(a, b SeriesSpec) int { return dumpdiff.NaturalCompare(a.Name, b.Name) })
		return specs, nil
	}
	return readManifest(source)
}

// readManifest reads a JSON or YAML manifest strictly: unknown fields are
// errors, so a misspelt option does not silently fall back to a default. A
// manifest whose first character is "{" is JSON; anything else is YAML.
func readManifest(path string) ([]SeriesSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, batchUnwrapPath(err))
	}
	if format, err := parsers.DetectFile(path); err == nil {
		return nil, fmt.Errorf("batch %s: a snapshot (%s), not a directory or manifest: for one series use dumpdiff trend", path, format)
	}
	var m Manifest
	if trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("read manifest %s: %s", path, jsonErrorText(data, dec.InputOffset(), err))
		}
		if dec.More() {
			return nil, fmt.Errorf("read manifest %s: unexpected data after the manifest object", path)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read manifest %s: %s", path, yamlErrorText(err))
		}
	}
	if len(m.Series) == 0 {
		return nil, fmt.Errorf("read manifest %s: no series: want {\"series\": [{\"name\": …, \"dir\" or \"files\": …}]}", path)
	}
	base := filepath.Dir(path)
	seen := map[string]bool{}
	for i := range m.Series {
		s := &m.Series[i]
		switch {
		case s.Name == "":
			return nil, fmt.Errorf("read manifest %s: series %d has no name", path, i+1)
		case seen[s.Name]:
			return nil, fmt.Errorf("read manifest %s: series %q is listed twice", path, s.Name)
		case s.Dir == "" && len(s.Files) == 0:
			return nil, fmt.Errorf("read manifest %s: series %q has neither dir nor files", path, s.Name)
		case s.Dir != "" && len(s.Files) > 0:
			return nil, fmt.Errorf("read manifest %s: series %q has both dir and files; want one", path, s.Name)
		}
		seen[s.Name] = true
		if s.Dir != "" && !filepath.IsAbs(s.Dir) {
			s.Dir = filepath.Join(base, s.Dir)
		}
		for j, f := range s.Files {
			if !filepath.IsAbs(f) {
				s.Files[j] = filepath.Join(base, f)
			}
		}
		if err := checkSeriesOptions(s.SeriesOptions); err != nil {
			return nil, fmt.Errorf("read manifest %s: series %q: %w", path, s.Name, err)
		}
	}
	return m.Series, nil
}

// jsonErrorText turns a decoding error into text with a line number: the
// error's own offset when it has one, else where the decoder stopped.
func jsonErrorText(data []byte, stopped int64, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := stopped
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	line := 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
	return fmt.Sprintf("line %d: %s", line, msg)
}

// yamlErrorText keeps a YAML decoding error on one line: the library lists
// several field errors on separate lines under "unmarshal errors:".
func yamlErrorText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:")
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = yamlGoType.ReplaceAllString(l, "")
		l = strings.NewReplacer("into []main.SeriesSpec", "into a list of series", "into main.SeriesSpec", "into a series",
			"into main.Manifest", "into a manifest (series: [...])", "into []string", "into a list of files").Replace(l)
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return oneLine(strings.Join(parts, "; "))
}

// yamlGoType is the Go type the YAML library names in field errors
// ("field dri not found in type main.SeriesSpec"), which means nothing to
// the user.
var yamlGoType = regexp.MustCompile(` in type [\w.\[\]*]+`)

// batchResult is one finished series.
type batchResult struct {
	spec      SeriesSpec
	res       *dumpdiff.TrendResult
	err       error
	offenders []dumpdiff.TrendSite
}

func batchRun(opts *BatchOptions) error {
	specs, err := batchSeries(opts.Source)
	if err != nil {
		return err
	}
	if err := checkBatchOutput(opts.Output, opts.Source, specs); err != nil {
		return err
	}
	var failed, offending int
	var offenderLines []string
	write := func(w io.Writer) error {
		out := newBatchWriter(w, opts.Format)
		progress := newBatchProgress(opts.IO, !opts.Quiet && opts.IO.IsStderrTTY(), len(specs))
		defer progress.finish()
		return runSeries(specs, opts, progress, func(r batchResult) error {
			name := report.Clean(r.spec.Name) // a directory name or a manifest's word
			if r.err != nil {
				failed++
				progress.printf("dumpdiff: series %s: %s\n", name, oneLine(r.err.Error()))
			} else if len(r.res.Warnings) > 0 {
				var buf bytes.Buffer
				printWarningsFor(&buf, "series "+name+": ", r.res.Warnings)
				progress.printf("%s", buf.String())
			}
			if len(r.offenders) > 0 {
				offending++
				for _, s := range r.offenders {
					offenderLines = append(offenderLines, fmt.Sprintf("  %s: #%d %s %s/lifecycle (%s)", name, s.Rank,
						siteLabel(s), report.FormatSignedQuantity(s.Growth, r.res.Metric.Unit), s.Verdict))
				}
			}
			return progress.around(func() error { return out.write(r, opts) })
		})
	}
	// Batch output is text (JSON Lines or CSV), fine on a terminal.
	if err := writeOutput(opts.IO, opts.Output, func(w io.Writer, _ bool) error { return write(w) }); err != nil {
		return err
	}
	if len(offenderLines) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "dumpdiff: --fail-on %s: %d leak site(s) in %d series grow more than %s per lifecycle:\n",
			opts.FailOn, len(offenderLines), offending, report.FormatQuantity(float64(opts.FailOnBytes), "bytes"))
		for _, l := range offenderLines {
			fmt.Fprintln(opts.IO.ErrOut, l)
		}
		return &ThresholdError{Count: len(offenderLines)}
	}
	if failed > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "dumpdiff: %d of %d series failed\n", failed, len(specs))
		return ErrSilent
	}
	return nil
}

// checkBatchOutput refuses -o naming the manifest or a snapshot of any
// series. The series directories are expanded only when the output file
// exists already: a file that is not there yet cannot be an input. A series
// that cannot be expanded is left to fail on its own.
func checkBatchOutput(output, source string, specs []SeriesSpec) error {
	if output == "" {
		return nil
	}
	if _, err := os.Stat(output); err != nil {
		return nil
	}
	inputs := []string{source}
	for _, s := range specs {
		inputs = append(inputs, s.Files...)
		if s.Dir != "" {
			if paths, _, err := loader.ExpandPaths([]string{s.Dir}); err == nil {
				inputs = append(inputs, paths...)
			}
		}
	}
	return checkOutputNotInput(output, inputs)
}

// runSeries runs every series with at most opts.Jobs at once and hands the
// results to emit in the order of specs, as soon as each one and all before
// it are done; emit runs on the calling goroutine.
func runSeries(specs []SeriesSpec, opts *BatchOptions, progress *batchProgress, emit func(batchResult) error) error {
	trend := opts.trend
	if trend == nil {
		trend = func(spec SeriesSpec) (*dumpdiff.TrendResult, error) { return loadTrend(spec, opts.load, opts.rank) }
	}
	results := make([]chan batchResult, len(specs))
	for i := range results {
		results[i] = make(chan batchResult, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Jobs, len(specs)) {
		wg.Go(func() {
			for i := range next {
				spec := specs[i]
				progress.started(spec.Name)
				res, err := trend(spec)
				r := batchResult{spec: spec, res: res, err: err}
				if err == nil {
					r.offenders = batchOffenders(res, opts.FailOnBytes)
					for i, o := range r.offenders {
						r.offenders[i] = res.Site(o.Rank - 1)
					}
					if top := opts.Series.Top; top > 0 && len(res.Sites) > top {
						res.Sites = res.Sites[:top]
					}
					// Only the sites kept are built whole (the engine
					// streams them: see loadTrend).
					for i := range res.Sites {
						res.Sites[i] = res.Site(i)
					}
				}
				progress.done(spec.Name)
				results[i] <- r
			}
		})
	}
	go func() {
		defer close(next)
		for i := range specs {
			next <- i
		}
	}()
	var firstErr error
	for i := range specs {
		r := <-results[i]
		if firstErr == nil {
			firstErr = emit(r)
		}
	}
	wg.Wait()
	return firstErr
}

// batchOffenders are the leak sites of res growing more than limit per lifecycle;
// none when limit is 0 (no --fail-on).
func batchOffenders(res *dumpdiff.TrendResult, limit int64) []dumpdiff.TrendSite {
	if limit <= 0 {
		return nil
	}
	var out []dumpdiff.TrendSite
	for _, s := range res.Sites {
		if s.Verdict == dumpdiff.VerdictLeak && s.Growth > float64(limit) {
			out = append(out, s)
		}
	}
	return out
}

// siteLabel names a site in a --fail-on message on stderr: its title, else
// its key, on one line and cleaned, so a name cannot drive the terminal.
func siteLabel(s dumpdiff.TrendSite) string {
	name := s.Title
	if name == "" {
		name = s.Key
	}
	return oneLine(name)
}

// batchWriter writes batch results as JSON Lines or CSV.
type batchWriter struct {
	w   io.Writer
	csv *report.BatchCSV // nil for JSON Lines
}

func newBatchWriter(w io.Writer, format string) *batchWriter {
	b := &batchWriter{w: w}
	if format == "csv" {
		b.csv = report.NewBatchCSV(w)
	}
	return b
}

func (b *batchWriter) write(r batchResult, opts *BatchOptions) error {
	s := report.BatchSeries{Name: r.spec.Name, Result: r.res, Err: r.err, FailOn: opts.FailOnBytes}
	for _, o := range r.offenders {
		s.Offenders = append(s.Offenders, o.Rank)
	}
	if b.csv != nil {
		return b.csv.Write(s)
	}
	return report.WriteBatchJSON(b.w, s)
}

// batchUnwrapPath drops *os.PathError's repetition of the path we already name.
func batchUnwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
