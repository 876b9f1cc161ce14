package parsers

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

// Benchmarks of the streaming text readers over large generated inputs,
// shaped like the dumps of a large C++ service: many stacks of 20-40
// frames drawn from a pool of code addresses in a few mappings, so that
// addresses repeat across stacks as real return addresses do. Run with
//
//	go test ./parsers -run '^$' -bench 'Read(Jemalloc|Tcmalloc|NMT)' -benchtime 5x
//
// and read MB/s (MB/cpu-s where other processes share the cores): the
// targets are 200 MB/s for jemalloc and tcmalloc text and 100 MB/s for NMT
// detail on two cores.

// benchSize is about how many bytes each generated input holds.
const benchSize = 64 << 20

// heapBenchModel is the shape shared by the generated jemalloc and tcmalloc
// dumps: a pool of return addresses and the stacks drawn from it.
type heapBenchModel struct {
	maps  []string // MAPPED_LIBRARIES lines
	addrs []uint64
	rng   *rand.Rand
}

func newHeapBenchModel() *heapBenchModel {
	m := &heapBenchModel{rng: rand.New(rand.NewPCG(1, 2))}
	bases := []uint64{0x55d0c0a00000, 0x7f0e2c000000, 0x7f0e2d000000, 0x7f0e2e000000}
	files := []string{"/opt/service/bin/server", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/opt/service/lib/libplugin.so"}
	for i, b := range bases {
		m.maps = append(m.maps, fmt.Sprintf("%x-%x r-xp 00001000 fe:00 %d    %s", b, b+0x800000, 1000+i, files[i]))
		m.maps = append(m.maps, fmt.Sprintf("%x-%x rw-p 00801000 fe:00 %d    %s", b+0x800000, b+0x810000, 1000+i, files[i]))
	}
	for range 60000 {
		b := bases[m.rng.IntN(len(bases))]
		m.addrs = append(m.addrs, b+0x1000+uint64(m.rng.IntN(0x7f0000)))
	}
	return m
}

// appendStack appends " 0x… 0x…" for a stack of 20-40 frames.
func (m *heapBenchModel) appendStack(b []byte) []byte {
	for range 20 + m.rng.IntN(21) {
		b = append(b, " 0x"...)
		b = fmt.Appendf(b, "%x", m.addrs[m.rng.IntN(len(m.addrs))])
	}
	return b
}

func (m *heapBenchModel) appendMaps(b []byte) []byte {
	b = append(b, "\nMAPPED_LIBRARIES:\n"...)
	for _, l := range m.maps {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

var benchInputs struct {
	sync.Mutex
	m map[string][]byte
}

// benchInput generates an input once per test binary.
func benchInput(kind string, gen func() []byte) []byte {
	benchInputs.Lock()
	defer benchInputs.Unlock()
	if benchInputs.m == nil {
		benchInputs.m = map[string][]byte{}
	}
	if b, ok := benchInputs.m[kind]; ok {
		return b
	}
	b := gen()
	benchInputs.m[kind] = b
	return b
}

// genJemallocBench writes a sampled heap_v2 dump of about benchSize bytes,
// each stack with one to three threads.
func genJemallocBench() []byte {
	m := newHeapBenchModel()
	var body []byte
	var total [2]int64
	for len(body) < benchSize {
		body = append(body, '@')
		body = m.appendStack(body)
		objs, bytes := int64(1+m.rng.IntN(50)), int64(0)
		bytes = objs * int64(16<<m.rng.IntN(12))
		total[0], total[1] = total[0]+objs, total[1]+bytes
		body = fmt.Appendf(body, "\n  t*: %d: %d [0: 0]\n", objs, bytes)
		nt := 1 + m.rng.IntN(3)
		for t := range nt {
			o := objs / int64(nt)
			if t == 0 {
				o += objs % int64(nt)
			}
			body = fmt.Appendf(body, "  t%d: %d: %d [0: 0]\n", t, o, o*(bytes/objs))
		}
	}
	head := fmt.Appendf(nil, "heap_v2/524288\n  t*: %d: %d [0: 0]\n", total[0], total[1])
	return m.appendMaps(append(head, body...))
}

// discardSink takes everything and keeps nothing: what a reader costs by
// itself.
type discardSink struct{ samples int }

func (*discardSink) Begin(*Header) error                      { return nil }
func (*discardSink) Mapping(*Mapping) error                   { return nil }
func (*discardSink) Location(*Location) error                 { return nil }
func (*discardSink) LabelSet(uint64, []Label) error           { return nil }
func (s *discardSink) Sample([]uint64, []int64, uint64) error { s.samples++; return nil }
func (*discardSink) End([]error) error                        { return nil }

func benchRead(b *testing.B, data []byte, read func(*bytes.Reader, Sink) error) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime()
	defer func() { reportCPU(b, int64(len(data)), cpuTime()-cpu) }()
	for b.Loop() {
		var s discardSink
		if err := read(bytes.NewReader(data), &s); err != nil {
			b.Fatal(err)
		}
		if s.samples == 0 {
			b.Fatal("no samples")
		}
	}
}

func BenchmarkReadJemalloc(b *testing.B) {
	data := benchInput("jemalloc", genJemallocBench)
	benchRead(b, data, func(r *bytes.Reader, s Sink) error { return ReadJemalloc(r, "bench.heap", nil, s) })
}

// BenchmarkParseJemalloc is the same input into the Snapshot model.
func BenchmarkParseJemalloc(b *testing.B) {
	data := benchInput("jemalloc", genJemallocBench)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseJemalloc(bytes.NewReader(data), "bench.heap"); err != nil {
			b.Fatal(err)
		}
	}
}

// genTcmallocBench writes a gperftools heap profile of about benchSize
// bytes.
func genTcmallocBench() []byte {
	m := newHeapBenchModel()
	var body []byte
	var total [4]int64
	for len(body) < benchSize {
		objs := int64(1 + m.rng.IntN(50))
		bytes := objs * int64(16<<m.rng.IntN(12))
		c := [4]int64{objs, bytes, objs * 3, bytes * 3}
		for i := range total {
			total[i] += c[i]
		}
		body = fmt.Appendf(body, "%6d: %8d [%6d: %8d] @", c[0], c[1], c[2], c[3])
		body = m.appendStack(body)
		body = append(body, '\n')
	}
	head := fmt.Appendf(nil, "heap profile: %6d: %8d [%6d: %8d] @ heapprofile\n", total[0], total[1], total[2], total[3])
	return m.appendMaps(append(head, body...))
}

func BenchmarkReadTcmalloc(b *testing.B) {
	data := benchInput("tcmalloc", genTcmallocBench)
	benchRead(b, data, func(r *bytes.Reader, s Sink) error { return ReadTcmalloc(r, "bench.heap", nil, s) })
}

// genNMTDetailBench writes an NMT detail report of about benchSize bytes:
// a real JDK 25 detail report (testdata/nmt/jdk25-detail) whose Virtual
// memory map and Details sections are repeated, each copy's symbols
// renamed so that its call sites stay distinct, as in a large JVM with
// many native allocation sites.
func genNMTDetailBench(tb testing.TB) func() []byte {
	return func() []byte {
		real := readReport(tb, "../testdata/nmt/jdk25-detail/lc-06.txt.gz")
		vm := bytes.Index(real, []byte("Virtual memory map:\n"))
		det := bytes.Index(real, []byte("Details:\n"))
		end := bytes.Index(real, []byte("\n("))
		for end >= 0 && end < det {
			end = bytes.Index(real[end+1:], []byte("\n(")) + end + 1
		}
		if vm < 0 || det < vm || end < det {
			tb.Fatal("jdk25-detail/lc-06.txt: no Virtual memory map or Details section")
		}
		head, vmap, details, tail := real[:vm+20], real[vm+20:det], real[det+9:end+1], real[end+1:]
		out := append([]byte(nil), head...)
		var sections [2][]byte
		for k := 0; len(sections[0])+len(sections[1]) < benchSize; k++ {
			for i, sec := range [][]byte{vmap, details} {
				sections[i] = appendRenamed(sections[i], sec, k)
			}
		}
		out = append(out, sections[0]...)
		out = append(out, "Details:\n"...)
		out = append(out, sections[1]...)
		return append(out, tail...)
	}
}

// appendRenamed appends sec with every frame's symbol prefixed by "g<k>_"
// and its address moved by k pages, as the frames of another code path.
func appendRenamed(dst, sec []byte, k int) []byte {
	for line := range bytes.Lines(sec) {
		t := bytes.TrimLeft(line, " \t")
		i := bytes.IndexByte(t, ']')
		if !bytes.HasPrefix(t, []byte("[0x")) || bytes.Contains(t, []byte(" - 0x")) || i < 4 {
			dst = append(dst, line...)
			continue
		}
		addr, err := strconv.ParseUint(string(t[3:i]), 16, 64)
		if err != nil {
			dst = append(dst, line...)
			continue
		}
		dst = append(dst, line[:len(line)-len(t)]...)
		dst = fmt.Appendf(dst, "[0x%016x]", addr+uint64(k)<<12)
		sym := t[i+1:]
		if len(bytes.TrimSpace(sym)) > 0 {
			if sym[0] == ' ' {
				dst, sym = append(dst, ' '), sym[1:]
			}
			dst = fmt.Appendf(dst, "g%d_", k)
		}
		dst = append(dst, sym...)
	}
	return dst
}

func BenchmarkReadNMTDetail(b *testing.B) {
	data := benchInput("nmt-detail", genNMTDetailBench(b))
	benchRead(b, data, func(r *bytes.Reader, s Sink) error { return ReadNMT(r, "bench.txt", nil, s) })
}
