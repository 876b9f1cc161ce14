package jfr_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers/jfr"
	"github.com/dumpdiff/dumpdiff/parsers/jfr/jfrtest"
)

// testdata is the repository's testdata/jfr (see testdata/README.md, "jfr").
var testdata = filepath.Join("..", "..", "testdata", "jfr")

// readFile returns a committed file's bytes, gunzipped when it ends in .gz.
func readFile(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, rel))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(rel, ".gz") {
		return data
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// chunks decodes every chunk of data and calls each with it.
func chunks(t *testing.T, data []byte, each func(*jfr.Chunk)) int {
	t.Helper()
	r := jfr.NewReader(bytes.NewReader(data))
	n := 0
	for {
		c, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		each(c)
	}
}

// TestNativememRecording reads the committed recordings of the TaskManager
// on both JDKs: settings, JVM, events in time order, stacks that resolve to
// the planted leak's Java and native frames.
func TestNativememRecording(t *testing.T) {
	for _, tc := range []struct{ file, version, period string }{
		{"jdk17/leak-sampled.jfr", "17.", "524288"},
		{"jdk17/leak.jfr.gz", "17.", "0"},
		{"jdk25/leak-sampled.jfr", "25", "524288"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			n := chunks(t, readFile(t, tc.file), func(c *jfr.Chunk) {
				if got := c.Settings["nativemem"]; got != tc.period {
					t.Errorf("nativemem setting: got %q, want %q", got, tc.period)
				}
				if !strings.HasPrefix(c.JVM.Version, tc.version) || c.JVM.PID <= 0 {
					t.Errorf("JVM: got %+v, want version %s… and a pid", c.JVM, tc.version)
				}
				if c.Mallocs == 0 || c.Frees == 0 {
					t.Errorf("got %d mallocs and %d frees, want some of each", c.Mallocs, c.Frees)
				}
				checkEvents(t, c)
			})
			if n != 1 {
				t.Errorf("got %d chunks, want 1", n)
			}
		})
	}
}

