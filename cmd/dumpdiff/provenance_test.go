package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

func TestVersionString(t *testing.T) {
	stamped := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/dumpdiff/dumpdiff", Version: "v0.0.0-20250301100000-1a2b3c4d5e6f+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"},
			{Key: "vcs.time", Value: "2025-03-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name   string
		linked string
		bi     *debug.BuildInfo
		want   string
	}{
		{"go build in a clone", "", stamped, "v0.0.0-20250301100000-1a2b3c4d5e6f+dirty (git 1a2b3c4d5e6f, 2025-03-01T10:00:00Z, modified)"},
		{"go install @version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"go run", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"-ldflags -X main.version", "v2.0.0", stamped, "v2.0.0 (git 1a2b3c4d5e6f, 2025-03-01T10:00:00Z, modified)"},
		{"no build info", "", nil, "dev"},
		{"revision only", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}}, "dev (abc)"},
	}
	for _, tt := range tests {
		if got := versionString(tt.linked, tt.bi); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"testdata/pprof/go-lifecycle": "testdata/pprof/go-lifecycle",
		"--top=5":                     "--top=5",
		"leak report.html":            "'leak report.html'",
		"lc-(\\d+)":                   `'lc-(\d+)'`,
		"it's":                        `'it'\''s'`,
		"":                            "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q): got %s, want %s", in, got, want)
		}
	}
}

func TestSeriesDirectory(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	snaps := func(paths ...string) []dumpdiff.SnapshotInfo {
		var out []dumpdiff.SnapshotInfo
		for _, p := range paths {
			out = append(out, dumpdiff.SnapshotInfo{Path: p})
		}
		return out
	}
	tests := []struct {
		snaps []dumpdiff.SnapshotInfo
		want  string
	}{
		{nil, ""},
		{snaps("/dumps/tm-1/lc1.heap", "/dumps/tm-1/lc2.heap"), "/dumps/tm-1"},
		{snaps("/dumps/tm-1/lc1.heap", "/dumps/tm-1/b/lc2.heap"), "/dumps/tm-1"},
		{snaps("/dumps/a/lc1.heap", "/dumps/b/lc2.heap"), "/dumps"},
		{snaps("/dumps/ab/lc1.heap", "/dumps/a/lc2.heap"), "/dumps"},
		{snaps("a/lc1.heap", "a/lc2.heap"), filepath.Join(wd, "a")},
		{snaps("rec.zst#1", "rec.zst#2"), wd},
	}
	for _, tt := range tests {
		if got := seriesDirectory(tt.snaps); got != tt.want {
			t.Errorf("seriesDirectory(%v): got %q, want %q", tt.snaps, got, tt.want)
		}
	}
}

// TestTrendHTMLProvenance: the HTML report of trend records how it was
// made, the snapshots' directory, and SOURCE_DATE_EPOCH as its time; its
// table stops at --top while its flame graph holds every growing site.
func TestTrendHTMLProvenance(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1740823200")
	out := filepath.Join(t.TempDir(), "leak report.html")
	_, stderr, code := runCmd(t, "trend", "--top", "1", "--format", "html", "-o", out, goSeriesDir)
	if code != 0 {
		t.Fatalf("got exit %d, stderr %q", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	dir, err := filepath.Abs(goSeriesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<dt>Command</dt><dd><code>dumpdiff trend --top 1 --format html -o &#39;" + out + "&#39; " + goSeriesDir + "</code></dd>",
		"<dt>Directory</dt><dd><code>" + dir + "</code></dd>",
		"made 2025-03-01 10:00:00 UTC by dumpdiff " + buildVersion(),
		"20 more sites not shown",
		// The flame graph has the second leak, which the table leaves out.
		`main.registerMetrics`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if got := strings.Count(page, `<svg class="spark"`); got != 1 {
		t.Errorf("--top 1: got %d table rows, want 1", got)
	}

	// A SOURCE_DATE_EPOCH that is not a time is refused by name.
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	_, stderr, code = runCmd(t, "trend", "--format", "html", goSeriesDir)
	if code != 1 || stderr != "dumpdiff: SOURCE_DATE_EPOCH=\"yesterday\": want whole seconds since 1970\n" {
		t.Errorf("got exit %d, stderr %q; want 1 and one line naming SOURCE_DATE_EPOCH", code, stderr)
	}
}

func TestCompareHTMLProvenance(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1740823200")
	stdout, stderr, code := runCmd(t, "compare", "--format", "html", filepath.Join(goSeriesDir, "lc1.pb.gz"), filepath.Join(goSeriesDir, "lc8.pb.gz"))
	if code != 0 {
		t.Fatalf("got exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "<dt>Command</dt><dd><code>dumpdiff compare --format html ") || !strings.Contains(stdout, "made 2025-03-01 10:00:00 UTC") {
		t.Errorf("compare page lacks its command line or time")
	}
}
