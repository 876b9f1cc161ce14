package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"image"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
)

// realGoHeapProfile returns a heap profile written by this test binary's own
// Go runtime: a real pprof protobuf, gzipped.
func realGoHeapProfile(t testing.TB) []byte {
	t.Helper()
	runtime.GC()
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDetectUnread: real files in formats dumpdiff recognises but does not
// read (testdata/gen/unread/gen.sh: an NMT report compressed with xz and
// bzip2) are refused with an error that names the
// format and wraps ErrNotSupported, never as a corrupt pprof profile (a
// bzip2 stream starts with bytes that read as a protobuf field tag);
// DetectFile says the same, so a series directory holding one names it
// instead of skipping it.
func TestDetectUnread(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"nmt-summary.txt.xz", "xz-compressed data"},
		{"nmt-summary.txt.bz2", "bzip2-compressed data"},
	} {
		path := filepath.Join("..", "testdata", "unread", tc.file)
		_, err := Open(path, nil)
		var pe *ParseError
		if !errors.Is(err, ErrNotSupported) || !errors.As(err, &pe) || pe.Name != path ||
			!strings.Contains(err.Error(), "read "+path+": "+tc.want) {
			t.Errorf("Open(%s): got %v, want a ParseError naming %q (ErrNotSupported)", tc.file, err, tc.want)
		}
		if _, err := DetectFile(path); !errors.Is(err, ErrNotSupported) {
			t.Errorf("DetectFile(%s): got %v, want ErrNotSupported", tc.file, err)
		}
	}
	// "BZh" alone, as text, is no bzip2 stream.
	if _, err := Detect([]byte("BZh is not a header\n")); !errors.Is(err, ErrUnrecognized) {
		t.Errorf("Detect(BZh text): got %v, want ErrUnrecognized", err)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		want Format
		err  error
	}{
		{"jemalloc", "heap_v2/524288\n  t*: 28106: 56637512 [0: 0]\n", FormatJemalloc, nil},
		{"tcmalloc", "heap profile:    5:   655360 [     5:   655360] @ heapprofile\n", FormatTcmalloc, nil},
		{"go legacy text", "heap profile: 1: 2 [3: 4] @ heap/1048576\n", FormatTcmalloc, nil},
		{"nmt with pid line", "12345:\n\nNative Memory Tracking:\n\n", FormatNMT, nil},
		{"nmt exit statistics", "\nNative Memory Tracking:\n\nTotal: reserved=1KB, committed=1KB\n", FormatNMT, nil},
		{"protobuf", "\x0a\x0c\x08\x01\x10\x02", FormatPprof, nil},
		{"jemalloc after a byte order mark", "\ufeffheap_v2/1\n", FormatJemalloc, nil},
		{"tcmalloc after a byte order mark", "\ufeffheap profile: 1: 2 [3: 4] @ heapprofile\r\n", FormatTcmalloc, nil},
		{"jcmd without nmt", "16637:\nNative memory tracking is not enabled\n", FormatNMT, nil},
		{"jcmd detail at summary level", "12159:\r\nDetail tracking is not enabled\r\n", FormatNMT, nil},
		{"jcmd diff without baseline", "12159:\nNo baseline for comparison", FormatNMT, nil},
		{"empty", "", "", ErrEmpty},
		{"plain text", "hello world\n", "", ErrUnrecognized},
		{"text that mentions NMT", "# notes\nRead `Native Memory Tracking:` reports with dumpdiff.\n", "", ErrUnrecognized},
		{"nmt after program output, CRLF", "started\r\nworking\r\n\r\nNative Memory Tracking:\r\n\r\n", FormatNMT, nil},
		{"elf", "\x7fELF\x02\x01\x01\x00", "", ErrUnrecognized},
		// A damaged text dump is still its format: its reader names the line.
		{"jemalloc with a stray control byte", "heap_v2/1\n  t*: 1\x00: 2 [0: 0]\n", FormatJemalloc, nil},
		{"tcmalloc with a stray control byte", "heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x1\x07\n", FormatTcmalloc, nil},
		{"nmt after coloured program output", "\x1b[32mstarted\x1b[0m\n\x1b[1mdone\x1b[0m\n\nNative Memory Tracking:\n\n", FormatNMT, nil},
		{"nmt with a stray control byte", "12345:\n\nNative Memory Tracking:\n\nTotal: reserved=1KB, committed=1KB\n" + strings.Repeat("-  Java Heap (reserved=1KB, committed=1KB)\n", 8) + "\x00\n", FormatNMT, nil},
		{"binary that holds the nmt header", "\x0a\x02\x08\x01\x00\x00\x00\x00\nNative Memory Tracking:\n", FormatPprof, nil},
		{"jfr", "FLR\x00\x00\x02\x00\x00", FormatJFR, nil},
		{"collapsed", "main;open;malloc 4096\nmain;close 0\n", FormatCollapsed, nil},
		{"collapsed, one frame on a line", "main 10\nmain;open;malloc 4096\n", FormatCollapsed, nil},
		{"collapsed, C++ names with spaces", "main;operator new(unsigned long) 64\r\n", FormatCollapsed, nil},
		{"words and numbers", "apples 3\npears 4\n", "", ErrUnrecognized},
		{"a list with a semicolon line", "a;b 1\nnot a stack\n", "", ErrUnrecognized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect([]byte(tc.head))
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("got %q, %v, want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestOpenBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	heap := realGoHeapProfile(t)
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		name    string
		path    string
		wantErr error  // a sentinel reachable with errors.Is, or nil
		wantMsg string // a fragment of the one-line message
	}{
		{"empty file", write("empty.prof", nil), ErrEmpty, "empty.prof: empty file"},
		{"random bytes", write("random.bin", random), nil, "random.bin"},
		{"truncated pb.gz", write("cut.pb.gz", heap[:len(heap)/2]), ErrTruncated, "cut.pb.gz"},
		{"png", write("picture.png", pngBytes(t)), ErrUnrecognized, "a PNG image"},
		{"directory", dir, nil, "is a directory"},
		{"missing", filepath.Join(dir, "nope.heap"), fs.ErrNotExist, "nope.heap: no such file"},
		{"jemalloc cut in header", write("je.heap", []byte("heap_v2/524288\n  t*: 1")), nil, "je.heap"},
		{"tcmalloc garbage line", write("tc.heap", []byte("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x1\nnot a sample\n")), nil, "tc.heap line 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := Open(tc.path, nil)
			if err == nil {
				t.Fatalf("got snapshot %+v, want an error", snap)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("got %v, want errors.Is %v", err, tc.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("got %q, want it to contain %q", msg, tc.wantMsg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("got a multi-line message %q", msg)
			}
		})
	}
}

func TestOpenUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not stop reads (TestParseReaderError covers the read error path)")
	}
	p := filepath.Join(t.TempDir(), "secret.pb.gz")
	if err := os.WriteFile(p, realGoHeapProfile(t), 0o000); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p, nil)
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "secret.pb.gz") {
		t.Errorf("got %v, want a permission error naming the file", err)
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestParseReaderError(t *testing.T) {
	_, err := Parse(failingReader{fs.ErrPermission}, "locked.heap", nil)
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "locked.heap") {
		t.Errorf("got %v, want a permission error naming locked.heap", err)
	}
	// A read error after detection must not become a silent partial parse.
	r := io.MultiReader(strings.NewReader("heap profile: 1: 2 [3: 4] @ heapprofile\n"), failingReader{io.ErrClosedPipe})
	if _, err := Parse(r, "pipe.heap", nil); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("got %v, want the read error", err)
	}
}

