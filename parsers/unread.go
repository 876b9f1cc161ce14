package parsers

import (
	"bytes"
	"fmt"
)

// unreadFormat is a format dumpdiff recognises by its first bytes but has
// no parser for. Detect names it instead of calling the file corrupt or
// unrecognised (a bzip2 stream, for one, starts with bytes that read as a
// protobuf field tag, as zstd did before heaptrack recordings were read).
// A reader for one of these formats takes its entry over: it adds its
// Format to Formats and to Parse, and drops the entry here.
type unreadFormat struct {
	// name is how the error names what the file is.
	name string
	// match reports whether the decompressed head of a file is in the
	// format.
	match func(head []byte) bool
	// advice says what to do with such a file instead.
	advice string
}

// unreadFormats are checked before the readers' own sniffing, in order.
var unreadFormats = []unreadFormat{
	{"xz-compressed data", hasPrefix("\xfd7zXZ\x00"), "decompress it first (xz -d)"},
	{"bzip2-compressed data", isBzip2, "decompress it first (bzip2 -d)"},
	{"a Java heap dump (HPROF)", hasPrefix("JAVA PROFILE 1.0."),
		"it holds the Java heap, not native memory: take NMT reports (jcmd PID VM.native_memory summary) instead"},
	{"a perf recording (perf.data)", hasPrefix("PERFILE2"), "perf report reads it; dumpdiff reads heap profiles"},
	{"a Java lock contention profile (contentionz)", hasPrefix("--- contentionz"), "it holds lock contention, not memory"},
}

// detectUnread returns an error naming the format of head when it is one
// dumpdiff recognises but does not read, and nil otherwise.
func detectUnread(head []byte) error {
	for _, f := range unreadFormats {
		if f.match(head) {
			return fmt.Errorf("%s: %w; %s", f.name, ErrNotSupported, f.advice)
		}
	}
	return nil
}

func hasPrefix(magic string) func([]byte) bool {
	return func(head []byte) bool { return bytes.HasPrefix(head, []byte(magic)) }
}

// isBzip2 matches a bzip2 stream header: "BZh", a block size digit 1-9,
// then the block magic 0x314159265359 (the digits of pi).
func isBzip2(head []byte) bool {
	return len(head) >= 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' &&
		bytes.HasPrefix(head[4:], []byte("\x31\x41\x59\x26\x53\x59"))
}