// checkEvents walks a chunk's events: times never decrease, every malloc's
// stack resolves, and the leak's stack reads as async-profiler prints it.
func checkEvents(t *testing.T, c *jfr.Chunk) {
	t.Helper()
	last, n, leak := int64(0), 0, false
	err := c.Events(func(ev *jfr.Event) error {
		n++
		if ev.Time < last {
			t.Fatalf("event %d: time %d after %d", n, ev.Time, last)
		}
		last = ev.Time
		if ev.Size == 0 {
			return nil
		}
		frames, ok := c.Stack(ev.Stack)
		if !ok || len(frames) == 0 {
			t.Fatalf("malloc %d: stack %d not in the pool", n, ev.Stack)
		}
		leak = leak || isLeak(c, frames)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != c.Mallocs+c.Frees {
		t.Errorf("walked %d events, the scan counted %d", n, c.Mallocs+c.Frees)
	}
	if !leak {
		t.Error("no malloc from TaskManager$LeakyOperator.allocChunk through os::malloc (libjvm.so)")
	}
}

// isLeak reports whether frames are the planted leak's: os::malloc in
// libjvm.so called (through the JDK, Unsafe_AllocateMemory0 on JDK 17; a
// compiled Unsafe.allocateMemory0 calls it directly on JDK 25) from a Java
// frame of TaskManager$LeakyOperator.allocChunk.
func isLeak(c *jfr.Chunk, frames []jfr.Frame) bool {
	native := false
	for _, f := range frames {
		class, method, _ := c.MethodName(f.Method)
		switch typ := c.FrameType(f.Type); {
		case class == "libjvm.so" && method == "os::malloc" && typ == "C++":
			native = true
		case class == "TaskManager$LeakyOperator" && method == "allocChunk" && typ != "C++" && typ != "Native":
			return native
		}
	}
	return false
}

// TestOtherRecorders decodes JFR files that are no nativemem recording:
// the JDK's own Flight Recorder (another writer of the same format) and
// async-profiler's CPU profiler.
func TestOtherRecorders(t *testing.T) {
	chunks(t, readFile(t, "other/jdk17-flight-recorder.jfr.gz"), func(c *jfr.Chunk) {
		if c.Type(jfr.MallocEvent) != nil || c.Type("jdk.ExecutionSample") == nil {
			t.Errorf("JDK recording: want jdk.ExecutionSample and no %s in the metadata", jfr.MallocEvent)
		}
	})
	chunks(t, readFile(t, "other/cpu.jfr"), func(c *jfr.Chunk) {
		if c.Mallocs != 0 || c.Settings["event"] != "cpu" {
			t.Errorf("cpu recording: got %d mallocs, event %q; want 0 and cpu", c.Mallocs, c.Settings["event"])
		}
	})
}

// TestErrors checks that damaged and foreign input fails with the right
// cause at the right byte.
func TestErrors(t *testing.T) {
	rec := readFile(t, "jdk17/leak-sampled.jfr")
	patch := func(off int, v uint64) []byte {
		b := bytes.Clone(rec)
		binary.BigEndian.PutUint64(b[off:], v)
		return b
	}
	poolAt := int(binary.BigEndian.Uint64(rec[16:]))
	for _, tc := range []struct {
		name   string
		data   []byte
		want   error
		offset int64 // -1: somewhere after the header
		msg    string
	}{
		{"garbage", []byte("not a recording at all, just text\n"), jfr.ErrNotJFR, 0, `no chunk magic`},
		{"short garbage", []byte("GIF8"), jfr.ErrNotJFR, 0, `no chunk magic`},
		{"header cut", rec[:40], jfr.ErrTruncated, 40, "inside the chunk header at byte 0"},
		{"chunk cut", rec[:len(rec)/2], jfr.ErrTruncated, int64(len(rec) / 2), "says it is"},
		{"pool cut", rec[:poolAt+3], jfr.ErrTruncated, int64(poolAt + 3), "says it is"},
		{"unfinished", patch(16, 0), jfr.ErrUnfinished, 16, "never completed"},
		{"version 1", append([]byte("FLR\x00\x00\x01\x00\x00"), rec[8:]...), nil, 4, "JFR version 1.0"},
		{"pool offset outside", patch(16, uint64(len(rec)+5)), nil, 16, "constant pool offset"},
		{"no ticks", patch(56, 0), nil, 56, "ticks per second"},
		{"metadata offset wrong", patch(24, 69), nil, -1, ""},
		{"pool offset wrong", patch(16, uint64(poolAt-1)), nil, -1, ""},
		{"second chunk garbage", append(bytes.Clone(rec), "trailing text"...), jfr.ErrNotJFR, int64(len(rec)), "no chunk magic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := jfr.NewReader(bytes.NewReader(tc.data))
			var err error
			for err == nil {
				var c *jfr.Chunk
				if c, err = r.Next(); err == nil {
					err = c.Events(func(*jfr.Event) error { return nil })
				}
			}
			var je *jfr.Error
			if !errors.As(err, &je) {
				t.Fatalf("got %T %v, want a *jfr.Error", err, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want cause %v", err, tc.want)
			}
			if tc.offset < 0 && je.Offset <= jfr.HeaderSize || tc.offset >= 0 && je.Offset != tc.offset {
				t.Errorf("got offset %d, want %d (%v)", je.Offset, tc.offset, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %q, want it to mention %q", err, tc.msg)
			}
		})
	}
	// A malloc event that ends after its time: the scan reads the time, the
	// walk finds the rest missing.
	b, err := jfrtest.New(rec)
	if err != nil {
		t.Fatal(err)
	}
	b.Malloc(b.StartTick()+10, 1, b.Stacks()[0], 0x1000, 64)
	b.Raw(b.StartTick()+20, 1, binary.AppendUvarint(binary.AppendUvarint(nil, b.MallocType()), uint64(b.StartTick()+20)))
	var short bytes.Buffer
	b.WriteTo(&short)
	_, err = chunkEvents(short.Bytes())
	if !errors.Is(err, jfr.ErrTruncated) || !strings.Contains(err.Error(), "truncated inside the 9-byte event at byte") {
		t.Errorf("event without its fields: got %v, want it truncated inside the event", err)
	}
	killed := readFile(t, "other/killed.jfr")
	if _, err := jfr.NewReader(bytes.NewReader(killed)).Next(); !errors.Is(err, jfr.ErrUnfinished) {
		t.Errorf("recording of a killed JVM: got %v, want %v", err, jfr.ErrUnfinished)
	}
	if _, err := jfr.NewReader(bytes.NewReader(nil)).Next(); err != io.EOF {
		t.Errorf("empty input: got %v, want io.EOF", err)
	}
}

// TestInterleavedRuns writes events the way async-profiler does, into 16
// buffers written when full, over several chunks, and checks that Events
// hands them back in time order, every one of them.
func TestInterleavedRuns(t *testing.T) {
	b, err := jfrtest.New(readFile(t, "jdk17/leak-sampled.jfr"))
	if err != nil {
		t.Fatal(err)
	}
	b.Buffers, b.BufferSize, b.ChunkSize = 16, 2000, 50000
	rng := rand.New(rand.NewPCG(1, 2))
	stacks := b.Stacks()
	tick := b.StartTick()
	const n = 20000
	for i := 0; i < n; i++ {
		tick += int64(rng.IntN(1000))
		b.Malloc(tick, uint64(rng.IntN(40)), stacks[rng.IntN(len(stacks))], uint64(i+1)*16, int64(i%100+1))
	}
	var out bytes.Buffer
	b.WriteTo(&out)
	got, nchunks := 0, 0
	last := int64(0)
	chunks(t, out.Bytes(), func(c *jfr.Chunk) {
		nchunks++
		err := c.Events(func(ev *jfr.Event) error {
			if ev.Time < last {
				t.Fatalf("event %d: time %d after %d", got, ev.Time, last)
			}
			if ev.Size != int64(ev.Address/16-1)%100+1 {
				t.Fatalf("event at %#x: size %d", ev.Address, ev.Size)
			}
			last = ev.Time
			got++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	if got != n || nchunks < 5 {
		t.Errorf("got %d events in %d chunks, want %d in at least 5", got, nchunks, n)
	}
}

// BenchmarkDecode decodes a generated 100 MB recording (the committed
// sampled recording's metadata and pools, async-profiler's buffer layout,
// churning allocations) and walks its events in time order: the decoder's
// share of reading a recording.
func BenchmarkDecode(b *testing.B) {
	for _, chunkSize := range []int{0, 10 << 20} {
		name := "one-chunk"
		if chunkSize > 0 {
			name = "10MB-chunks"
		}
		b.Run(name, func(b *testing.B) {
			data := generated(b, 100<<20, chunkSize)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r := jfr.NewReader(bytes.NewReader(data))
				for {
					c, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := c.Events(func(*jfr.Event) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// generated returns a recording of about size bytes of churning events in
// chunks of chunkSize (0: one chunk).
func generated(tb testing.TB, size, chunkSize int) []byte {
	tb.Helper()
	g, err := jfrtest.New(readFile(tb, "jdk17/leak-sampled.jfr"))
	if err != nil {
		tb.Fatal(err)
	}
	g.Buffers, g.BufferSize, g.ChunkSize = 16, 60<<10, chunkSize
	g.Churn(size, 200_000, 1)
	var out bytes.Buffer
	if _, err := g.WriteTo(&out); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// FuzzReader feeds arbitrary bytes to the decoder: no input may panic or
// hang, errors are *jfr.Error (or io.EOF for no chunk), and what decodes
// can be walked.
func FuzzReader(f *testing.F) {
	for _, rel := range []string{"other/cpu.jfr", "other/killed.jfr"} {
		f.Add(readFile(f, rel))
	}
	// A small recording with events: the CPU recording's metadata and pools.
	if b, err := jfrtest.New(readFile(f, "other/cpu.jfr")); err == nil {
		b.Buffers, b.BufferSize = 2, 64
		for i, st := range b.Stacks() {
			b.Malloc(b.StartTick()+int64(10*(i+1)), uint64(i%3), st, uint64(0x1000+16*i), int64(i+1))
			if i%2 == 1 {
				b.Free(b.StartTick()+int64(10*(i+1)+5), 0, uint64(0x1000+16*(i-1)))
			}
		}
		var out bytes.Buffer
		b.WriteTo(&out)
		f.Add(out.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := jfr.NewReader(bytes.NewReader(data))
		for {
			c, err := r.Next()
			if err == io.EOF {
				return
			}
			var je *jfr.Error
			if err != nil {
				if !errors.As(err, &je) {
					t.Fatalf("got %T %v, want a *jfr.Error", err, err)
				}
				return
			}
			err = c.Events(func(ev *jfr.Event) error {
				if frames, ok := c.Stack(ev.Stack); ok {
					for _, fr := range frames {
						c.MethodName(fr.Method)
						c.FrameType(fr.Type)
					}
				}
				return nil
			})
			if err != nil {
				if !errors.As(err, &je) {
					t.Fatalf("events: got %T %v, want a *jfr.Error", err, err)
				}
				return
			}
		}
	})
}

// chunkEvents counts the native-memory events of every chunk of data.
func chunkEvents(data []byte) (int, error) {
	r := jfr.NewReader(bytes.NewReader(data))
	n := 0
	for {
		c, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := c.Events(func(*jfr.Event) error { n++; return nil }); err != nil {
			return n, err
		}
	}
}
