package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// nmtFixtures lists every committed NMT report (real series and the
// fixtures built from public sources).
func nmtFixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, g := range []string{"nmt/*/*.txt", "nmt/*/*.txt.gz"} {
		m, err := filepath.Glob(filepath.Join("..", "testdata", g))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	if len(out) < 40 {
		t.Fatalf("got %d NMT fixtures, want at least 40", len(out))
	}
	return out
}

// readReport returns a fixture's text, gunzipped when it is gzip.
func readReport(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// reportTotal reads the report's own "Total: reserved=…, committed=…" line
// (with an independent, simpler reading than the parser's) and returns
// current and baseline totals in bytes.
func reportTotal(t *testing.T, data []byte) (cur, base [2]int64) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^Total:\s+reserved=(\d+)([KMG]?B?)(?: ([+-]\d+)[KMG]?B?)?,\s+committed=(\d+)[KMG]?B?(?: ([+-]\d+)[KMG]?B?)?`)
	m := re.FindSubmatch(data)
	if m == nil {
		t.Fatal("no Total: line")
	}
	scale := map[string]int64{"": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(m[2])]
	num := func(b []byte) int64 {
		if len(b) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n * scale
	}
	cur = [2]int64{num(m[1]), num(m[4])}
	base = [2]int64{cur[0] - num(m[3]), cur[1] - num(m[5])}
	return cur, base
}

func TestNMTTotalsEqualReportTotal(t *testing.T) {
	for _, path := range nmtFixtures(t) {
		t.Run(strings.TrimPrefix(path, "../testdata/nmt/"), func(t *testing.T) {
			data := readReport(t, path)
			snap, err := Parse(bytes.NewReader(data), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			cur, base := reportTotal(t, data)
			check := func(s *Snapshot, want [2]int64, side string) {
				t.Helper()
				tot := s.Totals()
				r, c := tot[s.MetricIndex("reserved")], tot[s.MetricIndex("committed")]
				if r != want[0] || c != want[1] {
					t.Errorf("%s: got reserved=%d committed=%d, want %d %d (the report's Total: line)", side, r, c, want[0], want[1])
				}
			}
			check(snap, cur, "current")
			if snap.Baseline != nil {
				check(snap.Baseline, base, "baseline")
			} else if strings.Contains(snap.Variant, "diff") {
				t.Errorf("got no baseline for a %s report", snap.Variant)
			}
			if err := snap.Profile.CheckValid(); err != nil {
				t.Errorf("invalid profile: %v", err)
			}
		})
	}
}

// categoryValue sums the metric over the samples labelled category.
func categoryValue(s *Snapshot, metric, category string) int64 {
	i := s.MetricIndex(metric)
	var n int64
	for _, smp := range s.Profile.Sample {
		if smp.Label["category"][0] == category {
			n += smp.Value[i]
		}
	}
	return n
}

func parseFile(t testing.TB, path string) *Snapshot {
	t.Helper()
	snap, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestNMTSeriesGroundTruth checks the planted behaviour in the parsed real
// series: category Other grows by the leak (8 MiB per lifecycle), Thread and
// Symbol grow only in lifecycles 1-2, and in detail series the leaking site
// (Unsafe_AllocateMemory0 from Java, or Java alone on JDK 25) carries the
// whole leak once its JIT-split halves are summed.
func TestNMTSeriesGroundTruth(t *testing.T) {
	const leak = 8 << 20
	for _, series := range []string{"jdk17-summary", "jdk17-summary-mb", "jdk17-detail", "jdk25-summary", "jdk25-summary-mb", "jdk25-detail"} {
		t.Run(series, func(t *testing.T) {
			paths, _ := filepath.Glob(filepath.Join("..", "testdata", "nmt", series, "lc-*.txt"))
			gz, _ := filepath.Glob(filepath.Join("..", "testdata", "nmt", series, "lc-*.txt.gz"))
			paths = append(paths, gz...)
			if len(paths) < 5 {
				t.Fatalf("got %d snapshots, want at least 5", len(paths))
			}
			var other, thread, symbol, site []int64
			for _, p := range paths {
				s := parseFile(t, p)
				other = append(other, categoryValue(s, "committed", "Other"))
				thread = append(thread, categoryValue(s, "committed", "Thread"))
				symbol = append(symbol, categoryValue(s, "committed", "Symbol"))
				if strings.HasSuffix(series, "detail") {
					site = append(site, leakSiteValue(t, s))
					// The raw report splits the leak over two sites (interpreted
					// and JIT-compiled Java caller); the parser merged them.
					_, details, _ := strings.Cut(string(readReport(t, p)), "\nDetails:\n")
					if n := strings.Count(details, "type=Other #") + strings.Count(details, "tag=Other #"); n != 2 {
						t.Errorf("%s: got %d Other sites in Details:, want the JIT split (2)", p, n)
					}
				}
			}
			for i := 1; i < len(other); i++ {
				if d := other[i] - other[i-1]; d != leak {
					t.Errorf("Other lifecycle %d→%d: got %+d, want %+d", i, i+1, d, leak)
				}
				if i >= 2 {
					tol := int64(64 << 10)
					if strings.HasSuffix(series, "-mb") {
						tol = 1 << 20
					}
					if d := thread[i] - thread[i-1]; d > tol || d < -tol {
						t.Errorf("Thread lifecycle %d→%d: got %+d, want flat", i, i+1, d)
					}
					if d := symbol[i] - symbol[i-1]; d > tol || d < -tol {
						t.Errorf("Symbol lifecycle %d→%d: got %+d, want flat", i, i+1, d)
					}
				}
			}
			if thread[1]-thread[0] <= 0 || symbol[1]-symbol[0] <= 0 {
				t.Errorf("got Thread %v Symbol %v, want growth from lifecycle 1 to 2", thread, symbol)
			}
			for i, v := range site {
				if want := int64(i+1) * leak; v != want {
					t.Errorf("leak site at lifecycle %d: got %d, want %d", i+1, v, want)
				}
			}
		})
	}
}

// leakSiteValue returns the committed bytes of the leaking detail site: the
// one sample of category Other whose innermost frame is
// Unsafe_AllocateMemory0 (JDK 17) or Java code (JDK 25), after merging.
func leakSiteValue(t *testing.T, s *Snapshot) int64 {
	t.Helper()
	i := s.MetricIndex("committed")
	var found []string
	var v int64
	for _, smp := range s.Profile.Sample {
		if smp.Label["category"][0] != "Other" {
			continue
		}
		fn := smp.Location[0].Line[0].Function.Name
		if fn == "Unsafe_AllocateMemory0" || fn == nmtJavaFrame {
			found = append(found, stackString(smp.Location))
			v += smp.Value[i]
		}
	}
	if len(found) != 1 {
		t.Errorf("got leak sites %q, want exactly one (JIT-split sites merged)", found)
	}
	return v
}

func stackString(locs []*profile.Location) string {
	var parts []string
	for _, l := range locs {
		for _, ln := range l.Line {
			parts = append(parts, ln.Function.Name)
		}
	}
	return strings.Join(parts, " ← ")
}

func TestNMTGolden(t *testing.T) {
	for _, path := range nmtFixtures(t) {
		// Every detail snapshot would add ~60 KB of golden text; the
		// first and last lifecycle of each detail series stand for the rest.
		if strings.Contains(path, "-detail/lc-") && !strings.Contains(path, "lc-01.") && !strings.Contains(path, "lc-06.") {
			continue
		}
		// Whole detail reports at exit: TestNMTTotalsEqualReportTotal and
		// TestNMTExitDetail check them.
		if strings.Contains(path, "/exit-") && strings.Contains(path, "-detail.") {
			continue
		}
		t.Run(strings.TrimPrefix(path, "../testdata/nmt/"), func(t *testing.T) {
			s := parseFile(t, path)
			got := dumpSnapshot(s)
			if s.Baseline != nil {
				got = append(got, "baseline:\n"...)
				got = append(got, dumpSnapshot(s.Baseline)...)
			}
			golden(t, strings.TrimSuffix(path, ".gz")+".golden", got)
		})
	}
}

// TestNMTRealSeriesClean checks that the real reports parse without
// warnings other than the rounding note of scale=MB reports, so their
// categories add up to Total within rounding.
func TestNMTRealSeriesClean(t *testing.T) {
	for _, path := range nmtFixtures(t) {
		if strings.Contains(path, "/public/") {
			continue
		}
		s := parseFile(t, path)
		for _, w := range s.Warnings {
			if !strings.Contains(w.Error(), "values rounded to MB") && !strings.Contains(w.Error(), "values rounded to GB") {
				t.Errorf("%s: got warning %q, want none", path, w)
			}
		}
		if strings.Contains(path, "-mb/") && len(s.Warnings) != 1 {
			t.Errorf("%s: got %d warnings, want the MB rounding warning", path, len(s.Warnings))
		}
	}
}

// nmtLines returns the lines of a real report up to and including the
// first line containing marker (1-based count n of that line too).
func nmtLinesUpTo(t *testing.T, path, marker string) (string, int) {
	t.Helper()
	lines := strings.SplitAfter(string(readReport(t, path)), "\n")
	for i, l := range lines {
		if strings.Contains(l, marker) {
			return strings.Join(lines[:i+1], ""), i + 1
		}
	}
	t.Fatalf("%s: no line containing %q", path, marker)
	return "", 0
}

func TestParseNMTErrors(t *testing.T) {
	summary := string(readReport(t, "../testdata/nmt/jdk17-summary/lc-06.txt"))
	lineOf := func(s, marker string) int {
		t.Helper()
		i := strings.Index(s, marker)
		if i < 0 {
			t.Fatalf("no %q", marker)
		}
		return strings.Count(s[:i], "\n") + 1
	}
	cutThread, cutThreadLine := nmtLinesUpTo(t, "../testdata/nmt/jdk17-summary/lc-06.txt", "(thread #")
	cutSite, cutSiteLine := nmtLinesUpTo(t, "../testdata/nmt/jdk17-detail/lc-06.txt.gz", "Unsafe_AllocateMemory0")
	tcmalloc := "heap profile:    1:  1048576 [     1:  1048576] @ heapprofile\n     1:  1048576 [     1:  1048576] @ 0x4005d6 0x7f0e2c0a1b2c\n"
	garbledCat := regexp.MustCompile(`(Thread \(reserved=\d+KB, committed=\d)`).ReplaceAllString(summary, "${1}x")
	garbledMalloc := strings.Replace(summary, "(malloc=49152KB #6144)", "(malloc=4x9152KB #6144)", 1)
	unknownTotal := strings.ReplaceAll(summary, "KB", "XB")
	unknownCat := strings.Replace(summary, "Other (reserved=49152KB,", "Other (reserved=49152TB,", 1)
	huge := strings.Replace(summary, "Other (reserved=49152KB,", "Other (reserved=99999999999999999999KB,", 1)
	// Cut off as quoted in cloudfoundry/java-buildpack#494 (JDK 8 exit
	// statistics): Class lost its mmap line.
	jdk8Cut := string(readReport(t, "../testdata/nmt/public/jdk8-exit-version.txt")) +
		"-                     Class (reserved=1056856KB, committed=4568KB)\n" +
		"                            (classes #338)\n" +
		"                            (malloc=88KB #100)\n"
	tests := []struct {
		name     string
		input    string
		wantLine int
		wantIs   error
		wantMsg  string
	}{
		{"empty", "", 0, ErrEmpty, "empty file"},
		{"blank lines", "\n\n  \n", 0, nil, `no "Native Memory Tracking:" header`},
		{"garbage", "hello\nworld\n", 0, nil, `no "Native Memory Tracking:" header`},
		{"another format", tcmalloc, 0, nil, `no "Native Memory Tracking:" header`},
		{"baseline acknowledgement", "7937:\nBaseline taken\n", 0, nil, `no "Native Memory Tracking:" header`},
		{"nmt off", "7937:\nNative memory tracking is not enabled\n", 2, nil, "not enabled"},
		{"header only", "7937:\n\nNative Memory Tracking:\n\n", 4, ErrTruncated, "before its Total: line"},
		{"no categories", "Native Memory Tracking:\n\nTotal: reserved=10KB, committed=5KB\n", 3, ErrTruncated, "no categories"},
		{"cut off mid-category", cutThread, cutThreadLine, ErrTruncated, `in category "Thread"`},
		{"cut off mid-category jdk8 quote", jdk8Cut, 13, ErrTruncated, `in category "Class"`},
		{"cut off mid call site", cutSite, cutSiteLine, ErrTruncated, "in a call site"},
		{"garbled number in category", garbledCat, lineOf(garbledCat, "Thread ("), nil, "malformed category line"},
		{"garbled number in malloc line", garbledMalloc, lineOf(garbledMalloc, "4x9152KB"), nil, "malformed malloc line"},
		{"unknown scale", unknownTotal, lineOf(unknownTotal, "Total:"), nil, `unknown scale "XB"`},
		{"unknown scale in category", unknownCat, lineOf(unknownCat, "49152TB"), nil, `unknown scale "TB"`},
		{"number out of range", huge, lineOf(huge, "99999999999999999999"), nil, "out of range"},
		{"bad total", "Native Memory Tracking:\n\nTotal: reserved=a, committed=b\n", 3, nil, "malformed Total: line"},
		{"site without values", "Native Memory Tracking:\n\nTotal: reserved=1KB, committed=1KB\n- Other (reserved=1KB, committed=1KB)\n (malloc=1KB #1)\n\nDetails:\n\n[0x0000000000001234] f()+0x1\n\n", 10, nil, "frames but no values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := ParseNMT(strings.NewReader(tc.input), "bad.txt")
			if err == nil {
				t.Fatalf("got snapshot with %d samples, want an error", len(snap.Profile.Sample))
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *ParseError", err, err)
			}
			if pe.Format != FormatNMT || pe.Name != "bad.txt" || pe.Line != tc.wantLine {
				t.Errorf("got format %q name %q line %d, want nmt bad.txt line %d (%v)", pe.Format, pe.Name, pe.Line, tc.wantLine, err)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("got %v, want errors.Is %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("got %q, want it to contain %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("got a multi-line error %q", err)
			}
		})
	}
}

func TestParseNMTWarnings(t *testing.T) {
	summary := string(readReport(t, "../testdata/nmt/jdk17-summary/lc-06.txt"))
	in := strings.Replace(summary, "(thread #30)", "(thread #30)\n                            something unexpected", 1)
	line := strings.Count(in[:strings.Index(in, "something unexpected")], "\n") + 1
	s, err := ParseNMT(strings.NewReader(in), "w.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 {
		t.Fatalf("got warnings %v, want one", s.Warnings)
	}
	var pe *ParseError
	if !errors.As(s.Warnings[0], &pe) || pe.Line != line {
		t.Errorf("got warning %v, want a *ParseError at line %d", s.Warnings[0], line)
	}
	want := parseFile(t, "../testdata/nmt/jdk17-summary/lc-06.txt").Totals()
	if got := s.Totals(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got totals %v, want %v", got, want)
	}
}

// TestNMTLineVariants parses the line shapes of releases not run here, as
// quoted in public JDK changes (see testdata/README.md, "NMT").
func TestNMTLineVariants(t *testing.T) {
	p := &nmtParser{name: "x", unit: "KB", scale: 1024, cats: map[string]*nmtCategory{}}
	sub := []struct {
		line string
		slot int
		want int64
	}{
		// openjdk/jdk21u-dev#440 (21u backport of JDK-8293850).
		{"(mmap: reserved=8388608KB, committed=507904KB, largest_committed=0KB) ", nmtMmapCommitted, 507904 << 10},
		// openjdk/jdk21u-dev#481 (JDK-8320061).
		{"(mmap: reserved=0KB, committed=0KB, peak=20KB) ", nmtMmapCommitted, 0},
		{"(mmap: reserved=1048576KB, committed=40384KB, at peak) ", nmtMmapReserved, 1048576 << 10},
		// Oracle JDK 8 troubleshooting guide (comma before the count).
		{"(malloc=424KB, #1000)", nmtMallocCount, 1000},
		{"(arena=61KB, #30)", nmtArena, 61 << 10},
		// JDK 25 (FORMAT-NOTES.md).
		{"(malloc=111KB tag=Class #1466) (at peak)", nmtMalloc, 111 << 10},
		{"(stack: reserved=29696KB, committed=2512KB, peak=2544KB)", nmtMmapCommitted, 2512 << 10},
		// JDK 17 summary.diff arena delta without its unit.
		{"(arena=33KB +9 #58 +16)", nmtArena, 33 << 10},
	}
	for _, tc := range sub {
		c := &nmtCategory{}
		if err := p.parseSubLine(c, strings.TrimSpace(tc.line)); err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if got := c.vals.cur[tc.slot]; got != tc.want {
			t.Errorf("%q: got %d, want %d", tc.line, got, tc.want)
		}
	}
	sites := []struct {
		line, category string
		committed      int64
	}{
		{"(malloc=98306KB type=Other #13) (peak=102402KB #14)", "Other", 98306 << 10},
		{"((malloc=98306KB tag=Other #13) (peak=102402KB #14))", "Other", 98306 << 10},
		{"(malloc=98306KB type=Other +81920KB #13 +10)", "Other", 98306 << 10},
		{"(malloc=0KB type=Arena Chunk -32KB)", "Arena Chunk", 0},
		{"(reserved=29696KB, committed=2352KB Type=Thread Stack)", "Thread Stack", 2352 << 10},
		{"(reserved=28672KB, committed=2384KB Tag=Thread Stack)", "Thread Stack", 2384 << 10},
		{"(mmap: reserved=29696KB +8192KB, committed=2352KB +836KB Type=Thread Stack)", "Thread Stack", 2352 << 10},
	}
	for _, tc := range sites {
		s := &nmtSite{}
		if err := p.parseSiteValues(s, []byte(tc.line)); err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if s.category != tc.category || s.vals.cur[nmtCommitted] != tc.committed {
			t.Errorf("%q: got %q %d, want %q %d", tc.line, s.category, s.vals.cur[nmtCommitted], tc.category, tc.committed)
		}
	}
	frames := []struct{ in, fn, module string }{
		{"Unsafe_AllocateMemory0+0x7c", "Unsafe_AllocateMemory0", ""},
		{"StringTable::do_intern(Handle, unsigned short const*, int, unsigned long, JavaThread*)+0x186", "StringTable::do_intern(Handle, unsigned short const*, int, unsigned long, JavaThread*)", ""},
		{"JavaMain+0x8f in libjli.so", "JavaMain", "libjli.so"},
		{"PerfMemory::initialize() [clone .part.0]+0x53", "PerfMemory::initialize() [clone .part.0]", ""},
		{"", nmtJavaFrame, ""},
	}
	for _, tc := range frames {
		sym, ok := nmtFrameSymbol([]byte("[0x00007f42e08d0c9c] " + tc.in))
		if !ok {
			t.Fatalf("%q: frame line did not match", tc.in)
		}
		if got := nmtParseFrame(string(sym)); got.fn != tc.fn || got.module != tc.module {
			t.Errorf("%q: got %q in %q, want %q in %q", tc.in, got.fn, got.module, tc.fn, tc.module)
		}
	}
}

// TestNMTDiffPair checks that a summary.diff report is a pair whose sides
// differ by the printed deltas: Other grew by the 5 lifecycles of leak
// between the baseline (after lifecycle 1) and lifecycle 6.
func TestNMTDiffPair(t *testing.T) {
	for _, jdk := range []string{"jdk17", "jdk25"} {
		for _, f := range []string{"summary.diff.txt", "detail.diff.txt.gz"} {
			s := parseFile(t, filepath.Join("..", "testdata", "nmt", jdk+"-diff", f))
			if s.Baseline == nil {
				t.Fatalf("%s %s: got no baseline", jdk, f)
			}
			got := categoryValue(s, "committed", "Other") - categoryValue(s.Baseline, "committed", "Other")
			if want := int64(5 * 8 << 20); got != want {
				t.Errorf("%s %s: Other grew by %d, want %d", jdk, f, got, want)
			}
			wantVariant := "nmt-" + strings.SplitN(f, ".", 2)[0] + ".diff"
			if s.Variant != wantVariant || s.Baseline.Variant != wantVariant {
				t.Errorf("%s %s: got variants %q %q, want %q", jdk, f, s.Variant, s.Baseline.Variant, wantVariant)
			}
		}
	}
}

func FuzzParseNMT(f *testing.F) {
	// Small reports first: mutations of them reach every branch quickly.
	f.Add([]byte("1:\n\nNative Memory Tracking:\n\nTotal: reserved=3KB +1KB, committed=2KB +1KB\n- Other (reserved=3KB +1KB, committed=2KB +1KB)\n (malloc=1KB #1 +1)\n (mmap: reserved=2KB, committed=1KB +1KB)\n\n[0x1] f()+0x1 in libx.so\n[0x2]\n (malloc=1KB type=Other +1KB #1 +1)\n\n[0x3]\n (mmap: reserved=2KB, committed=1KB +1KB Type=Other)\n"))
	f.Add([]byte("Native Memory Tracking:\n\nTotal: reserved=2MB, committed=1MB\n- Thread (reserved=2MB, committed=1MB)\n (stack: reserved=2MB, committed=1MB, peak=1MB)\n\nVirtual memory map:\n\n[0x1 - 0x2] reserved 2MB for Thread Stack from\n    [0x3] g\n\t[0x1 - 0x2] committed 1MB from\n\nMemory file details\n\nDetails:\n\n[0x4]g+0x1\n ((malloc=0MB tag=Thread #1) (at peak))\n\n(1 call sites weighting less than 1MB each omitted.)\n"))
	addSeeds(f, "nmt/*/*.txt")
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "nmt", "*", "*.txt.gz"))
	for _, p := range paths {
		f.Add(readReport(f, p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if snap, err := ParseNMT(bytes.NewReader(data), "fuzz"); checkParsed(t, snap, err) {
			snap.Totals()
		}
	})
}

// BenchmarkParseNMTDetail parses the largest committed detail report.
func BenchmarkParseNMTDetail(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "nmt", "*-detail", "*.txt.gz"))
	var data []byte
	for _, p := range paths {
		if d := readReport(b, p); len(d) > len(data) {
			data = d
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseNMT(bytes.NewReader(data), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNMTExitStatistics checks the -XX:+PrintNMTStatistics reports (bytes,
// no unit): all six lifecycles of leak are in Other at exit.
func TestNMTExitStatistics(t *testing.T) {
	for _, jdk := range []string{"jdk17", "jdk25"} {
		s := parseFile(t, filepath.Join("..", "testdata", "nmt", jdk+"-exit", "exit.txt"))
		if got, want := categoryValue(s, "committed", "Other"), int64(6*8<<20); got != want {
			t.Errorf("%s: got Other committed=%d, want %d", jdk, got, want)
		}
		if s.Variant != "nmt-summary" || s.Profile.Comments[0] != "nmt scale=bytes" {
			t.Errorf("%s: got variant %q comments %q, want nmt-summary at scale=bytes", jdk, s.Variant, s.Profile.Comments)
		}
	}
}

// TestNMTJcmdMessages reads what real jcmd printed instead of a report
// (the .out files of the variants series, made by gen.sh): each is an NMT
// error at line 2 (after jcmd's "<pid>:" line) that quotes jcmd.
func TestNMTJcmdMessages(t *testing.T) {
	files, _ := filepath.Glob("../testdata/nmt/*-variants/*.out")
	if len(files) < 10 {
		t.Fatalf("got %d jcmd message files, want 10 (5 per JDK)", len(files))
	}
	want := map[string]string{
		"detail-at-summary-level.out": "Detail tracking is not enabled",
		"diff-without-baseline.out":   "No baseline for comparison",
		"scale-tb.out":                "Incorrect scale value: TB",
		"nmt-off.out":                 "Native memory tracking is not enabled",
		"statistics.out":              "Native Memory Tracking Statistics:",
	}
	for _, path := range files {
		snap, err := Open(path, nil)
		var pe *ParseError
		if snap != nil || !errors.As(err, &pe) || pe.Format != FormatNMT || pe.Line != 2 {
			t.Errorf("%s: got %v, %v, want an NMT error at line 2", path, snap, err)
			continue
		}
		if msg := want[filepath.Base(path)]; msg == "" || !strings.Contains(err.Error(), `"`+msg+`"`) {
			t.Errorf("%s: got %q, want jcmd's message %q quoted", path, err, msg)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got a multi-line error %q", path, err)
		}
	}
}

// TestNMTExitDetail reads -XX:+PrintNMTStatistics output at detail level:
// a whole detail report (values in bytes) followed by the JVM's metaspace
// statistics, which are not part of the report and must not be warned about.
func TestNMTExitDetail(t *testing.T) {
	files, _ := filepath.Glob("../testdata/nmt/*-variants/exit-*-detail.txt.gz")
	if len(files) < 2 {
		t.Fatalf("got %d exit detail reports, want 2", len(files))
	}
	for _, path := range files {
		s := parseFile(t, path)
		if s.Variant != "nmt-detail" || len(s.Warnings) != 0 {
			t.Errorf("%s: got variant %q, warnings %v, want nmt-detail and none", path, s.Variant, s.Warnings)
		}
		if got := categoryValue(s, "committed", "Other"); got < 8<<20 {
			t.Errorf("%s: got Other committed %d, want at least the one lifecycle's leak %d", path, got, 8<<20)
		}
	}
}

// TestNMTCutAnywhere cuts real reports (summary, diff, detail, exit
// statistics) at many byte offsets, as a capture that stopped mid-write
// leaves them. Each cut is either refused with a one-line error naming a
// line (or, before the "Native Memory Tracking:" header, saying it is not
// a report), or read with the totals of the report's own Total: line; a cut
// before the end of the Total: line is always refused.
func TestNMTCutAnywhere(t *testing.T) {
	for _, path := range []string{
		"../testdata/nmt/jdk17-summary/lc-03.txt",
		"../testdata/nmt/jdk25-summary-mb/lc-03.txt",
		"../testdata/nmt/jdk25-diff/summary.diff.txt",
		"../testdata/nmt/jdk17-exit/exit.txt",
		"../testdata/nmt/jdk25-detail/lc-01.txt.gz",
	} {
		data := readReport(t, path)
		cur, _ := reportTotal(t, data)
		header := bytes.Index(data, []byte("Native Memory Tracking:")) + len("Native Memory Tracking:")
		totalEnd := bytes.Index(data, []byte("\nTotal:"))
		totalEnd += bytes.IndexByte(data[totalEnd+1:], '\n') + 1
		step := len(data)/300 + 1
		for cut := 1; cut < len(data); cut += step {
			in := data[:cut]
			if in[len(in)-1] == '\n' {
				continue // a cut at a line end is a quote, not a broken capture
			}
			s, err := ParseNMT(bytes.NewReader(in), "cut.txt")
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line == 0 && cut > header || strings.Contains(err.Error(), "\n") {
					t.Errorf("%s cut at %d: got error %q, want a one-line *ParseError with a line", path, cut, err)
				}
				continue
			}
			if cut <= totalEnd {
				t.Errorf("%s cut at %d (before the end of Total:): got a snapshot, want an error", path, cut)
				continue
			}
			tot := s.Totals()
			if r, c := tot[s.MetricIndex("reserved")], tot[s.MetricIndex("committed")]; r != cur[0] || c != cur[1] {
				t.Errorf("%s cut at %d: got reserved=%d committed=%d, want %d %d (the Total: line)", path, cut, r, c, cur[0], cur[1])
			}
		}
	}
}

// TestNMTCutMidLine checks two captures cut off mid-line: in a category's
// sub-line that then does not read, and after a sub-line that still reads,
// with categories missing. Both are errors that say the report is
// truncated, at the cut line.
func TestNMTCutMidLine(t *testing.T) {
	mb := readReport(t, "../testdata/nmt/jdk25-summary-mb/lc-03.txt")
	kb := readReport(t, "../testdata/nmt/jdk17-summary/lc-03.txt")
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"malformed last line", mb[:bytes.Index(mb, []byte("committed=1MB, at peak)"))+len("committed=1MB, at")]},
		{"categories missing", kb[:bytes.Index(kb, []byte("(peak=6061KB #"))+len("(peak=6061KB #")]},
	} {
		_, err := ParseNMT(bytes.NewReader(c.in), "cut.txt")
		var pe *ParseError
		if !errors.Is(err, ErrTruncated) || !errors.As(err, &pe) || pe.Line != bytes.Count(c.in, []byte("\n"))+1 {
			t.Errorf("%s: got %v, want a truncated error at line %d", c.name, err, bytes.Count(c.in, []byte("\n"))+1)
		}
	}
}

// TestNMTCategoryCheckSameEverywhere: a category whose sub-lines do not
// account for its reserved amount is checked the same way wherever it is in
// the report. On a real JDK 17 summary, the same 8 KB discrepancy in a
// middle category (String Deduplication) and in the last one (Object
// Monitors), with the categories still adding up to Total within rounding,
// is a warning naming the category both times; it says "truncated" only
// when the report also lacks categories (see TestParseNMTErrors).
func TestNMTCategoryCheckSameEverywhere(t *testing.T) {
	real := string(readReport(t, "../testdata/nmt/jdk17-summary/lc-06.txt"))
	for _, name := range []string{"String Deduplication", "Object Monitors"} {
		old := name + " (reserved=1KB, committed=1KB)"
		if !strings.Contains(real, old) {
			t.Fatalf("no %q in the report", old)
		}
		in := strings.Replace(real, old, name+" (reserved=9KB, committed=9KB)", 1)
		s, err := ParseNMT(strings.NewReader(in), "lc-06.txt")
		if err != nil {
			t.Errorf("%s: got %v, want a warning", name, err)
			continue
		}
		var got []string
		for _, w := range s.Warnings {
			got = append(got, w.Error())
		}
		want := fmt.Sprintf("category %q: its lines account for 1024 of 9216 bytes reserved", name)
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("%s: got warnings %q, want one saying %q", name, got, want)
		}
	}
}

// TestNMTUntypedJavaSite: a detail.diff site printed without its type is
// [unattributed]; when all its frames are Java, the category is its outer
// frame, and it keeps its own brackets ("[java] ← [unattributed]", not
// "[[unattributed]]"). From the real JDK 25 detail.diff, with the native
// frame of an untyped site (JVM_StartThread, then Java) left out.
func TestNMTUntypedJavaSite(t *testing.T) {
	real := string(readReport(t, "../testdata/nmt/jdk25-diff/detail.diff.txt.gz"))
	const native = "[0x00007f0b96f24ad1]JVM_StartThread+0x241\n"
	if !strings.Contains(real, native+"[0x00007f0b7f944ac5]\n                            (41KB +17KB #19 +8)") {
		t.Fatal("the untyped JVM_StartThread site is not in the report")
	}
	s, err := ParseNMT(strings.NewReader(strings.Replace(real, native, "", 1)), "detail.diff.txt")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, fs := range sampleFunctions(s) {
		j := strings.Join(fs, ";")
		if strings.Contains(j, "[[") {
			t.Errorf("got frames %s, want no doubled brackets", j)
		}
		found = found || j == "[java];[unattributed]"
	}
	if !found {
		t.Errorf("got no site [java] ← [unattributed]")
	}
}

// TestNMTRemaindersNotNegative: in the real JDK 17 and 25 detail reports
// (and both sides of their detail.diff) no "[<category>: not in Details]"
// remainder is negative. They were: the compressed class space reservation
// (Class and Shared class space in one Details site; split by the Virtual
// memory map), the arena chunks that the summary counts under the
// categories using them (moved to Arena Chunk), and rounding (Module).
// "[unattributed]" keeps the rounding: a few KB either way.
func TestNMTRemaindersNotNegative(t *testing.T) {
	files, _ := filepath.Glob("../testdata/nmt/jdk*-detail/lc-*.txt.gz")
	diffs, _ := filepath.Glob("../testdata/nmt/jdk*-diff/detail.diff.txt.gz")
	for _, f := range append(files, diffs...) {
		s := parseFile(t, f)
		for _, side := range []*Snapshot{s, s.Baseline} {
			if side == nil {
				continue
			}
			for _, smp := range side.Profile.Sample {
				name := smp.Location[0].Line[0].Function.Name
				for i, v := range smp.Value {
					st := side.Profile.SampleType[i]
					switch {
					case strings.HasSuffix(name, ": not in Details]") && v < 0:
						t.Errorf("%s (%s): %s %s/%s = %d, want ≥ 0", f, side.Name, name, st.Type, st.Unit, v)
					case name == nmtUnattributed && (st.Type == "reserved" || st.Type == "committed") && (v < -64<<10 || v > 64<<10):
						t.Errorf("%s (%s): %s %s = %d, want rounding only (±64 KiB)", f, side.Name, name, st.Type, v)
					}
				}
			}
		}
	}
	// The class space reservation of JDK 25's lc-01 is two sites now, one
	// per category, with the map's amounts.
	s := parseFile(t, "../testdata/nmt/jdk25-detail/lc-01.txt.gz")
	got := map[string]int64{}
	for _, smp := range s.Profile.Sample {
		if smp.Location[0].Line[0].Function.Name == "CompressedKlassPointers::reserve_address_space_for_compressed_classes(unsigned long, bool, bool)" {
			got[smp.Label["category"][0]] += smp.Value[s.MetricIndex("committed")]
		}
	}
	if got["Class"] != 128<<10 || got["Shared class space"] != 13908<<10 || len(got) != 2 {
		t.Errorf("class space site by category: got %v, want Class 128 KiB and Shared class space 13908 KiB", got)
	}
}
