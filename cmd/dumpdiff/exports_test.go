package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/report"
)

const goSeriesDir = "../../testdata/pprof/go-lifecycle"

func TestTrendExportFormats(t *testing.T) {
	dir := t.TempDir()
	for _, f := range report.ExportFormats {
		t.Run(string(f), func(t *testing.T) {
			out := filepath.Join(dir, "trend"+f.Ext())
			stdout, stderr, code := runCmd(t, "trend", goSeriesDir, "--format", string(f), "-o", out)
			if code != 0 || stdout != "" {
				t.Fatalf("got exit code %d, stdout %q, stderr %q; want 0 and the output in %s", code, stdout, stderr, out)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			switch f {
			case report.FormatCSV:
				rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
				if err != nil || len(rows) < 2 || rows[1][1] != "leak" || rows[1][8] != "main.(*leakyOperator).open" {
					t.Errorf("csv: got %v rows (err %v), want the leak first", len(rows), err)
				}
			case report.FormatMarkdown:
				if !strings.Contains(string(data), "| 1 | **leak** | +4.0 MiB | +28.0 MiB |") {
					t.Errorf("markdown lacks the leak row:\n%s", data)
				}
			case report.FormatPprof:
				p, err := profile.Parse(bytes.NewReader(data))
				if err != nil || p.SampleType[0].Type != "growth_per_lifecycle" {
					t.Errorf("pprof: got %v, want a growth profile", err)
				}
			case report.FormatHTML:
				if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || !bytes.Contains(data, []byte(`<svg class="line-chart"`)) {
					t.Errorf("html: not a page with charts")
				}
			}
		})
	}
}

func TestCompareExportFormats(t *testing.T) {
	base, target := filepath.Join(goSeriesDir, "lc1.pb.gz"), filepath.Join(goSeriesDir, "lc8.pb.gz")
	// pprof to a pipe is fine (stdout is a buffer here).
	stdout, stderr, code := runCmd(t, "compare", base, target, "--format", "pprof")
	if code != 0 {
		t.Fatalf("got exit code %d, stderr %q", code, stderr)
	}
	p, err := profile.Parse(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("compare --format pprof is not a profile: %v", err)
	}
	diffBase := 0
	for _, s := range p.Sample {
		if s.DiffBaseSample() {
			diffBase++
		}
	}
	if diffBase == 0 {
		t.Errorf("compare --format pprof has no pprof::base samples")
	}
	for _, f := range []string{"csv", "markdown", "html"} {
		stdout, stderr, code := runCmd(t, "compare", base, target, "--format", f, "--top", "3")
		if code != 0 || !strings.Contains(stdout, "main.(*leakyOperator).open") {
			t.Errorf("compare --format %s: got exit code %d, stderr %q, and no leak in the output", f, code, stderr)
		}
	}
}

func TestExportOutputErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "out.csv")
	_, stderr, code := runCmd(t, "trend", goSeriesDir, "--format", "csv", "-o", missing)
	if code != 1 || !strings.HasPrefix(stderr, "dumpdiff: write "+missing+": ") {
		t.Errorf("got exit code %d and stderr %q, want 1 and a write error naming the file", code, stderr)
	}
	// Binary output never goes to a terminal.
	err := refuseBinaryOnTerminal(report.FormatPprof, WriteContext{TTY: true})
	var fe *FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "-o FILE.pb.gz") {
		t.Errorf("pprof on a terminal: got %v, want a usage error suggesting -o", err)
	}
	if err := refuseBinaryOnTerminal(report.FormatHTML, WriteContext{TTY: true}); err != nil {
		t.Errorf("html on a terminal: got %v, want it allowed", err)
	}
}