func TestParseGoHeapProfile(t *testing.T) {
	snap, err := Parse(bytes.NewReader(realGoHeapProfile(t)), "self.pb.gz", nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Format != FormatPprof || snap.Variant != "go-heap" || !snap.Symbolized {
		t.Errorf("got format %q variant %q symbolized %v, want pprof go-heap symbolized", snap.Format, snap.Variant, snap.Symbolized)
	}
	if got := snap.DefaultMetric(); got != "inuse_space" {
		t.Errorf("got default metric %q, want inuse_space", got)
	}
	if snap.Lifecycle != -1 {
		t.Errorf("got lifecycle %d, want -1 (set by the series loader)", snap.Lifecycle)
	}
	// The same bytes uncompressed parse the same.
	gz, _ := gzipReader(realGoHeapProfile(t))
	raw, _ := io.ReadAll(gz)
	snap2, err := Parse(bytes.NewReader(raw), "self.pb", nil)
	if err != nil || snap2.Format != FormatPprof {
		t.Fatalf("raw protobuf: got %v, %v", snap2, err)
	}
}

func gzipReader(b []byte) (io.Reader, error) { return gzip.NewReader(bytes.NewReader(b)) }

// TestOpenNamedPipe reads a real heap profile through a named pipe, as
// `dumpdiff compare <(curl …) <(curl …)` hands them over, and refuses a
// device that might never end.
func TestOpenNamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "heap.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	heap := realGoHeapProfile(t)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.Write(heap)
		f.Close()
	}()
	snap, err := Open(fifo, nil)
	if err != nil || snap.Format != FormatPprof {
		t.Fatalf("got %v, %v, want a pprof snapshot", snap, err)
	}
	if _, err := Open("/dev/zero", nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("got %v, want /dev/zero refused as not a regular file", err)
	}
}
