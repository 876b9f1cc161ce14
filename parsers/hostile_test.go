package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Hostile inputs for the text readers (issue 12): generated here as
// streams, never committed, never held in memory whole.

// patternReader yields prefix, then unit repeated until n bytes of it
// came out, then suffix: gigabytes of input in a few bytes of memory.
type patternReader struct {
	prefix, suffix []byte
	unit           []byte
	n              int64  // bytes of repeated unit left
	chunk          []byte // unit repeated, to copy from
	pos            int    // position in chunk, a multiple of len(unit) away from a unit's start
}

func (p *patternReader) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		k := copy(b, p.prefix)
		p.prefix = p.prefix[k:]
		return k, nil
	}
	if p.n > 0 {
		if p.chunk == nil {
			p.chunk = bytes.Repeat(p.unit, (64<<10)/len(p.unit)+1)
		}
		k := copy(b[:min(int64(len(b)), p.n)], p.chunk[p.pos:])
		p.n -= int64(k)
		p.pos = (p.pos + k) % len(p.unit)
		return k, nil
	}
	if len(p.suffix) > 0 {
		k := copy(b, p.suffix)
		p.suffix = p.suffix[k:]
		return k, nil
	}
	return 0, io.EOF
}

// gzipped compresses what r yields on the fly.
func gzipped(r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestSpeed)
		_, err := io.Copy(zw, r)
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// hostileCases are the inputs that the subprocess test reads, by name.
var hostileCases = map[string]func() io.Reader{
	// A jemalloc header, then 2 GB of spaces on one line.
	"jemalloc-spaces": func() io.Reader {
		return &patternReader{prefix: []byte("heap_v2/1\n  t*: 0: 0 [0: 0]\n"), unit: []byte(" "), n: 2 << 30}
	},
	// A jemalloc header, then 2 GB of newlines.
	"jemalloc-newlines": func() io.Reader {
		return &patternReader{prefix: []byte("heap_v2/1\n  t*: 0: 0 [0: 0]\n"), unit: []byte("\n"), n: 2 << 30,
			suffix: []byte("MAPPED_LIBRARIES:\n")}
	},
	// A tcmalloc header, then 2 GB of newlines.
	"tcmalloc-newlines": func() io.Reader {
		return &patternReader{prefix: []byte("heap profile: 0: 0 [0: 0] @ heapprofile\n"), unit: []byte("\n"), n: 2 << 30,
			suffix: []byte("MAPPED_LIBRARIES:\n")}
	},
	// The same, gzipped: the decompression limit stops it (set to 64 MiB
	// by hostileOptions, so that the test compresses less).
	"tcmalloc-gzip-bomb": func() io.Reader {
		return gzipped(&patternReader{prefix: []byte("heap profile: 0: 0 [0: 0] @ heapprofile\n"), unit: []byte("\n"), n: 2 << 30})
	},
	// A tcmalloc stack line of 7 million frames.
	"tcmalloc-deep-stack": func() io.Reader {
		return &patternReader{prefix: []byte("heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 [1: 8] @"), unit: []byte(" 0x7f0000001234"), n: 7_000_000 * 15,
			suffix: []byte("\nMAPPED_LIBRARIES:\n")}
	},
	// An NMT summary, then 2 GB of newlines.
	"nmt-newlines": func() io.Reader {
		return &patternReader{prefix: []byte(nmtTinyReport), unit: []byte("\n"), n: 2 << 30}
	},
	// An NMT header, then 2 GB of one line.
	"nmt-long-line": func() io.Reader {
		return &patternReader{prefix: []byte("Native Memory Tracking:\n\nTotal: reserved=1KB, committed=1KB\n"), unit: []byte("x"), n: 2 << 30}
	},
	// 256 MB of a program's output, then its NMT report at exit (beyond
	// what detection looks at: the format is given, as --input-format nmt).
	"nmt-after-output": func() io.Reader {
		line := []byte("\x1b[32mINFO\x1b[0m request served in 3 ms\n")
		return &patternReader{unit: line, n: int64(len(line)) * (6 << 20), suffix: []byte(nmtTinyReport)}
	},
	// A stack line of 7 million frames (100 MB).
	"jemalloc-deep-stack": func() io.Reader {
		return &patternReader{prefix: []byte("heap_v2/1\n  t*: 1: 8 [0: 0]\n@"), unit: []byte(" 0x7f0000001234"), n: 7_000_000 * 15,
			suffix: []byte("\n  t*: 1: 8 [0: 0]\n\nMAPPED_LIBRARIES:\n")}
	},
}

