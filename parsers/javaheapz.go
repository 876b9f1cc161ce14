package parsers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxJavaHeapz bounds the legacy Java heapz profiles read: the pprof
// library parses them whole, with a regular expression per line, and real
// ones hold a few thousand lines.
const maxJavaHeapz = 64 << 20

// isJavaHeapz reports whether the buffered start of in is a legacy Java
// heapz profile, which detection reports as pprof (the library reads it).
func isJavaHeapz(in *bufio.Reader) bool {
	head, _ := in.Peek(256)
	return bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte(javaHeapzHeader))
}

// readJavaHeapz reads a legacy Java heapz profile through the pprof
// library (parseJavaHeapz) and feeds it to sink.
func readJavaHeapz(in io.Reader, name string, sink Sink) error {
	data, err := io.ReadAll(io.LimitReader(in, maxJavaHeapz+1))
	if err != nil {
		return &ParseError{Format: FormatPprof, Name: name, Err: err}
	}
	if len(data) > maxJavaHeapz {
		return &ParseError{Format: FormatPprof, Name: name, Offset: maxJavaHeapz,
			Err: fmt.Errorf("java heapz profile larger than %d MiB: no real one is", maxJavaHeapz>>20)}
	}
	snap, err := parseJavaHeapz(data, name)
	if err != nil {
		return err
	}
	return EmitSnapshot(snap, sink)
}
