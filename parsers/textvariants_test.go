package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// readTestdata returns a committed snapshot, decompressed.
func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	return readReport(t, filepath.Join("..", "testdata", rel))
}

// TestTextVariantsOfRealDumps re-reads real text dumps of every text
// format after the changes that copying them around makes: Windows line
// endings, a UTF-8 byte order mark, leading blank lines, gzip. Each variant
// must parse to the same totals as the original.
func TestTextVariantsOfRealDumps(t *testing.T) {
	files := []string{
		"tcmalloc/c-lifecycle/lifecycle.0008.heap",
		"jemalloc/c-sampled/jeprof.22456.7.m7.heap",
		"jemalloc/c-threads/threads-lc8.heap",
		"jemalloc/cxx-restart/restart-lc3.heap",
		"tcmalloc/cxx-sampled/sample-lc3.heap",
		"tcmalloc/cxx-sampling-off/sampling-off.heap",
		"pprof/go-forms/text/lc2.txt",
		"nmt/jdk25-variants/summary.diff-g1-mb.txt",
		"nmt/jdk17-summary/lc-03.txt",
		"nmt/jdk25-summary-mb/lc-03.txt",
		"nmt/jdk17-detail/lc-06.txt.gz",
		"nmt/jdk25-diff/detail.diff.txt.gz",
		"nmt/jdk17-exit/exit.txt",
		"nmt/public/jdk8-oracle-doc.txt",
	}
	crlf := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	variants := []struct {
		name string
		edit func([]byte) []byte
	}{
		{"crlf", crlf},
		{"bom", func(b []byte) []byte { return append([]byte("\ufeff"), b...) }},
		{"bom crlf", func(b []byte) []byte { return append([]byte("\ufeff"), crlf(b)...) }},
		{"leading blank lines", func(b []byte) []byte { return append([]byte("\n\r\n  \n"), b...) }},
		{"gzip crlf", func(b []byte) []byte { return gz(crlf(b)) }},
	}
	for _, f := range files {
		data := readTestdata(t, f)
		want, err := Parse(bytes.NewReader(data), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variants {
			t.Run(f+"/"+v.name, func(t *testing.T) {
				got, err := Parse(bytes.NewReader(v.edit(bytes.Clone(data))), f, nil)
				if err != nil {
					t.Fatalf("got error %v, want totals %v", err, want.Totals())
				}
				if g, w := fmt.Sprint(got.Totals()), fmt.Sprint(want.Totals()); g != w {
					t.Errorf("got totals %s, want %s", g, w)
				}
				if len(got.Warnings) != len(want.Warnings) {
					t.Errorf("got warnings %v, want %v", got.Warnings, want.Warnings)
				}
			})
		}
	}
}

// TestHeapDumpsCutAnywhere cuts real jemalloc and tcmalloc dumps at many
// byte offsets, as a copy that stopped mid-write leaves them. Each cut is
// refused with an error naming a line, or, when only the memory map is cut,
// read with the whole dump's totals (and a warning when the cut falls inside
// a line): never a silently lower total.
func TestHeapDumpsCutAnywhere(t *testing.T) {
	for _, f := range []string{
		"tcmalloc/c-lifecycle/lifecycle.0008.heap",
		"tcmalloc/cxx-sampled/sample-lc3.heap",
		"jemalloc/c-threads/threads-lc8.heap",
		"jemalloc/cxx-restart/restart-lc3.heap",
	} {
		data := readTestdata(t, f)
		want, err := Parse(bytes.NewReader(data), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		step := len(data)/200 + 1
		// Before the end of the header line nothing says what the file is.
		for cut := bytes.IndexByte(data, '\n') + 1; cut < len(data); cut += step {
			s, err := Parse(bytes.NewReader(data[:cut]), f, nil)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line == 0 {
					t.Errorf("%s cut at %d: got %v, want an error naming a line", f, cut, err)
				}
				continue
			}
			// A metric whose total is short must be named by a warning
			// (a *MetricError), so that ranking it is refused.
			var flagged []string
			for _, w := range s.Warnings {
				var me *MetricError
				if errors.As(w, &me) {
					flagged = append(flagged, me.Metrics...)
				}
			}
			got, full := s.Totals(), want.Totals()
			for i, m := range s.Metrics() {
				if got[i] != full[i] && !slices.Contains(flagged, m.Name) {
					t.Errorf("%s cut at %d: got %s total %d, want %d, an error, or a warning naming %s", f, cut, m.Name, got[i], full[i], m.Name)
				}
			}
			// A cut at a line end in the memory map leaves a shorter map
			// that nothing tells from a whole one.
			if len(s.Warnings) == 0 && data[cut-1] != '\n' {
				t.Errorf("%s cut at %d: got no warning, want one about the cut", f, cut)
			}
		}
	}
}