// nmtTinyReport is the smallest NMT summary.
const nmtTinyReport = "Native Memory Tracking:\n\nTotal: reserved=2KB, committed=2KB\n-                 Java Heap (reserved=2KB, committed=2KB)\n                            (mmap: reserved=2KB, committed=2KB)\n"

// hostileOptions are the options of the cases that need some.
var hostileOptions = map[string]*Options{
	"tcmalloc-gzip-bomb": {MaxDecompressed: 64 << 20},
	"nmt-after-output":   {Format: FormatNMT},
}

// hostileEnv names the case a child process of TestHostileInputsMemory reads.
const hostileEnv = "DUMPDIFF_HOSTILE_CASE"

// TestHostileChild is the child side of TestHostileInputsMemory: it reads
// one hostile case through Parse and prints the outcome on one line.
func TestHostileChild(t *testing.T) {
	name := os.Getenv(hostileEnv)
	if name == "" {
		t.Skip("run by TestHostileInputsMemory")
	}
	s, err := Parse(hostileCases[name](), name, hostileOptions[name])
	if err != nil {
		fmt.Printf("error: %v\n", err)
		return
	}
	fmt.Printf("ok: totals %v warnings %q\n", s.Totals(), s.Warnings)
}

// TestHostileInputsMemory reads each hostile case in a child process and
// checks its outcome and its peak memory (the child's maximum resident
// set size, from rusage): the old readers took gigabytes for these.
func TestHostileInputsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads gigabytes of generated input")
	}
	const maxRSS = 100 << 20
	for _, c := range []struct {
		name string
		want string // a fragment of the child's output line ("…" stands for anything)
	}{
		{"jemalloc-spaces", "error: parse jemalloc dump jemalloc-spaces line 3: line longer than 4 MiB"},
		{"jemalloc-newlines", "ok: totals [0 0]"},
		{"tcmalloc-newlines", "ok: totals [0 0]"},
		{"tcmalloc-gzip-bomb", "error: parse tcmalloc heap profile tcmalloc-gzip-bomb line …: decompressed input exceeds the limit at byte 67108865"},
		{"tcmalloc-deep-stack", `ok: totals [1 8] warnings ["parse tcmalloc heap profile tcmalloc-deep-stack line 2: 1 stacks deeper than 4096 frames (the first here): each keeps its innermost 4096"`},
		{"nmt-newlines", "ok: totals [2048 2048 0 0 2048 2048 0]"},
		{"nmt-long-line", "error: parse NMT report nmt-long-line line 4: line longer than 4 MiB"},
		{"nmt-after-output", "ok: totals [2048 2048 0 0 2048 2048 0]"},
		{"jemalloc-deep-stack", `ok: totals [1 8] warnings ["parse jemalloc dump jemalloc-deep-stack line 3: 1 stacks deeper than 4096 frames (the first here): each keeps its innermost 4096"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.v")
			cmd.Env = append(os.Environ(), hostileEnv+"="+c.name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child failed: %v\n%s", err, out)
			}
			before, after, _ := strings.Cut(c.want, "…")
			i := bytes.Index(out, []byte(before))
			if i < 0 || !bytes.Contains(out[i:], []byte(after)) {
				t.Errorf("got output\n%s\nwant a line holding %s", out, c.want)
			}
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok {
				t.Skip("no rusage on this system")
			}
			if rss := ru.Maxrss * 1024; rss > maxRSS {
				t.Errorf("child peaked at %d MiB, want at most %d MiB", rss>>20, maxRSS>>20)
			}
		})
	}
}

// TestStackDepthCap: stacks deeper than maxStackDepth keep their innermost
// frames, with one warning for all of them.
func TestStackDepthCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("heap_v2/1\n  t*: 2: 16 [0: 0]\n")
	for range 2 {
		b.WriteString("@")
		for i := range maxStackDepth + 10 {
			fmt.Fprintf(&b, " 0x%x", 0x1000+i)
		}
		b.WriteString("\n  t*: 1: 8 [0: 0]\n")
	}
	b.WriteString("\nMAPPED_LIBRARIES:\n")
	s, err := ParseJemalloc(strings.NewReader(b.String()), "deep.heap")
	if err != nil {
		t.Fatal(err)
	}
	for _, smp := range s.Profile.Sample {
		if len(smp.Location) != maxStackDepth || smp.Location[0].Address != 0x1000-1 {
			t.Errorf("got a stack of %d frames from %#x, want the innermost %d from 0xfff", len(smp.Location), smp.Location[0].Address, maxStackDepth)
		}
	}
	want := "parse jemalloc dump deep.heap line 3: 2 stacks deeper than 4096 frames (the first here): each keeps its innermost 4096"
	if len(s.Warnings) == 0 || s.Warnings[0].Error() != want { // then: addresses outside every mapping
		t.Errorf("got warnings %q, want the first to be %q", s.Warnings, want)
	}
}

// TestStrayControlByte: a text dump with one control byte inside is read
// as the format its first line says, and the error names the line.
func TestStrayControlByte(t *testing.T) {
	for _, c := range []struct {
		file   string
		format Format
		in     string // the control byte goes into the second line holding this
	}{
		{"jemalloc/c-lifecycle/jeprof.22429.7.m7.heap", FormatJemalloc, "t*:"},
		{"tcmalloc/c-lifecycle/lifecycle.0008.heap", FormatTcmalloc, "] @ 0x"},
	} {
		dump := readTestdata(t, c.file)
		at := bytes.Index(dump, []byte(c.in))
		at = bytes.Index(dump[at+1:], []byte(c.in)) + at + 1
		line := bytes.Count(dump[:at], []byte("\n")) + 1
		_, err := Parse(bytes.NewReader(slicesInsert(dump, at+2, 0)), "x.heap", nil)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Format != c.format || pe.Line != line {
			t.Errorf("%s: got %v, want a %s error at line %d", c.file, err, c.format, line)
		}
	}
}

func slicesInsert(b []byte, at int, c byte) []byte {
	out := append(bytes.Clone(b[:at]), c)
	return append(out, b[at:]...)
}

// TestNMTAfterColouredOutput reads a real NMT report printed at JVM exit
// after coloured program output, its header line wrapped in escape
// sequences too: escapes are text, and the report reads as without them.
func TestNMTAfterColouredOutput(t *testing.T) {
	real := readTestdata(t, "nmt/jdk17-exit/exit.txt")
	want, err := Parse(bytes.NewReader(real), "exit.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	coloured := "\x1b[1;32mstarted\x1b[0m\n\x1b[33mWARN\x1b[0m slow request\n\x1b]0;title\x07done\n" +
		strings.Replace(string(real), "Native Memory Tracking:", "\x1b[0mNative Memory Tracking:\x1b[0m", 1)
	got, err := Parse(strings.NewReader(coloured), "exit.txt", nil)
	if err != nil {
		t.Fatalf("got %v, want the report read", err)
	}
	if g, w := fmt.Sprint(got.Totals()), fmt.Sprint(want.Totals()); g != w {
		t.Errorf("got totals %s, want %s", g, w)
	}
}

// TestNMTStrayControlByte: an NMT report with one control byte in a
// category line is still an NMT report, and the error names that line.
func TestNMTStrayControlByte(t *testing.T) {
	real := readTestdata(t, "nmt/jdk17-summary/lc-03.txt")
	at := bytes.Index(real, []byte("Java Heap (reserved="))
	line := bytes.Count(real[:at], []byte("\n")) + 1
	_, err := Parse(bytes.NewReader(slicesInsert(real, at+len("Java Heap (reserved=")+2, 0)), "lc-03.txt", nil)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Format != FormatNMT || pe.Line != line {
		t.Errorf("got %v, want an NMT error at line %d", err, line)
	}
}

// TestJavaHeapzBounded: the legacy Java heapz profile goes through the
// pprof library whole, so one larger than any real one is refused before
// the library sees it.
func TestJavaHeapzBounded(t *testing.T) {
	big := &patternReader{prefix: []byte(javaHeapzHeader + "\nformat = java\nresolution = bytes\n"),
		unit: []byte("          7048     1 @ 0x00000003 0x00000004\n"), n: 45 * (maxJavaHeapz/45 + 1)}
	err := Read(big, "big.heapz", nil, &discardSink{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Offset != maxJavaHeapz || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("got %v, want the profile refused at byte %d", err, maxJavaHeapz)
	}
}
