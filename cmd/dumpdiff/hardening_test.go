package main

// Hostile inputs generated in the tests: names that try to write to the
// terminal or run as spreadsheet formulas, -o naming an input, a lone
// snapshot handed to explore.

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/tui"
)

// hostileNames are function names a dump can carry: formulas (OWASP's CSV
// injection examples), an OSC sequence that retitles the terminal, a CSI
// that clears it, a bidi override, and a look-alike of an honest name made
// with a zero-width space.
var hostileNames = []string{
	`=HYPERLINK("http://evil.example","click")`,
	`+cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	"retitle\x1b]0;pwned\x07here",
	"clear\x1b[2Jscreen",
	"order\u202eevil",
	"leaky\u200bsite",
	"leakysite",
}

// forbidden are what no printed output may hold: escape introducers (ESC,
// CSI, BEL ends OSC), a bidi override and invisible characters.
var forbidden = []string{"\x1b", "\x07", "\u009b", "\u202e", "\u200b", "\u2060", "\ufeff"}

func checkNoInjection(t *testing.T, what, out string) {
	t.Helper()
	for _, f := range forbidden {
		if strings.Contains(out, f) {
			t.Errorf("%s holds %q:\n%q", what, f, out)
		}
	}
}

// writeHostileSeries writes n pprof heap profiles into dir (named
// names[i]), each site of hostileNames growing by its own step per lifecycle,
// and a metric whose name is hostile too. It returns the paths.
func writeHostileSeries(t *testing.T, dir string, n int, fileNames ...string) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for lc := range n {
		p := &profile.Profile{
			SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}, {Type: "evil\x1b]0;metric\x07", Unit: "count"}},
			PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
			Period:     1,
		}
		mainFn := &profile.Function{ID: 1, Name: "main.main", SystemName: "main.main", Filename: "main.go"}
		p.Function = append(p.Function, mainFn)
		mainLoc := &profile.Location{ID: 1, Address: 0x1000, Line: []profile.Line{{Function: mainFn, Line: 1}}}
		p.Location = append(p.Location, mainLoc)
		for i, name := range hostileNames {
			fn := &profile.Function{ID: uint64(i + 2), Name: name, SystemName: name, Filename: "evil.go"}
			loc := &profile.Location{ID: uint64(i + 2), Address: uint64(0x2000 + i*16), Line: []profile.Line{{Function: fn, Line: int64(i + 1)}}}
			p.Function = append(p.Function, fn)
			p.Location = append(p.Location, loc)
			p.Sample = append(p.Sample, &profile.Sample{
				Location: []*profile.Location{loc, mainLoc},
				Value:    []int64{int64((lc + 1) * (i + 1) << 20), int64(lc + 1)},
			})
		}
		name := "lc" + string(rune('1'+lc)) + ".pb.gz"
		if lc < len(fileNames) {
			name = fileNames[lc]
		}
		path := filepath.Join(dir, name)
		var buf bytes.Buffer
		if err := p.Write(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// TestHostileNamesInReports: every text report of trend and compare shows
// the hostile names cleaned.
func TestHostileNamesInReports(t *testing.T) {
	paths := writeHostileSeries(t, t.TempDir(), 5)
	for _, args := range [][]string{
		{"trend", "--top", "0"},
		{"trend", "--top", "0", "--format", "markdown"},
		{"trend", "--top", "0", "--format", "html"},
		{"trend", "--top", "0", "--format", "csv"},
		{"trend", "--top", "0", "--group-by", "function"},
		{"compare", "--top", "0"},
		{"compare", "--top", "0", "--format", "markdown"},
		{"compare", "--top", "0", "--format", "html"},
		{"compare", "--top", "0", "--format", "csv"},
	} {
		files := paths
		if args[0] == "compare" {
			files = []string{paths[0], paths[len(paths)-1]}
		}
		stdout, stderr, code := runCmd(t, append(args, files...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %s", args, code, stderr)
		}
		checkNoInjection(t, strings.Join(args, " "), stdout+stderr)
		if !strings.Contains(stdout, "leaky\uFFFDsite") || !strings.Contains(stdout, "leakysite") {
			t.Errorf("%v: the look-alike sites do not show apart:\n%s", args, stdout)
		}
	}
}

// TestHostileNamesInCSV: a cell that a spreadsheet would run as a formula
// starts with a quote, in trend, compare and batch CSV alike.
func TestHostileNamesInCSV(t *testing.T) {
	dir := t.TempDir()
	paths := writeHostileSeries(t, filepath.Join(dir, "=series"), 5)
	runs := map[string][]string{
		"trend":   append([]string{"trend", "--top", "0", "--format", "csv"}, paths...),
		"compare": {"compare", "--top", "0", "--format", "csv", paths[0], paths[4]},
		"batch":   {"batch", "--top", "0", "--format", "csv", dir},
	}
	for name, args := range runs {
		stdout, stderr, code := runCmd(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d, stderr %s", name, code, stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		formulas := 0
		for _, row := range rows[1:] {
			for _, cell := range row {
				if cell == "" {
					continue
				}
				switch cell[0] {
				case '=', '+', '@', '\t', '\r':
					t.Errorf("%s: cell %q starts a formula", name, cell)
				case '-':
					if !isNumber(cell) {
						t.Errorf("%s: cell %q starts a formula", name, cell)
					}
				case '\'':
					formulas++
				}
			}
		}
		if formulas == 0 {
			t.Errorf("%s: no cell was defused; want the hostile names quoted:\n%s", name, stdout)
		}
		if name == "batch" && !strings.HasPrefix(rows[1][0], "'=series") {
			t.Errorf("batch: series cell %q, want it defused", rows[1][0])
		}
		checkNoInjection(t, name, stdout)
	}
}

func isNumber(s string) bool {
	for _, c := range s[1:] {
		if (c < '0' || c > '9') && c != '.' && c != 'e' && c != '-' && c != '+' {
			return false
		}
	}
	return len(s) > 1
}

// hostileFile is a file name that retitles the terminal and rings its bell.
const hostileFile = "lc\x1b]0;pwned\x07\u202e.pb.gz"

// TestHostileFileNames: a file or directory name reaches no terminal raw:
// not in an error line, inspect's table (terminal or piped), its warnings,
// batch's stderr lines, nor the progress line.
func TestHostileFileNames(t *testing.T) {
	dir := t.TempDir()
	good := writeHostileSeries(t, filepath.Join(dir, "good\x1b[2J"), 5, hostileFile)
	broken := filepath.Join(dir, "broken\x1b]0;x\x07")
	if err := os.Mkdir(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lc1\x1b[31m.heap", "lc2\x1b[31m.heap"} {
		if err := os.WriteFile(filepath.Join(broken, name), []byte("heap_v2/1\n  t*: 1: 8 [0: 0]\n@ zz\x1b[2J\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string][]string{
		"error line":         {"trend", filepath.Join(broken, "lc1\x1b[31m.heap"), good[1]},
		"missing file":       {"trend", filepath.Join(dir, "gone\x1b]0;t\x07.pb.gz"), good[1]},
		"inspect piped":      {"inspect", good[0], filepath.Join(broken, "lc2\x1b[31m.heap")},
		"batch stderr lines": {"batch", dir}, // and JSON Lines with the names escaped
		"trend":              append([]string{"trend"}, good...),
	}
	for name, args := range cases {
		stdout, stderr, code := runCmd(t, args...)
		if code == 0 && name != "trend" {
			t.Errorf("%s: exit 0, want 1", name)
		}
		checkNoInjection(t, name, stdout+stderr)
		if name != "trend" && !strings.Contains(stdout+stderr, "\uFFFD") {
			t.Errorf("%s: no name shows cleaned:\nstdout %q\nstderr %q", name, stdout, stderr)
		}
	}

	// On a terminal: inspect's aligned table and trend's progress line.
	var stdout, stderr bytes.Buffer
	ios := &IOStreams{Out: &stdout, ErrOut: &stderr, stdoutTTY: true, stderrTTY: true, width: 100, noColor: true}
	root := newRootCmd(ios)
	root.SetArgs([]string{"inspect", good[0]})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	checkNoInjection(t, "inspect table", stdout.String()+stderr.String())
	if !strings.Contains(stdout.String(), "lc\uFFFD]0;pwned\uFFFD\uFFFD.pb.gz") || !strings.Contains(stdout.String(), "evil\uFFFD]0;metric\uFFFD") {
		t.Errorf("inspect table: want the path and metric name cleaned:\n%s", stdout.String())
	}
	if _, err := loadSeries(ios, []string{filepath.Dir(good[0])}, "", loader.Options{}); err != nil {
		t.Fatal(err)
	}
	progress := strings.ReplaceAll(stderr.String(), "\r\x1b[K", "")
	checkNoInjection(t, "progress line", progress)
	if !strings.Contains(progress, "lc\uFFFD]0;pwned\uFFFD\uFFFD.pb.gz") {
		t.Errorf("progress line: want the file name cleaned: %q", progress)
	}
}

// TestOutputIsInput: -o naming one of the inputs (the same path, another
// spelling, a symbolic or hard link, a file of a series directory, the batch
// manifest) is refused with one line, and the input is untouched.
func TestOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	paths := writeHostileSeries(t, filepath.Join(dir, "s"), 4)
	link := filepath.Join(dir, "link.pb.gz")
	if err := os.Symlink(paths[3], link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.pb.gz")
	if err := os.Link(paths[2], hard); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "series.json")
	if err := os.WriteFile(manifest, []byte(`{"series": [{"name": "s", "dir": "s"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sums := func() [][32]byte {
		var out [][32]byte
		for _, p := range append(paths, manifest) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, sha256.Sum256(data))
		}
		return out
	}
	before := sums()
	other := filepath.Join(dir, "s", ".", "..", "s", filepath.Base(paths[1]))
	cases := map[string][]string{
		"trend, same path":         append([]string{"trend", "-o", paths[0]}, paths...),
		"trend, other spelling":    {"trend", "-o", other, filepath.Join(dir, "s")},
		"trend, symlink":           {"trend", "--format", "json", "-o", link, filepath.Join(dir, "s")},
		"trend, hard link":         append([]string{"trend", "--format", "csv", "-o", hard}, paths...),
		"compare":                  {"compare", "--format", "pprof", "-o", paths[3], paths[0], paths[3]},
		"compare, symlink":         {"compare", "-o", link, paths[0], paths[3]},
		"batch, file of a series":  {"batch", "-o", paths[1], manifest},
		"batch, the manifest":      {"batch", "-o", manifest, manifest},
		"batch, directory series":  {"batch", "--format", "csv", "-o", hard, dir},
		"batch, symlink to series": {"batch", "-o", link, manifest},
	}
	for name, args := range cases {
		stdout, stderr, code := runCmd(t, args...)
		if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "write the report to another file") {
			t.Errorf("%s: got exit %d, stdout %q, stderr %q; want 1 and one line refusing", name, code, stdout, stderr)
		}
	}
	if after := sums(); !equalSums(before, after) {
		t.Errorf("an input changed")
	}
	// A new file, or one that is no input, is written.
	for _, out := range []string{filepath.Join(dir, "new.csv"), filepath.Join(dir, "new.csv")} {
		if _, stderr, code := runCmd(t, append([]string{"trend", "--format", "csv", "-o", out}, paths...)...); code != 0 {
			t.Errorf("trend -o %s: exit %d, stderr %s", out, code, stderr)
		}
	}

	// The explorer's export path too.
	res := &dumpdiff.TrendResult{ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}}}
	export := exportTo(paths)
	for _, p := range []string{paths[0], link, hard} {
		if err := export(p, tui.ExportCSV, res); err == nil || !strings.Contains(err.Error(), "write the report to another file") {
			t.Errorf("export to %s: got %v, want it refused", p, err)
		}
	}
	if err := export(filepath.Join(dir, "view.csv"), tui.ExportCSV, res); err != nil {
		t.Errorf("export to a new file: %v", err)
	}
	if after := sums(); !equalSums(before, after) {
		t.Errorf("an input changed after export")
	}
}

