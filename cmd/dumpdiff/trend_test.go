package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

const td = "../../testdata/"

func TestTrendGolden(t *testing.T) {
	golden(t, "trend-go", 0, "trend", "--top", "5", td+"pprof/go-lifecycle")
	golden(t, "trend-go-function-json", 0, "trend", "--group-by", "function", "--top", "2", "--limit", "1GiB",
		"--format", "json", td+"pprof/go-lifecycle")
	golden(t, "trend-tcmalloc-restart", 0, "trend", "--group-by", "function", "--top", "4", "--symbols", td+"bin", td+"tcmalloc/c-restart")
	golden(t, "trend-nmt-category", 0, "trend", "--group-by", "category", "--top", "4", td+"nmt/jdk17-summary")
	// The same warning from every snapshot is printed once.
	golden(t, "trend-nmt-mb-warning", 0, "trend", "--group-by", "category", "--top", "2", td+"nmt/jdk17-summary-mb")
	golden(t, "trend-focus", 0, "trend", "--group-by", "function", "--focus", "registerMetrics", td+"pprof/go-lifecycle")
	golden(t, "trend-order-name", 0, "trend", "--order", "name", "--group-by", "function", "--top", "1",
		td+"pprof/go-lifecycle/lc8.pb.gz", td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/lc4.pb.gz")
	// Mixed formats: the C lifecycle program under tcmalloc for four
	// lifecycles, then under jemalloc; tcmalloc dumps also carry alloc_*
	// metrics, jemalloc's these do not, and inuse_space is common. The
	// files come from two directories in the order given (natural order
	// would put jemalloc/ first).
	golden(t, "trend-mixed-formats", 0, "trend", "--order", "args", "--top", "3", "--symbols", td+"bin",
		td+"tcmalloc/c-lifecycle/lifecycle.0001.heap", td+"tcmalloc/c-lifecycle/lifecycle.0002.heap",
		td+"tcmalloc/c-lifecycle/lifecycle.0003.heap", td+"tcmalloc/c-lifecycle/lifecycle.0004.heap",
		td+"jemalloc/c-lifecycle/jeprof.22429.4.m4.heap", td+"jemalloc/c-lifecycle/jeprof.22429.5.m5.heap",
		td+"jemalloc/c-lifecycle/jeprof.22429.6.m6.heap", td+"jemalloc/c-lifecycle/jeprof.22429.7.m7.heap")
	golden(t, "trend-mixed-formats-metric", 1, "trend", "-m", "alloc_space", td+"tcmalloc/c-lifecycle/lifecycle.0001.heap",
		td+"jemalloc/c-lifecycle/jeprof.22429.4.m4.heap")
	// Go profiles record when they were taken: --order time puts files
	// given backwards (and as a shell glob would, lc10 style) in order.
	golden(t, "trend-order-time", 0, "trend", "--order", "time", "--group-by", "function", "--top", "1",
		td+"pprof/go-lifecycle/lc8.pb.gz", td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/lc4.pb.gz")
	// One async-profiler recording cut at each open() of the leaking
	// operator, and jfrconv's pprof conversions of it, one per lifecycle.
	golden(t, "trend-jfr-marker-json", 0, "trend", "--lifecycle-marker", `LeakyOperator\.open`, "--marker-window", "1s",
		"--top", "1", "--format", "json", td+"jfr/jdk17/leak.jfr.gz")
	golden(t, "trend-jfr-pprof", 0, "trend", "--top", "2", td+"jfr/jdk17/pprof")
	// One heaptrack recording cut every 500 ms: RSS beside the totals.
	golden(t, "trend-heaptrack-every-json", 0, "trend", "--every", "500ms", "--group-by", "function", "--top", "2",
		"--format", "json", td+"heaptrack/c-lifecycle/lifecycle.zst")
	golden(t, "trend-lifecycle-regex", 0, "trend", "--lifecycle-regex", `lc(\d+)`, "--group-by", "function", "--top", "1",
		td+"pprof/go-lifecycle/lc8.pb.gz", td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/lc4.pb.gz")
}

func TestCompareGolden(t *testing.T) {
	golden(t, "compare-go", 0, "compare", "--group-by", "function", "--top", "4",
		td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/lc8.pb.gz")
	golden(t, "compare-go-json", 0, "compare", "--group-by", "function", "--top", "2", "--normalize", "--format", "json",
		td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/lc8.pb.gz")
	golden(t, "compare-nmt-diff", 0, "compare", "--group-by", "category", "--top", "4", td+"nmt/jdk17-diff/summary.diff.txt")
}

// TestSeriesBadInput: each mistake is one line on stderr and exit 1.
func TestSeriesBadInput(t *testing.T) {
	golden(t, "trend-one-snapshot", 1, "trend", td+"pprof/go-lifecycle/lc1.pb.gz")
	golden(t, "trend-metrics-differ", 1, "trend", td+"pprof/go-lifecycle/lc1.pb.gz", td+"nmt/jdk17-summary/lc-01.txt")
	golden(t, "trend-regex-no-match", 1, "trend", "--lifecycle-regex", `lc(\d+)`, td+"tcmalloc/c-lifecycle")
	golden(t, "trend-same-lifecycle", 1, "trend", "--lifecycle-regex", `lc(\d+)`,
		td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-sampled/lc1.pb.gz")
	golden(t, "trend-regex-no-group", 1, "trend", "--lifecycle-regex", `lc\d+`, td+"pprof/go-lifecycle")
	golden(t, "trend-every-and-marker", 1, "trend", "--every", "10s", "--lifecycle-marker", "open", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-marker-window", 1, "trend", "--lifecycle-marker", "open", "--marker-window", "0s", td+"pprof/go-lifecycle")
	golden(t, "trend-heaptrack-no-marker", 1, "trend", "--lifecycle-marker", "nowhere", td+"heaptrack/c-lifecycle/lifecycle.zst")
	golden(t, "trend-heaptrack-split-and-files", 1, "trend", "--every", "500ms", td+"heaptrack/c-lifecycle/lifecycle.zst",
		td+"heaptrack/c-restart/restart-lc1.zst")
	// async-profiler recordings: one not split, one from a killed JVM, one
	// of another profiler mode, the JDK's own Flight Recorder.
	golden(t, "trend-jfr-unsplit", 1, "trend", td+"jfr/jdk17/leak-sampled.jfr")
	golden(t, "trend-jfr-killed", 1, "trend", "--every", "1s", td+"jfr/other/killed.jfr")
	golden(t, "trend-jfr-cpu", 1, "trend", "--every", "1s", td+"jfr/other/cpu.jfr")
	golden(t, "trend-jfr-flight-recorder", 1, "trend", "--every", "1s", td+"jfr/other/jdk17-flight-recorder.jfr.gz")
	golden(t, "trend-empty-dir", 1, "trend", td+"gen/golifecycle")
	golden(t, "trend-missing", 1, "trend", td+"pprof/does-not-exist")
	golden(t, "trend-unknown-metric", 1, "trend", "-m", "committed", td+"pprof/go-lifecycle")
	golden(t, "trend-no-labels", 1, "trend", "--group-by", "category", td+"pprof/go-lifecycle")
	golden(t, "trend-other-label", 1, "trend", "--group-by", "category", "--label", "tid", td+"jemalloc/cxx-thread-names")
	// compare words the engine's label error as trend does.
	golden(t, "compare-no-labels", 1, "compare", "--group-by", "category", td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/lc2.pb.gz")
	golden(t, "trend-bad-group-by", 1, "trend", "--group-by", "module", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-focus", 1, "trend", "--focus", "(", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-limit", 1, "trend", "--limit", "lots", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-order", 1, "trend", "--order", "size", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-min-growth", 1, "trend", "--min-growth", "a little", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-min-growth-pct", 1, "trend", "--min-growth", "150%", td+"pprof/go-lifecycle")
	golden(t, "trend-bad-format", 1, "trend", "--format", "yaml", td+"pprof/go-lifecycle")
	golden(t, "trend-order-time-no-time", 1, "trend", "--order", "time", td+"tcmalloc/c-lifecycle")
	golden(t, "trend-garbage-file", 1, "trend", td+"pprof/go-lifecycle/lc1.pb.gz", td+"pprof/go-lifecycle/truth.json")
	// A format dumpdiff recognises but does not read is named, not "corrupt".
	golden(t, "trend-xz", 1, "trend", td+"unread/nmt-summary.txt.xz", td+"pprof/go-lifecycle/lc1.pb.gz")
	// A summary.diff and a detail.diff of one JVM are two kinds of report
	// and two pairs, not a series.
	golden(t, "trend-nmt-diff-kinds", 1, "trend", td+"nmt/jdk17-diff")
	golden(t, "compare-one-plain-file", 1, "compare", td+"pprof/go-lifecycle/lc1.pb.gz")
	golden(t, "compare-directories", 1, "compare", td+"pprof/go-lifecycle", td+"pprof/go-sampled")
	golden(t, "compare-three-args", 1, "compare", "a", "b", "c")
	golden(t, "trend-no-args", 1, "trend")
	golden(t, "compare-no-args", 1, "compare")
	golden(t, "trend-glob-no-match", 1, "trend", td+"pprof/go-lifecycle/*.heap")
	golden(t, "trend-output-no-dir", 1, "trend", "-o", td+"does-not-exist/out.tsv", td+"pprof/go-lifecycle")
	golden(t, "batch-snapshot-file", 1, "batch", td+"pprof/go-lifecycle/lc1.pb.gz")
	golden(t, "batch-two-args", 1, "batch", td+"jemalloc", td+"tcmalloc")
}

func TestTrendOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "trend.tsv")
	stdout, stderr, code := runCmd(t, "trend", "--top", "5", "-o", out, td+"pprof/go-lifecycle")
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("got exit %d, stdout %q, stderr %q, want 0 and nothing printed", code, stdout, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "trend-go.stdout"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("-o file got\n%s\nwant the piped output\n%s", got, want)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("got %d files in the output directory, want 1 (no temporary file left)", len(entries))
	}
	_, stderr, code = runCmd(t, "trend", "-o", filepath.Join(t.TempDir(), "missing", "x.tsv"), td+"pprof/go-lifecycle")
	if code != 1 || !strings.HasPrefix(stderr, "dumpdiff: write ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("unwritable -o: got exit %d, stderr %q, want 1 and one line", code, stderr)
	}
}

func TestNewCmdTrendFlags(t *testing.T) {
	var got *TrendOptions
	cmd := newCmdTrend(newIOStreams(nil, &bytes.Buffer{}, &bytes.Buffer{}), func(o *TrendOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"-m", "alloc_space", "--group-by", "line", "--top", "0", "--focus", "leak", "--ignore", "^runtime\\.",
		"--trim", "xmalloc", "--trim", "pool_alloc", "--order", "name", "--lifecycle-regex", `\.(\d+)\.heap`,
		"--limit", "2GiB", "--format", "json", "-o", "out.json", "--label", "thread", "a.heap", "b.heap"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	e, l := got.Engine, got.Load
	if e.Metric != "alloc_space" || e.GroupBy != dumpdiff.GroupByLine || e.Top != 0 || e.Focus.String() != "leak" ||
		e.Ignore.String() != `^runtime\.` || e.Limit != 2<<30 || e.Label != "thread" {
		t.Errorf("engine options got %+v", e)
	}
	if len(l.Trim) != 2 || l.Order != dumpdiff.OrderName || l.LifecycleRegex.String() != `\.(\d+)\.heap` || l.Parse.Symbolizer == nil {
		t.Errorf("load options got %+v", l)
	}
	if got.Output.Format != "json" || got.Output.Output != "out.json" || strings.Join(got.Args, ",") != "a.heap,b.heap" {
		t.Errorf("output got %+v, args %v", got.Output, got.Args)
	}
}

func TestNewCmdCompareFlags(t *testing.T) {
	var got *CompareOptions
	cmd := newCmdCompare(newIOStreams(nil, &bytes.Buffer{}, &bytes.Buffer{}), func(o *CompareOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--normalize", "--no-trim", "--top", "3", "a.heap", "b.heap"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Engine.Normalize || !got.Load.NoTrim || got.Engine.Top != 3 || got.Engine.GroupBy != dumpdiff.GroupByStack {
		t.Errorf("got %+v / %+v", got.Engine, got.Load)
	}
	// --limit, --order and --min-growth belong to a series, not to a pair.
	for _, f := range []string{"limit", "order", "lifecycle-regex", "min-growth"} {
		if cmd.Flags().Lookup(f) != nil {
			t.Errorf("compare has --%s, want it only on trend", f)
		}
	}
}

// TestMinGrowthFlag: --min-growth takes a size per lifecycle, a share of
// the median total, or 0 (off); without it the engine's default applies.
func TestMinGrowthFlag(t *testing.T) {
	tests := []struct {
		arg       string
		size      int64
		share     float64
		wantError bool
	}{
		{"", 0, 0, false},
		{"0", -1, 0, false},
		{"0%", -1, 0, false},
		{"64KiB", 64 << 10, 0, false},
		{"4096", 4096, 0, false},
		{"0.1%", 0, 0.001, false},
		{" 2 % ", 0, 0.02, false},
		{"150%", 0, 0, true},
		{"-1", 0, 0, true},
		{"lots", 0, 0, true},
		{"%", 0, 0, true},
	}
	for _, tt := range tests {
		size, share, err := parseMinGrowth(tt.arg)
		if (err != nil) != tt.wantError || size != tt.size || math.Abs(share-tt.share) > 1e-12 {
			t.Errorf("parseMinGrowth(%q): got %d, %v, %v; want %d, %v, error %v", tt.arg, size, share, err, tt.size, tt.share, tt.wantError)
		}
	}
}

// TestTrendMinGrowth: on the JDK 17 NMT summary series NMT's own
// bookkeeping grows 17.7 KiB per lifecycle beside the 8 MiB leak: a creep
// under the default floor, a leak with the floor off, and still a creep
// under a 64 KiB floor; --fail-on counts leaks only.
func TestTrendMinGrowth(t *testing.T) {
	golden(t, "trend-min-growth-default", 0, "trend", "--group-by", "category", "--top", "3", td+"nmt/jdk17-summary")
	golden(t, "trend-min-growth-off", 0, "trend", "--group-by", "category", "--top", "3", "--min-growth", "0", td+"nmt/jdk17-summary")
	golden(t, "trend-min-growth-size", 0, "trend", "--group-by", "category", "--top", "3", "--min-growth", "64KiB", "--format", "markdown", td+"nmt/jdk17-summary")
	golden(t, "trend-min-growth-fail-on", 3, "trend", "--group-by", "category", "--top", "3", "--min-growth", "0", "--fail-on", "16KiB", td+"nmt/jdk17-summary")
	golden(t, "trend-min-growth-fail-on-default", 3, "trend", "--group-by", "category", "--top", "3", "--fail-on", "16KiB", td+"nmt/jdk17-summary")
}

// TestTrendFailOn: exit 3 with the offending leaks on stderr when a leak grows
// more than the threshold per lifecycle, judged over all sites, not only --top.
func TestTrendFailOn(t *testing.T) {
	golden(t, "trend-fail-on-crossed", 3, "trend", "--top", "1", "--group-by", "function", "--fail-on", "200KiB", td+"pprof/go-lifecycle")
	golden(t, "trend-fail-on-clear", 0, "trend", "--top", "1", "--group-by", "function", "--fail-on", "8MiB", td+"pprof/go-lifecycle")
	golden(t, "trend-fail-on-bad-size", 1, "trend", "--fail-on", "lots", td+"pprof/go-lifecycle")
}
