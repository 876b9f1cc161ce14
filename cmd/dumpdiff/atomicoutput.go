package main

import (
	"fmt"
	"io"

	"github.com/dumpdiff/dumpdiff/report"
)

// writeAtomicOutput sends a command's output to -o FILE or standard output. A file
// is written atomically (report.WriteFileAtomic): a failed write leaves no
// partial file, and an existing file is replaced only once the new one is
// complete. A binary format (pprof) is refused on a terminal, where it would
// only garble the screen.
func writeAtomicOutput(ios *IOStreams, path string, f report.Format, write func(w io.Writer) error) error {
	if path != "" {
		return report.WriteFileAtomic(path, write)
	}
	if f.Binary() && ios.IsStdoutTTY() {
		return flagErrorf("--format %s is binary: write it to a file with -o FILE%s or redirect standard output", f, f.Ext())
	}
	if err := write(ios.Out); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
