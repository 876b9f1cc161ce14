package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
)

var updateTables = flag.Bool("update-tables", false, "rewrite report/testdata/*.golden of the table, JSON and HTML renderers")

// realSeries loads a committed real series once per test.
func realSeries(t *testing.T, dir string) *dumpdiff.Series {
	t.Helper()
	paths, _, err := loader.ExpandPaths([]string{filepath.Join("..", "testdata", dir)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := loader.Load(paths, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// relPaths makes snapshot paths independent of where the test runs.
func relPaths(snaps []dumpdiff.SnapshotInfo) {
	for i := range snaps {
		snaps[i].Path = filepath.Base(snaps[i].Path)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateTables {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update-tables)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestTrendTableGolden(t *testing.T) {
	s := realSeries(t, "pprof/go-lifecycle")
	res, err := s.Trend(dumpdiff.Options{GroupBy: dumpdiff.GroupByFunction, Top: 6, Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	relPaths(res.Snapshots)
	for _, tc := range []struct {
		name string
		opts TableOptions
	}{
		{"trend-aligned", TableOptions{Aligned: true, Width: 100}},
		{"trend-narrow", TableOptions{Aligned: true, Width: 60}},
		{"trend-tsv", TableOptions{}},
	} {
		var b bytes.Buffer
		if err := WriteTrendTable(&b, res, tc.opts); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name, b.Bytes())
		if tc.opts.Width > 0 {
			for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
				if w := len([]rune(line)); w > tc.opts.Width {
					t.Errorf("%s: line %q is %d wide, want at most %d", tc.name, line, w, tc.opts.Width)
				}
			}
		}
		if strings.Contains(b.String(), "\x1b[") {
			t.Errorf("%s: got ANSI escapes without Color", tc.name)
		}
	}
	var b bytes.Buffer
	if err := WriteTrendTable(&b, res, TableOptions{Aligned: true, Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\x1b[") {
		t.Error("Color: got no ANSI escapes, want styled verdicts")
	}
}

func TestCompareTableGolden(t *testing.T) {
	s := realSeries(t, "tcmalloc/c-lifecycle")
	res, err := s.Compare(0, s.Len()-1, dumpdiff.Options{GroupBy: dumpdiff.GroupByFunction, Top: 5})
	if err != nil {
		t.Fatal(err)
	}
	res.Base.Path, res.Target.Path = filepath.Base(res.Base.Path), filepath.Base(res.Target.Path)
	var b bytes.Buffer
	if err := WriteCompareTable(&b, res, TableOptions{Aligned: true, Width: 100}); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare-aligned", b.Bytes())
	b.Reset()
	if err := WriteCompareTable(&b, res, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare-tsv", b.Bytes())
}

// TestTrendJSONSchema checks the dumpdiff.trend/v1 fields, their order
// (schema first) and exact integers on a real series.
func TestTrendJSONSchema(t *testing.T) {
	s := realSeries(t, "pprof/go-lifecycle")
	res, err := s.Trend(dumpdiff.Options{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	relPaths(res.Snapshots)
	var b bytes.Buffer
	if err := WriteTrendJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	golden(t, "trend-json", b.Bytes())
	if !bytes.HasPrefix(b.Bytes(), []byte("{\n  \"schema\": \"dumpdiff.trend/v1\",")) {
		t.Errorf("got %.60q, want the schema field first", b.String())
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, doc, "schema", "metric", "group_by", "snapshots", "total", "min_growth", "sites", "site_count")
	var sites []map[string]json.RawMessage
	if err := json.Unmarshal(doc["sites"], &sites); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, sites[0], "rank", "key", "title", "frames", "category", "values", "growth_per_lifecycle", "total_growth", "r2", "mk_p", "monotonic", "verdict")
	if got := string(sites[0]["total_growth"]); got != "29360128" {
		t.Errorf("total growth of the leak got %s, want 29360128 (7 lifecycles of 4 MiB)", got)
	}
	if got := string(sites[0]["growth_per_lifecycle"]); got != "4194304" {
		t.Errorf("growth of the leak got %s, want the exact integer 4194304", got)
	}
	var values []json.Number
	if err := json.Unmarshal(sites[0]["values"], &values); err != nil {
		t.Fatal(err)
	}
	if len(values) != 8 || values[0] != "4194304" || values[7] != "33554432" {
		t.Errorf("values got %v, want 8 exact integers from 4194304 to 33554432", values)
	}
}

func TestCompareJSONNullForNew(t *testing.T) {
	res := &dumpdiff.CompareResult{
		ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}},
		Sites:        []dumpdiff.PairSite{{Site: dumpdiff.Site{Rank: 1, Key: "k", Title: "k"}, Target: 5, Delta: 5, DeltaPct: math.Inf(1), Status: dumpdiff.StatusNew}},
	}
	var b bytes.Buffer
	if err := WriteCompareJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string `json:"schema"`
		Sites  []struct {
			DeltaPct *float64        `json:"delta_pct"`
			Frames   json.RawMessage `json:"frames"`
		} `json:"sites"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b.String())
	}
	if doc.Schema != CompareSchema || doc.Sites[0].DeltaPct != nil || string(doc.Sites[0].Frames) != "[]" {
		t.Errorf("got schema %q delta_pct %v frames %s, want %s, null, []", doc.Schema, doc.Sites[0].DeltaPct, doc.Sites[0].Frames, CompareSchema)
	}
}

func wantKeys(t *testing.T, m map[string]json.RawMessage, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		got := make([]string, 0, len(m))
		for k := range m {
			got = append(got, k)
		}
		t.Errorf("got fields %v, want exactly %v", got, keys)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("missing field %q", k)
		}
	}
}

// TestExactFloatNoExponent: piped tables are for programs, so a fractional
// growth keeps every digit and never reads in e-notation.
func TestFormatFloatNoExponent(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{4272558.666666667, "4272558.666666667"},
		{4194304, "4194304"},
		{-720099.5, "-720099.5"},
		{4.96031746031746e-05, "0.0000496031746031746"},
		{5.653353776221651e-59, "5.653353776221651e-59"},
		{0, "0"},
		{math.Inf(1), ""},
	} {
		if got := formatFloat(tt.in); got != tt.want {
			t.Errorf("formatFloat(%v): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTrendRSS: when every snapshot has an RSS (heaptrack samples it), the
// table's header and the HTML report show it beside the traced total, with
// the share of its growth the traced total accounts for; without RSS
// neither says anything about it.
func TestTrendRSS(t *testing.T) {
	res := handTrend()
	for i := range res.Snapshots {
		res.Snapshots[i].RSS = int64(20+8*i) * mib
	}
	res.Total.RSSGrowth = 8 * mib
	var table, page bytes.Buffer
	if err := WriteTrendTable(&table, res, TableOptions{Aligned: true, Width: 100}); err != nil {
		t.Fatal(err)
	}
	if want := "\nrss 20.0 MiB → 44.0 MiB, +8.0 MiB per lifecycle (traced: 50% of its growth)\n"; !strings.Contains(table.String(), want) {
		t.Errorf("table: got\n%s\nwant a line %q", table.String(), want)
	}
	if err := WriteTrendHTML(&page, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "Resident (RSS)") || !strings.Contains(page.String(), "traced: 50% of its growth") {
		t.Error("HTML report: no Resident (RSS) card with the traced share")
	}
	res.Snapshots[2].RSS = 0
	table.Reset()
	if err := WriteTrendTable(&table, res, TableOptions{Aligned: true, Width: 100}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(table.String(), "rss ") {
		t.Errorf("a snapshot without RSS: got\n%s\nwant no rss line", table.String())
	}
}
