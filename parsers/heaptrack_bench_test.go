package parsers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// synthRecording writes a heaptrack recording (file format 3) of about size
// decompressed bytes to w, shaped like a real one (a Python interpreter under
// heaptrack with PYTHONMALLOC=malloc: 13 M allocations, 25 000 allocation
// infos, 80 000 stack nodes): a few thousand functions, stacks and
// (size, stack) pairs defined as they first allocate, popular sites
// allocating far more often than the rest (Zipf), most frees soon after
// their allocation and about 100 000 allocations live, the clock and RSS
// every 1000 events. It returns the decompressed size.
func synthRecording(w io.Writer, size int64) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<16)
	rng := rand.New(rand.NewPCG(7, 11))
	fmt.Fprintf(bw, "v 10400 3\nX ./service --threads 16\nI 1000 5e2939\n")
	nstr := 0
	str := func(s string) int {
		fmt.Fprintf(bw, "s %x %s\n", len(s), s)
		nstr++
		return nstr
	}
	var modules, files, funcs []int
	for i := range 12 {
		modules = append(modules, str(fmt.Sprintf("/usr/lib/x86_64-linux-gnu/libservice%d.so.1", i)))
	}
	for i := range 60 {
		files = append(files, str(fmt.Sprintf("src/service/module%d/component%d.cpp", i%9, i)))
	}
	for i := range 3000 {
		funcs = append(funcs, str(fmt.Sprintf("service::module%d::Component%d::handle(std::vector<std::string> const&, Request&)", i%9, i)))
	}
	nips, ntraces := 0, 0
	// newTrace defines a stack node (and its instruction pointer) under a
	// recent parent, as heaptrack does when a new stack allocates.
	newTrace := func() int {
		nips++
		fmt.Fprintf(bw, "i %x %x %x %x %x\n", 0x7f3a00000000+uint64(nips)*0x40, modules[rng.IntN(len(modules))],
			funcs[rng.IntN(len(funcs))], files[rng.IntN(len(files))], rng.IntN(4000))
		parent := 0
		if ntraces > 0 && rng.IntN(8) != 0 {
			parent = ntraces - rng.IntN(min(ntraces, 50))
		}
		ntraces++
		fmt.Fprintf(bw, "t %x %x\n", nips, parent)
		return ntraces
	}
	const maxInfos = 25000
	sizes := []int{16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096, 65536}
	zipf := rand.NewZipf(rng, 1.2, 8, maxInfos-1)
	ninfos := 0
	var live []int // allocation info index of each live allocation, oldest first
	events, ms := 0, 0
	for cw.n+int64(bw.Buffered()) < size {
		idx := int(zipf.Uint64())
		for idx >= ninfos {
			// A new site allocates: two new stack nodes, then its info.
			newTrace()
			fmt.Fprintf(bw, "a %x %x\n", sizes[rng.IntN(len(sizes))], newTrace())
			ninfos++
		}
		fmt.Fprintf(bw, "+ %x\n", idx)
		live = append(live, idx)
		switch r := rng.IntN(10); {
		case r < 3: // a temporary: freed at once
		case r < 8 || len(live) > 100000: // freed soon
			r = len(live) - 1 - rng.IntN(min(len(live), 1000))
			live[r], live[len(live)-1] = live[len(live)-1], live[r]
		default: // kept for a while
			continue
		}
		fmt.Fprintf(bw, "- %x\n", live[len(live)-1])
		live = live[:len(live)-1]
		if events++; events%1000 == 0 {
			ms++
			fmt.Fprintf(bw, "c %x\nR %x\n", ms, 20000+len(live)/8)
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// synthCache keeps the compressed synthetic recordings of one test binary
// run: generating one takes longer than reading it.
var synthCache sync.Map // size → synthRecordingData

type synthRecordingData struct {
	zst   []byte
	plain int64
}

func synthZstd(b *testing.B, size int64) synthRecordingData {
	b.Helper()
	if v, ok := synthCache.Load(size); ok {
		return v.(synthRecordingData)
	}
	var z bytes.Buffer
	enc, err := zstd.NewWriter(&z, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		b.Fatal(err)
	}
	plain, err := synthRecording(enc, size)
	if err != nil {
		b.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	d := synthRecordingData{zst: z.Bytes(), plain: plain}
	synthCache.Store(size, d)
	return d
}

// liveHeap reads the recording zst once, collecting garbage at each
// snapshot, and returns the most heap the read held live beyond what was
// live before it (the input itself): the reader's own memory.
func liveHeap(b *testing.B, zst []byte, split SplitOptions) uint64 {
	b.Helper()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		runtime.GC()
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base, peak := heap(), uint64(0)
	err := ParseEach(bytes.NewReader(zst), "recording", &Options{Split: split}, func(*Snapshot) error {
		peak = max(peak, heap())
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return peak - min(peak, base)
}

// BenchmarkReadHeaptrack reads synthetic recordings of 64 and 256 MiB
// (decompressed) through detection, zstd and the Recorder, cut every 5 s
// of recording time (the generator's clock runs 1 ms per 1000 events).
// MB/s counts decompressed bytes; live-heap-MiB is the most memory the read
// held (after garbage collection, at each snapshot), which must not grow
// with the recording's length: the generator keeps about 100 000
// allocations live whatever the length.
//
//	go test ./parsers -run XXX -bench ReadHeaptrack -benchtime 3x
func BenchmarkReadHeaptrack(b *testing.B) {
	for _, mib := range []int64{64, 256} {
		b.Run(strconv.FormatInt(mib, 10)+"MiB", func(b *testing.B) {
			rec := synthZstd(b, mib<<20)
			split := SplitOptions{Every: 5 * time.Second}
			live := liveHeap(b, rec.zst, split)
			b.SetBytes(rec.plain)
			b.ResetTimer()
			for range b.N {
				snaps := 0
				err := ParseEach(bytes.NewReader(rec.zst), "synthetic.zst", &Options{Split: split},
					func(*Snapshot) error { snaps++; return nil })
				if err != nil || snaps == 0 {
					b.Fatalf("got %d snapshots, error %v", snaps, err)
				}
			}
			b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
			b.ReportMetric(float64(len(rec.zst))/(1<<20), "zst-MiB")
		})
	}
}

// BenchmarkReadHeaptrackFile reads the recording named by
// $DUMPDIFF_HEAPTRACK_RECORDING, e.g. a real program's: PYTHONMALLOC=malloc
// heaptrack -o /tmp/py python3 churn.py makes one of a few hundred MB in
// half a minute. It is skipped when the variable is unset.
func BenchmarkReadHeaptrackFile(b *testing.B) {
	path := os.Getenv("DUMPDIFF_HEAPTRACK_RECORDING")
	if path == "" {
		b.Skip("set DUMPDIFF_HEAPTRACK_RECORDING to a heaptrack recording")
	}
	zst, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	in, closeIn, err := openContent(bytes.NewReader(zst), path)
	if err != nil {
		b.Fatal(err)
	}
	plain, err := io.Copy(io.Discard, in)
	closeIn()
	if err != nil {
		b.Fatal(err)
	}
	split := SplitOptions{Every: time.Second}
	live := liveHeap(b, zst, split)
	b.SetBytes(plain)
	b.ResetTimer()
	for range b.N {
		if err := ParseEach(bytes.NewReader(zst), path, &Options{Split: split}, func(*Snapshot) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
}
