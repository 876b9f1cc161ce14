package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// realSeries are committed real series (see testdata/README.md) and the
// function each one leaks 4 MiB per lifecycle from.
var realSeries = []struct{ name, dir, leak string }{
	{"go-lifecycle", "../../testdata/pprof/go-lifecycle", "main.(*leakyOperator).open"},
	{"go-noisy", "../../testdata/pprof/go-noisy", "main.(*leakyOperator).open"},
	{"tcmalloc", "../../testdata/tcmalloc/c-lifecycle", ""}, // address-only until symbolised
}

const leakPerLifecycle = 4 << 20

// batchDir builds a directory with one subdirectory per real series
// (symlinked) and, when broken is set, a series whose last snapshot is a
// truncated copy of a real profile.
func batchDir(t *testing.T, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range realSeries {
		abs, err := filepath.Abs(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, s.name)); err != nil {
			t.Fatal(err)
		}
	}
	if broken {
		b := filepath.Join(dir, "broken")
		if err := os.Mkdir(b, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"lc1.pb.gz", "lc2.pb.gz"} {
			data, err := os.ReadFile(filepath.Join(realSeries[0].dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				data = data[:len(data)/2]
			}
			if err := os.WriteFile(filepath.Join(b, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// batchLine is what the tests read of a dumpdiff.batch/v1 record.
type batchLine struct {
	Schema        string `json:"schema"`
	Name          string `json:"name"`
	Error         string `json:"error"`
	GroupBy       string `json:"group_by"`
	SnapshotCount int    `json:"snapshot_count"`
	Snapshots     []struct {
		Path string `json:"path"`
	} `json:"snapshots"`
	Total *struct {
		Growth *float64 `json:"growth_per_lifecycle"`
	} `json:"total"`
	SiteCount int      `json:"site_count"`
	Warnings  []string `json:"warnings"`
	Sites     []struct {
		Rank    int      `json:"rank"`
		Title   string   `json:"title"`
		Verdict string   `json:"verdict"`
		Growth  *float64 `json:"growth_per_lifecycle"`
		R2      *float64 `json:"r2"`
		Frames  []struct {
			Function string `json:"function"`
		} `json:"frames"`
	} `json:"sites"`
	FailOn *struct {
		Threshold int64 `json:"threshold"`
		Offenders []int `json:"offenders"`
	} `json:"fail_on"`
}

// decodeRecords reads JSON Lines batch output.
func decodeRecords(t *testing.T, out string) []batchLine {
	t.Helper()
	var recs []batchLine
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var r batchLine
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

// checkLeakFirst checks a series record ranks its planted leak first as a
// leak growing within 5% of 4 MiB per lifecycle.
func checkLeakFirst(t *testing.T, r batchLine, leak string) {
	t.Helper()
	if r.Error != "" {
		t.Errorf("%s: got error %q, want none", r.Name, r.Error)
		return
	}
	if r.SnapshotCount != 8 || len(r.Snapshots) != 8 {
		t.Errorf("%s: got %d snapshots (%d listed), want 8", r.Name, r.SnapshotCount, len(r.Snapshots))
	}
	if r.Total == nil || r.Total.Growth == nil || *r.Total.Growth < leakPerLifecycle*0.95 {
		t.Errorf("%s: got total %+v, want a total growth of at least the leak", r.Name, r.Total)
	}
	if len(r.Sites) == 0 {
		t.Errorf("%s: no sites", r.Name)
		return
	}
	top := r.Sites[0]
	if top.Growth == nil || top.Verdict != "leak" || math.Abs(*top.Growth-leakPerLifecycle) > 0.05*leakPerLifecycle {
		t.Errorf("%s: top site %s is %s growing %v/lifecycle, want leak growing %d", r.Name, top.Title, top.Verdict, top.Growth, leakPerLifecycle)
	}
	if leak != "" && top.Title != leak {
		t.Errorf("%s: top site: got %s, want %s", r.Name, top.Title, leak)
	}
}

func TestBatchDirectory(t *testing.T) {
	dir := batchDir(t, false)
	stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--top", "3")
	if code != 0 {
		t.Fatalf("got exit code %d, want 0\nstderr: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("got stderr %q, want none (not a terminal: no progress)", stderr)
	}
	recs := decodeRecords(t, stdout)
	if len(recs) != len(realSeries) {
		t.Fatalf("got %d records, want %d", len(recs), len(realSeries))
	}
	for i, s := range realSeries {
		r := recs[i]
		if r.Name != s.name || r.Schema != "dumpdiff.batch/v1" {
			t.Errorf("record %d: got %s (%s), want %s (dumpdiff.batch/v1)", i, r.Name, r.Schema, s.name)
		}
		checkLeakFirst(t, r, s.leak)
		if len(r.Sites) != 3 || r.SiteCount <= 3 {
			t.Errorf("%s: got %d of %d sites, want 3 of more (--top 3)", r.Name, len(r.Sites), r.SiteCount)
		}
		if r.FailOn != nil {
			t.Errorf("%s: got fail_on %+v without --fail-on", r.Name, r.FailOn)
		}
	}
}

func TestBatchFailOn(t *testing.T) {
	dir := batchDir(t, false)
	t.Run("crossed", func(t *testing.T) {
		stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--fail-on", "1MiB")
		if code != exitThreshold {
			t.Fatalf("got exit code %d, want %d\nstderr: %s", code, exitThreshold, stderr)
		}
		if !strings.HasPrefix(stderr, "dumpdiff: --fail-on 1MiB: 3 leak site(s) in 3 series grow more than 1.0 MiB per lifecycle:\n") {
			t.Errorf("stderr does not start with the summary line:\n%s", stderr)
		}
		for _, s := range realSeries {
			if !strings.Contains(stderr, "  "+s.name+": #1 ") {
				t.Errorf("stderr does not list %s #1:\n%s", s.name, stderr)
			}
		}
		if !strings.Contains(stderr, "main.(*leakyOperator).open +4.0 MiB/lifecycle (leak)") {
			t.Errorf("stderr does not name the leak and its growth:\n%s", stderr)
		}
		// The output is complete, and records which sites crossed.
		for _, r := range decodeRecords(t, stdout) {
			if r.FailOn == nil || r.FailOn.Threshold != 1<<20 || len(r.FailOn.Offenders) != 1 || r.FailOn.Offenders[0] != 1 {
				t.Errorf("%s: got fail_on %+v, want threshold 1048576 and offender rank 1", r.Name, r.FailOn)
			}
		}
	})
	t.Run("not crossed", func(t *testing.T) {
		// The leaks grow 4 MiB per lifecycle: an 8 MiB gate passes.
		stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--fail-on", "8MiB")
		if code != 0 || stderr != "" {
			t.Fatalf("got exit code %d and stderr %q, want 0 and none", code, stderr)
		}
		for _, r := range decodeRecords(t, stdout) {
			if r.FailOn == nil || len(r.FailOn.Offenders) != 0 {
				t.Errorf("%s: got fail_on %+v, want no offenders", r.Name, r.FailOn)
			}
		}
	})
	t.Run("bad size", func(t *testing.T) {
		_, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--fail-on", "lots")
		if code != 1 || !strings.HasPrefix(stderr, `dumpdiff: invalid --fail-on: invalid size "lots"`) {
			t.Errorf("got exit code %d and stderr %q, want 1 and an invalid size error", code, stderr)
		}
	})
}

func TestBatchBrokenSeries(t *testing.T) {
	dir := batchDir(t, true)
	stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir)
	if code != 1 {
		t.Fatalf("got exit code %d, want 1\nstderr: %s", code, stderr)
	}
	recs := decodeRecords(t, stdout)
	if len(recs) != len(realSeries)+1 {
		t.Fatalf("got %d records, want %d: a failed series must not stop the others", len(recs), len(realSeries)+1)
	}
	// Natural order of the directory names: broken first.
	if recs[0].Name != "broken" || !strings.Contains(recs[0].Error, "lc2.pb.gz") {
		t.Errorf("first record: got %s with error %q, want broken with an error naming lc2.pb.gz", recs[0].Name, recs[0].Error)
	}
	for i, s := range realSeries {
		checkLeakFirst(t, recs[i+1], s.leak)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "dumpdiff: series broken: ") || lines[1] != "dumpdiff: 1 of 4 series failed" {
		t.Errorf("got stderr:\n%s\nwant the series error and a count", stderr)
	}

	// A threshold crossed elsewhere still wins: exit 3, and the failure is reported.
	_, stderr, code = runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--fail-on", "1MiB")
	if code != exitThreshold || !strings.Contains(stderr, "dumpdiff: series broken: ") {
		t.Errorf("got exit code %d, stderr:\n%s\nwant %d and the broken series reported", code, stderr, exitThreshold)
	}
}

func TestBatchManifest(t *testing.T) {
	dir := t.TempDir()
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if err := os.Symlink(abs(realSeries[0].dir), filepath.Join(dir, "go")); err != nil {
		t.Fatal(err)
	}
	manifests := map[string]string{
		"series.json": `{"series": [
  {"name": "by-function", "dir": "go", "group_by": "function"},
  {"name": "listed", "files": ["go/lc1.pb.gz", "go/lc2.pb.gz", "go/lc3.pb.gz", "go/lc4.pb.gz"]},
  {"name": "regex", "files": ["go/lc8.pb.gz", "go/lc2.pb.gz", "go/lc5.pb.gz"], "lifecycle_regex": "lc(\\d+)"},
  {"name": "missing", "dir": "nowhere"}
]}`,
		// The same manifest in YAML.
		"series.yaml": `# one TaskManager per series
series:
  - name: by-function
    dir: go
    group_by: function
  - name: listed
    files: [go/lc1.pb.gz, go/lc2.pb.gz, go/lc3.pb.gz, go/lc4.pb.gz]
  - name: regex
    files:
      - go/lc8.pb.gz
      - go/lc2.pb.gz
      - go/lc5.pb.gz
    lifecycle_regex: 'lc(\d+)'
  - name: missing
    dir: nowhere
`,
	}
	for name, manifest := range manifests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			checkBatchManifest(t, path)
		})
	}
}

// checkBatchManifest runs the manifest of TestBatchManifest and checks each
// series' record.
func checkBatchManifest(t *testing.T, path string) {
	t.Helper()
	stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", path, "--top", "1")
	if code != 1 {
		t.Fatalf("got exit code %d, want 1 (one series is missing)\nstderr: %s", code, stderr)
	}
	recs := decodeRecords(t, stdout)
	if len(recs) != 4 {
		t.Fatalf("got %d records, want 4", len(recs))
	}
	checkLeakFirst(t, recs[0], "main.(*leakyOperator).open")
	if recs[0].GroupBy != string(dumpdiff.GroupByFunction) || len(recs[0].Sites[0].Frames) != 1 {
		t.Errorf("by-function: got group_by %s with %d frames, want function with 1", recs[0].GroupBy, len(recs[0].Sites[0].Frames))
	}
	if recs[1].SnapshotCount != 4 || len(recs[1].Snapshots) != 4 || filepath.Base(recs[1].Snapshots[3].Path) != "lc4.pb.gz" {
		t.Errorf("listed: got %d snapshots %+v, want the 4 listed files in order", recs[1].SnapshotCount, recs[1].Snapshots)
	}
	// The regex orders lc2, lc5, lc8 and spaces them by their numbers.
	if r := recs[2]; r.Error != "" || len(r.Snapshots) != 3 || filepath.Base(r.Snapshots[0].Path) != "lc2.pb.gz" || filepath.Base(r.Snapshots[2].Path) != "lc8.pb.gz" {
		t.Errorf("regex: got snapshots %+v (error %q), want lc2, lc5, lc8", r.Snapshots, r.Error)
	} else if g := r.Sites[0].Growth; g == nil || math.Abs(*g-leakPerLifecycle) > 0.05*leakPerLifecycle {
		t.Errorf("regex: got growth %v per lifecycle, want about %d (per lifecycle number, not per file)", g, leakPerLifecycle)
	}
	if recs[3].Name != "missing" || !strings.Contains(recs[3].Error, "nowhere") {
		t.Errorf("missing: got error %q, want one naming the directory", recs[3].Error)
	}
}

func TestBatchBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing", []string{filepath.Join(dir, "nope")}, "dumpdiff: batch " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"no subdirectories", []string{empty}, "dumpdiff: batch " + empty + ": no series: want one subdirectory of snapshots per series (for one series use dumpdiff trend)"},
		{"not json", []string{write("a.json", "{series:\n  - name: x\n")}, "dumpdiff: read manifest " + filepath.Join(dir, "a.json") + ": line 1: invalid character 's' looking for beginning of object key string"},
		{"yaml unknown fields", []string{write("a.yaml", "series:\n  - name: x\n    dri: d\n    metrc: m\n")}, "dumpdiff: read manifest " + filepath.Join(dir, "a.yaml") + ": line 3: field dri not found; line 4: field metrc not found"},
		{"yaml syntax", []string{write("b.yaml", "series: [\n")}, "dumpdiff: read manifest " + filepath.Join(dir, "b.yaml") + ": line 1: did not find expected node content"},
		{"yaml wrong shape", []string{write("c.yaml", "series: tm-1\n")}, "dumpdiff: read manifest " + filepath.Join(dir, "c.yaml") + ": line 1: cannot unmarshal !!str `tm-1` into a list of series"},
		{"unknown field", []string{write("b.json", "{\"series\": [\n {\"name\": \"x\", \"dir\": \"d\", \"metrc\": \"inuse_space\"}]}")}, "dumpdiff: read manifest " + filepath.Join(dir, "b.json") + `: line 2: unknown field "metrc"`},
		{"no series", []string{write("c.json", `{"series": []}`)}, "dumpdiff: read manifest " + filepath.Join(dir, "c.json") + `: no series: want {"series": [{"name": …, "dir" or "files": …}]}`},
		{"both dir and files", []string{write("d.json", `{"series": [{"name": "x", "dir": "d", "files": ["f"]}]}`)}, "dumpdiff: read manifest " + filepath.Join(dir, "d.json") + `: series "x" has both dir and files; want one`},
		{"duplicate", []string{write("e.json", `{"series": [{"name": "x", "dir": "d"}, {"name": "x", "dir": "e"}]}`)}, "dumpdiff: read manifest " + filepath.Join(dir, "e.json") + `: series "x" is listed twice`},
		{"bad group_by", []string{write("f.json", `{"series": [{"name": "x", "dir": "d", "group_by": "thread"}]}`)}, "dumpdiff: read manifest " + filepath.Join(dir, "f.json") + `: series "x": invalid group_by "thread": want stack, function, line or category`},
		{"regex without group", []string{write("g.json", `{"series": [{"name": "x", "dir": "d", "lifecycle_regex": "lc\\d+"}]}`)}, "dumpdiff: read manifest " + filepath.Join(dir, "g.json") + `: series "x": invalid lifecycle_regex "lc\d+": want a capture group for the lifecycle number`},
		{"bad format", []string{empty, "--format", "xml"}, `dumpdiff: invalid --format "xml": want jsonl or csv`},
		{"bad group-by flag", []string{empty, "--group-by", "thread"}, `dumpdiff: invalid --group-by "thread": want stack, function, line or category`},
		{"bad jobs", []string{empty, "--jobs", "-1"}, `dumpdiff: invalid --jobs -1: want 1 or more (0: one per CPU)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCmd(t, append([]string{"batch"}, tc.args...)...)
			first, _, _ := strings.Cut(stderr, "\n")
			if code != 1 || first != tc.want || stdout != "" {
				t.Errorf("got exit code %d, stdout %q, stderr first line\n%s\nwant 1, nothing, and\n%s", code, stdout, first, tc.want)
			}
		})
	}
}

func TestBatchCSVToFile(t *testing.T) {
	dir := batchDir(t, true)
	out := filepath.Join(t.TempDir(), "batch.csv")
	stdout, _, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--format", "csv", "--top", "2", "-o", out)
	if code != 1 || stdout != "" {
		t.Fatalf("got exit code %d and stdout %q, want 1 (broken series) and nothing on stdout", code, stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, data)
	}
	if got, want := strings.Join(rows[0], ","), strings.Join(report.BatchCSVHeader, ","); got != want {
		t.Errorf("header: got %s, want %s", got, want)
	}
	// broken: one row with the error; each real series: two site rows.
	if got, want := len(rows), 1+1+2*len(realSeries); got != want {
		t.Fatalf("got %d rows, want %d:\n%s", got, want, data)
	}
	if rows[1][0] != "broken" || rows[1][len(rows[1])-1] == "" {
		t.Errorf("broken row: got %q, want the series name and an error", rows[1])
	}
	leak := rows[2]
	if leak[0] != "go-lifecycle" || leak[6] != "1" || leak[7] != "leak" || leak[12] != "main.(*leakyOperator).open" {
		t.Errorf("go-lifecycle first row: got %q, want rank 1 leak main.(*leakyOperator).open", leak)
	}
}

func TestBatchParallelOrder(t *testing.T) {
	var specs []string
	dir := t.TempDir()
	for _, name := range []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s10"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		specs = append(specs, name)
	}
	var running, peak atomic.Int32
	var mu sync.Mutex
	var startOrder []string
	var stdout, stderr bytes.Buffer
	opts := &BatchOptions{
		IO: newIOStreams(nil, &stdout, &stderr), Source: dir, Format: "jsonl", Jobs: 3,
		trend: func(spec SeriesSpec) (*dumpdiff.TrendResult, error) {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			mu.Lock()
			startOrder = append(startOrder, spec.Name)
			started := len(startOrder)
			mu.Unlock()
			// Early series finish last, so output order cannot follow completion order.
			time.Sleep(time.Duration(10-started) * 3 * time.Millisecond)
			return &dumpdiff.TrendResult{ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}}}, nil
		},
	}
	if err := batchRun(opts); err != nil {
		t.Fatal(err)
	}
	if got := peak.Load(); got > 3 || got < 2 {
		t.Errorf("got %d series at once, want 2 or 3 with --jobs 3", got)
	}
	var got []string
	for _, r := range decodeRecords(t, stdout.String()) {
		got = append(got, r.Name)
	}
	if strings.Join(got, " ") != strings.Join(specs, " ") {
		t.Errorf("output order: got %v, want %v (natural order of the directory names)", got, specs)
	}
}

func TestBatchProgress(t *testing.T) {
	var buf bytes.Buffer
	ios := newIOStreams(nil, &buf, &buf)
	ios.width = 60
	p := newBatchProgress(ios, true, 2)
	p.started("tm-1\x1b[2J")
	p.printf("dumpdiff: series tm-0: boom\n")
	p.around(func() error { buf.WriteString("{record}\n"); return nil })
	p.done("tm-1\x1b[2J")
	p.finish()
	out := buf.String()
	for _, want := range []string{"0/2 series · tm-1\uFFFD[2J\r", "\r\x1b[Kdumpdiff: series tm-0: boom\n", "\r\x1b[K{record}\n\r\x1b[Kbatch", "1/2 series"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("progress line not erased at the end: %q", out)
	}
	if strings.Contains(out, "\x1b[2J") {
		t.Errorf("a series name's escape sequence reached the terminal: %q", out)
	}
}

// TestBatchEveryFormat runs one manifest over real series of every format
// (pprof, tcmalloc from fresh processes, jemalloc, NMT summary and detail)
// and checks each ranks its planted leak (truth.json) first as a leak.
func TestBatchEveryFormat(t *testing.T) {
	series := []struct{ name, dir, groupBy string }{
		{"go", "pprof/go-sampled", ""},
		{"tcmalloc-restart", "tcmalloc/c-restart", ""},
		{"jemalloc", "jemalloc/c-lifecycle", "function"},
		{"nmt-summary", "nmt/jdk17-summary", "category"},
		{"nmt-detail", "nmt/jdk17-detail", ""},
	}
	type truth struct {
		Leaks []struct {
			Function string `json:"function"`
			Bytes    int64  `json:"bytes_per_lifecycle"`
		} `json:"leaks"`
	}
	var m struct {
		Series []map[string]string `json:"series"`
	}
	want := map[string]truth{}
	for _, s := range series {
		abs, err := filepath.Abs(filepath.Join("../../testdata", s.dir))
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(abs, "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tr truth
		if err := json.Unmarshal(data, &tr); err != nil || len(tr.Leaks) == 0 {
			t.Fatalf("%s/truth.json: %v", s.dir, err)
		}
		want[s.name] = tr
		entry := map[string]string{"name": s.name, "dir": abs}
		if s.groupBy != "" {
			entry["group_by"] = s.groupBy
		}
		m.Series = append(m.Series, entry)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "series.json")
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", manifest, "--top", "1", "--jobs", "2")
	if code != 0 {
		t.Fatalf("got exit code %d, want 0\nstderr: %s", code, stderr)
	}
	recs := decodeRecords(t, stdout)
	if len(recs) != len(series) {
		t.Fatalf("got %d records, want %d", len(recs), len(series))
	}
	for i, r := range recs {
		leak := want[series[i].name].Leaks[0]
		if r.Name != series[i].name || r.Error != "" || len(r.Sites) != 1 {
			t.Errorf("record %d: got %s (error %q, %d sites), want %s with its top site", i, r.Name, r.Error, len(r.Sites), series[i].name)
			continue
		}
		top := r.Sites[0]
		// Sampled dumps are unsampled estimates: allow 10%.
		if top.Verdict != "leak" || top.Growth == nil || math.Abs(*top.Growth-float64(leak.Bytes)) > 0.10*float64(leak.Bytes) {
			t.Errorf("%s: top site %s is %s growing %v, want leak growing %d", r.Name, top.Title, top.Verdict, top.Growth, leak.Bytes)
		}
		if top.Title != leak.Function && !(series[i].groupBy == "category" && top.Title == "Other") {
			t.Errorf("%s: top site: got %s, want %s", r.Name, top.Title, leak.Function)
		}
	}
	// The same run as a CI gate: every planted leak is over 1 MiB per lifecycle.
	_, stderr, code = runCmd(t, "batch", "--symbols", "../../testdata/bin", manifest, "--fail-on", "1MiB", "-q")
	if code != exitThreshold || strings.Count(stderr, ": #1 ") != len(series) {
		t.Errorf("--fail-on 1MiB: got exit code %d and stderr\n%s\nwant %d and every series listed", code, stderr, exitThreshold)
	}
}

// TestBatchWarnings: a series' warnings (here NMT's rounding at scale=MB)
// reach stderr, named by series and printed once for the whole series, and
// the series' JSON line; a series without warnings has none.
func TestBatchWarnings(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"mb": td + "nmt/jdk17-summary-mb", "go": td + "pprof/go-lifecycle"} {
		abs, err := filepath.Abs(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	stdout, stderr, code := runCmd(t, "batch", "--symbols", "../../testdata/bin", dir, "--top", "1", "-q")
	if code != 0 {
		t.Fatalf("got exit code %d, want 0\nstderr: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "dumpdiff: series mb: warning: ") || !strings.Contains(lines[0], "rounded to MB") ||
		!strings.HasSuffix(lines[0], "(and 5 more snapshots)") {
		t.Errorf("stderr: got %q, want one line of series mb's rounding warning for its 6 snapshots", stderr)
	}
	recs := decodeRecords(t, stdout)
	if len(recs) != 2 || recs[0].Name != "go" || len(recs[0].Warnings) != 0 || recs[1].Name != "mb" || len(recs[1].Warnings) != 6 {
		t.Errorf("records: got %+v, want go without warnings, then mb with 6", recs)
	}
}

// TestBatchFailOnSanitizesNames: a site name from a dump is untrusted, so
// the --fail-on lines on stderr must not carry its escape sequences.
func TestBatchFailOnSanitizesNames(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "s1"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	opts := &BatchOptions{
		IO: newIOStreams(nil, &stdout, &stderr), Source: dir, Format: "jsonl", Jobs: 1,
		FailOn: "1KiB", FailOnBytes: 1 << 10,
		trend: func(SeriesSpec) (*dumpdiff.TrendResult, error) {
			return &dumpdiff.TrendResult{
				ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}},
				Sites: []dumpdiff.TrendSite{{Site: dumpdiff.Site{Rank: 1, Key: "k", Title: "evil\x1b[2J\nname"},
					Growth: 1 << 20, Verdict: dumpdiff.VerdictLeak}},
			}, nil
		},
	}
	if err := batchRun(opts); err == nil {
		t.Fatal("got no error, want the --fail-on threshold error")
	}
	if strings.Contains(stderr.String(), "\x1b") {
		t.Errorf("got stderr %q, want no escape character", stderr.String())
	}
	if !strings.Contains(stderr.String(), "s1: #1 evil") {
		t.Errorf("got stderr %q, want the offender line for s1", stderr.String())
	}
}
