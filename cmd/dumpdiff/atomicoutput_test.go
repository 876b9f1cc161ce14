package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/report"
)

func TestWriteAtomicOutput(t *testing.T) {
	hello := func(w io.Writer) error { _, err := io.WriteString(w, "hello\n"); return err }

	var out bytes.Buffer
	ios := newIOStreams(nil, &out, io.Discard)
	if err := writeAtomicOutput(ios, "", report.FormatPprof, hello); err != nil || out.String() != "hello\n" {
		t.Errorf("piped pprof: got %q, %v, want it written to stdout", out.String(), err)
	}

	// Binary output is refused on a terminal, with a hint.
	ios.stdoutTTY = true
	out.Reset()
	err := writeAtomicOutput(ios, "", report.FormatPprof, hello)
	var fe *FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "-o FILE.pb.gz") || out.Len() != 0 {
		t.Errorf("pprof on a terminal: got %v and %q, want a usage error and no output", err, out.String())
	}
	if err := writeAtomicOutput(ios, "", report.FormatMarkdown, hello); err != nil {
		t.Errorf("markdown on a terminal: got %v, want it written", err)
	}

	// -o writes the file (replacing an old one) and nothing on stdout.
	path := filepath.Join(t.TempDir(), "out.pb.gz")
	os.WriteFile(path, []byte("old"), 0o644)
	out.Reset()
	if err := writeAtomicOutput(ios, path, report.FormatPprof, hello); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "hello\n" || out.Len() != 0 {
		t.Errorf("-o: got file %q and stdout %q, want the file replaced and stdout empty", got, out.String())
	}
	// A failed write leaves the old file.
	boom := errors.New("boom")
	if err := writeAtomicOutput(ios, path, report.FormatPprof, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "hello\n" {
		t.Errorf("failed -o write changed the file to %q", got)
	}
}
