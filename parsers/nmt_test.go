package parsers

import (
	"bytes"
	"compress/gzip"
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

// readReport returns a fixture's text, gunzipped when needed.
func readReport(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
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