func equalSums(a, b [][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExploreOneSnapshot: explore refuses a lone snapshot before the UI
// starts (nothing drawn on the terminal), with the one line trend gives.
func TestExploreOneSnapshot(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr, stdoutTTY: true, width: 100}
	root := newRootCmd(ios)
	root.SetArgs([]string{"explore", "../../testdata/pprof/go-lifecycle/lc1.pb.gz"})
	err := root.Execute()
	_, trendErr, trendCode := runCmd(t, "trend", "../../testdata/pprof/go-lifecycle/lc1.pb.gz")
	if err == nil || trendCode != 1 || "dumpdiff: "+oneLine(err.Error())+"\n" != trendErr {
		t.Errorf("explore: got %v, want trend's error %q", err, trendErr)
	}
	if strings.Count(err.Error(), "trend") != 1 {
		t.Errorf("explore: got %q, want the step named once", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("explore drew %q on the terminal before refusing", stdout.String())
	}
	// One NMT .diff file is a pair: explore takes it.
	s, err := loadExplored([]string{"../../testdata/nmt/jdk17-diff/summary.diff.txt"}, loader.Options{}, dumpdiff.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSeriesLength(s); err != nil {
		t.Errorf("a .diff file: got %v, want it explored as a pair", err)
	}
}
