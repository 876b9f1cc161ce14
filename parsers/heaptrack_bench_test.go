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
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// synthRecording writes a heaptrack recording (file format 3) of about size
// decompressed bytes to w, shaped like a real one (a Python interpreter under
// heaptrack with PYTHONMALLOC=malloc made 13 M allocations from 25 000
// allocation infos and 80 000 stack nodes, and compressed 18 to 1): a few
// thousand functions; a server handling requests of 400 kinds, popular ones
// far more often (Zipf), each kind allocating and freeing in its own fixed
// pattern (so the recording repeats itself as real ones do) and keeping an
// allocation now and then; about 100 000 allocations live; stacks and
// (size, stack) pairs defined as they first allocate; the clock and RSS
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
	nips, ntraces, ninfos := 0, 0, 0
	// newInfo defines a new allocating stack (three new stack nodes under
	// a recent one, with their instruction pointers) and a (size, stack)
	// pair of it, as heaptrack does when a new site first allocates.
	newInfo := func() int {
		parent := 0
		if ntraces > 0 && rng.IntN(8) != 0 {
			parent = ntraces - rng.IntN(min(ntraces, 50))
		}
		for range 3 {
			nips++
			fmt.Fprintf(bw, "i %x %x %x %x %x\n", 0x7f3a00000000+uint64(nips)*0x40, modules[rng.IntN(len(modules))],
				funcs[rng.IntN(len(funcs))], files[rng.IntN(len(files))], rng.IntN(4000))
			ntraces++
			fmt.Fprintf(bw, "t %x %x\n", nips, parent)
			parent = ntraces
		}
		sizes := []int{16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096, 65536}
		fmt.Fprintf(bw, "a %x %x\n", sizes[rng.IntN(len(sizes))], ntraces)
		ninfos++
		return ninfos - 1
	}
	// A request kind is a fixed sequence of steps: allocate with a site
	// (an index into sites, defined on first use), free a step's
	// allocation, or keep it.
	type step struct{ site, free int } // free: index of the step whose allocation is freed, -1 for an allocation
	const kinds = 400
	scripts := make([][]step, kinds)
	sites := make([]int, 25000)
	for i := range sites {
		sites[i] = -1
	}
	for k := range scripts {
		n := 10 + rng.IntN(50)
		var open []int
		for len(scripts[k]) < n {
			if len(open) > 0 && rng.IntN(2) == 0 {
				i := rng.IntN(len(open))
				scripts[k] = append(scripts[k], step{free: open[i]})
				open = append(open[:i], open[i+1:]...)
				continue
			}
			open = append(open, len(scripts[k]))
			scripts[k] = append(scripts[k], step{site: rng.IntN(len(sites)), free: -1})
		}
	}
	zipf := rand.NewZipf(rng, 1.1, 1, kinds-1)
	var kept []int // allocation info of each allocation kept past its request
	events, ms := 0, 0
	info := make([]int, 64)
	for cw.n+int64(bw.Buffered()) < size {
		script := scripts[zipf.Uint64()]
		info = info[:0]
		for _, st := range script {
			if st.free >= 0 {
				fmt.Fprintf(bw, "- %x\n", info[st.free])
				info[st.free] = -1
				info = append(info, -1)
				continue
			}
			if sites[st.site] < 0 {
				sites[st.site] = newInfo()
			}
			fmt.Fprintf(bw, "+ %x\n", sites[st.site])
			info = append(info, sites[st.site])
		}
		// What the request did not free: freed at its end, or, one in
		// eight, kept (a cache, a session) and freed later.
		for _, idx := range info {
			if idx < 0 {
				continue
			}
			if rng.IntN(8) == 0 {
				kept = append(kept, idx)
			} else {
				fmt.Fprintf(bw, "- %x\n", idx)
			}
		}
		for len(kept) > 100000 {
			i := rng.IntN(len(kept))
			fmt.Fprintf(bw, "- %x\n", kept[i])
			kept[i] = kept[len(kept)-1]
			kept = kept[:len(kept)-1]
		}
		if events += len(script); events >= 1000 {
			events -= 1000
			ms++
			fmt.Fprintf(bw, "c %x\nR %x\n", ms, 20000+len(kept)/8)
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
			cpu := cpuTime()
			b.ResetTimer()
			for range b.N {
				snaps := 0
				err := ParseEach(bytes.NewReader(rec.zst), "synthetic.zst", &Options{Split: split},
					func(*Snapshot) error { snaps++; return nil })
				if err != nil || snaps == 0 {
					b.Fatalf("got %d snapshots, error %v", snaps, err)
				}
			}
			reportCPU(b, rec.plain, cpuTime()-cpu)
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
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		if err := ParseEach(bytes.NewReader(zst), path, &Options{Split: split}, func(*Snapshot) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, plain, cpuTime()-cpu)
	b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
}

// cpuTime is the CPU time this process has used, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports decompressed MB per CPU second: unlike MB/s it does not
// drop when other processes take the machine's cores (a shared machine),
// though it still rises and falls with their use of its caches.
func reportCPU(b *testing.B, plain int64, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(plain)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
