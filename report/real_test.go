package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
)

// Tests on the committed real series (testdata/README.md): the Go lifecycle
// program leaks 4 MiB per lifecycle from main.(*leakyOperator).open.

const (
	goSeries = "../testdata/pprof/go-lifecycle"
	goLeak   = "main.(*leakyOperator).open"
)

// loadSeries loads a committed series directory with the engine.
func loadSeries(t *testing.T, dir string) *dumpdiff.Series {
	t.Helper()
	paths, _, err := loader.ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := loader.Load(paths, loader.Options{Order: dumpdiff.OrderName})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func realTrend(t *testing.T, opts dumpdiff.Options) *dumpdiff.TrendResult {
	t.Helper()
	res, err := loadSeries(t, goSeries).Trend(opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sites[0].Title != goLeak || res.Sites[0].Verdict != dumpdiff.VerdictLeak {
		t.Fatalf("engine: top site is %s (%s), want %s (leak)", res.Sites[0].Title, res.Sites[0].Verdict, goLeak)
	}
	return res
}

func realCompare(t *testing.T) *dumpdiff.CompareResult {
	t.Helper()
	s := loadSeries(t, goSeries)
	res, err := s.Compare(0, s.Len()-1, dumpdiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRealComparePprof(t *testing.T) {
	res := realCompare(t)
	data, p := exportPprof(t, func(w io.Writer) error { return WriteComparePprof(w, res) })
	var sum int64
	for _, s := range p.Sample {
		sum += s.Value[0]
	}
	if want := res.Target.Total - res.Base.Total; sum != want {
		t.Errorf("sum of samples: got %d, want the delta of the totals %d", sum, want)
	}

	// Our export and pprof's own -diff_base on the original files agree on
	// every main.* function's cumulative delta. (Flat values may differ:
	// the engine trims runtime allocator frames, moving their bytes to the
	// caller, which leaves cumulative values unchanged.)
	ours := pprofTop(t, data)
	base, target := res.Base.Path, res.Target.Path
	theirs := pprofTopFiles(t, "-diff_base", base, target)
	checked := 0
	for name, row := range theirs {
		if !strings.HasPrefix(name, "main.") {
			continue
		}
		checked++
		if got := ours[name].cum; got != row.cum {
			t.Errorf("cum delta of %s: got %d, pprof -diff_base says %d", name, got, row.cum)
		}
	}
	if checked < 3 {
		t.Errorf("compared %d main.* functions, want at least 3", checked)
	}
	if got, want := ours[goLeak].flat, int64(7*leakPerLC); got != want {
		t.Errorf("delta of the leak over 7 lifecycles: got %d, want %d", got, want)
	}
}

// leakPerLC is the Go series' planted leak per lifecycle (truth.json).
const leakPerLC = 4 << 20

// pprofTopFiles runs `go tool pprof -top` on files (with flags first).
func pprofTopFiles(t *testing.T, args ...string) map[string]topRow {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool pprof: go is not on PATH: %v", err)
	}
	cmd := exec.Command(goBin, append([]string{"tool", "pprof", "-top", "-unit=byte", "-nodefraction=0", "-nodecount=100000"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool pprof %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return parseTop(t, out)
}

func TestRealTrendPprof(t *testing.T) {
	res := realTrend(t, dumpdiff.Options{})
	data, _ := exportPprof(t, func(w io.Writer) error { return WriteTrendPprof(w, res) })
	rows := pprofTop(t, data)
	leak := res.Sites[0]
	if got, want := rows[goLeak].flat, int64(math.Round(leak.Growth)); got != want {
		t.Errorf("pprof -top growth of the leak: got %d, want the engine's %d", got, want)
	}
	if got := rows[goLeak].flat; math.Abs(float64(got-leakPerLC)) > 0.05*leakPerLC {
		t.Errorf("pprof -top growth of the leak: got %d, want within 5%% of %d", got, leakPerLC)
	}
	rows = pprofTop(t, data, "-sample_index=total_growth")
	if got, want := rows[goLeak].flat, leak.TotalGrowth; got != want {
		t.Errorf("pprof -top total growth of the leak: got %d, want %d", got, want)
	}
	// Only leaks: the warm-up cache (a plateau) disappears.
	rows = pprofTop(t, data, "-tagfocus=verdict=leak")
	if _, ok := rows["main.warmupCacheFill"]; ok {
		t.Errorf("-tagfocus verdict=leak kept the plateau main.warmupCacheFill")
	}
	if _, ok := rows[goLeak]; !ok {
		t.Errorf("-tagfocus verdict=leak dropped the leak")
	}
}

func TestRealTrendCSV(t *testing.T) {
	res := realTrend(t, dumpdiff.Options{})
	var buf bytes.Buffer
	if err := WriteTrendCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), 1+len(res.Sites); got != want {
		t.Fatalf("got %d rows, want %d", got, want)
	}
	// The lifecycle columns of every site sum to the snapshot totals.
	for i, snap := range res.Snapshots {
		col := len(trendCSVHeader) + i
		if got, want := rows[0][col], "lc_"+strconv.Itoa(snap.Lifecycle); got != want {
			t.Errorf("column %d: got %s, want %s", col, got, want)
		}
		var sum int64
		for _, r := range rows[1:] {
			v, err := strconv.ParseInt(r[col], 10, 64)
			if err != nil {
				t.Fatalf("row value %q: %v", r[col], err)
			}
			sum += v
		}
		if sum != snap.Total {
			t.Errorf("%s: sites sum to %d, want the snapshot total %d", rows[0][col], sum, snap.Total)
		}
	}
	if rows[1][1] != "leak" || rows[1][8] != goLeak {
		t.Errorf("first row: got %q, want the leak %s", rows[1][:9], goLeak)
	}
}

func TestRealCompareCSV(t *testing.T) {
	res := realCompare(t)
	var buf bytes.Buffer
	if err := WriteCompareCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, r := range rows[1:] {
		d, err := strconv.ParseInt(r[4], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += d
	}
	if want := res.Target.Total - res.Base.Total; sum != want {
		t.Errorf("deltas sum to %d, want %d", sum, want)
	}
}

func TestRealTrendMarkdown(t *testing.T) {
	res := realTrend(t, dumpdiff.Options{Top: 5})
	var buf bytes.Buffer
	if err := WriteTrendMarkdown(&buf, res); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	rows := mdTableRows(t, doc)
	if got, want := len(rows), 2+5; got != want {
		t.Fatalf("got %d table rows, want %d:\n%s", got, want, doc)
	}
	if got := rows[2]; got[1] != "**leak**" || got[6] != "`"+goLeak+"`" || got[2] != "+4.0 MiB" {
		t.Errorf("first site row: got %q, want the leak growing +4.0 MiB", got)
	}
	if !strings.Contains(doc, "- **Series:** 8 snapshots, pprof") {
		t.Errorf("summary lacks the series line:\n%s", doc)
	}
}

func TestRealTrendHTMLInChromium(t *testing.T) {
	t.Parallel() // each drives Chromium, mostly waiting on it
	res := realTrend(t, dumpdiff.Options{Top: 20})
	checkRenderedTrend(t, "go-lifecycle", res, HTMLOptions{})
}

func TestRealCompareHTMLInChromium(t *testing.T) {
	t.Parallel() // each drives Chromium, mostly waiting on it
	checkRenderedCompare(t, "go-lifecycle-compare", realCompare(t))
}

// TestRealAddressOnlyPprof exports a series whose frames are module+offset
// (a gperftools dump of a C program, not symbolised here) and checks pprof
// reads the frames and the numbers back.
func TestRealAddressOnlyPprof(t *testing.T) {
	s := loadSeries(t, "../testdata/tcmalloc/c-lifecycle")
	res, err := s.Compare(0, s.Len()-1, dumpdiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, p := exportPprof(t, func(w io.Writer) error { return WriteComparePprof(w, res) })
	if len(p.Mapping) == 0 {
		t.Errorf("got no mappings, want one per module of the address-only frames")
	}
	rows := pprofTop(t, data)
	var flat int64
	for _, r := range rows {
		flat += r.flat
	}
	if want := res.Target.Total - res.Base.Total; flat != want {
		t.Errorf("pprof -top flat values sum to %d, want the delta of the totals %d", flat, want)
	}
	top := res.Sites[0]
	name := top.Frames[0].Function
	if name == "" {
		name = top.Frames[0].Module
	}
	if got := rows[name].flat; got != top.Delta {
		t.Errorf("pprof -top flat of %s: got %d, want %d", name, got, top.Delta)
	}
}
