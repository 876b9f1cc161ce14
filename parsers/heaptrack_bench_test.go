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
	g := &synth{bw: bufio.NewWriterSize(cw, 1<<16), rng: rand.New(rand.NewPCG(7, 11))}
	g.header()
	scripts := g.requestKinds(400, 25000)
	zipf := rand.NewZipf(g.rng, 1.1, 1, uint64(len(scripts)-1))
	events, ms := 0, 0
	for cw.n+int64(g.bw.Buffered()) < size {
		script := scripts[zipf.Uint64()]
		g.request(script)
		if events += len(script); events >= 1000 {
			events -= 1000
			ms++
			fmt.Fprintf(g.bw, "c %x\nR %x\n", ms, 20000+len(g.kept)/8)
		}
	}
	if err := g.bw.Flush(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

// synth writes a synthetic recording for synthRecording.
type synth struct {
	bw                           *bufio.Writer
	rng                          *rand.Rand
	nstr, nips, ntraces, ninfos  int
	modules, files, funcs, sites []int // string ids; sites: allocation info, -1 until first used
	kept                         []int // allocation info of each allocation kept past its request
	open                         []int // allocation info of the current request's steps, -1 when freed
}

// step is one step of a request kind: an allocation by a site (free < 0),
// or the free of an earlier step's allocation.
type step struct{ site, free int }

func (g *synth) str(s string) int {
	fmt.Fprintf(g.bw, "s %x %s\n", len(s), s)
	g.nstr++
	return g.nstr
}

func (g *synth) header() {
	fmt.Fprintf(g.bw, "v 10400 3\nX ./service --threads 16\nI 1000 5e2939\n")
	for i := range 12 {
		g.modules = append(g.modules, g.str(fmt.Sprintf("/usr/lib/x86_64-linux-gnu/libservice%d.so.1", i)))
	}
	for i := range 60 {
		g.files = append(g.files, g.str(fmt.Sprintf("src/service/module%d/component%d.cpp", i%9, i)))
	}
	for i := range 3000 {
		g.funcs = append(g.funcs, g.str(fmt.Sprintf("service::module%d::Component%d::handle(std::vector<std::string> const&, Request&)", i%9, i)))
	}
}

// newInfo defines a new allocating stack (three new stack nodes under a
// recent one, with their instruction pointers) and a (size, stack) pair of
// it, as heaptrack does when a new site first allocates.
func (g *synth) newInfo() int {
	parent := 0
	if g.ntraces > 0 && g.rng.IntN(8) != 0 {
		parent = g.ntraces - g.rng.IntN(min(g.ntraces, 50))
	}
	for range 3 {
		g.nips++
		fmt.Fprintf(g.bw, "i %x %x %x %x %x\n", 0x7f3a00000000+uint64(g.nips)*0x40, g.modules[g.rng.IntN(len(g.modules))],
			g.funcs[g.rng.IntN(len(g.funcs))], g.files[g.rng.IntN(len(g.files))], g.rng.IntN(4000))
		g.ntraces++
		fmt.Fprintf(g.bw, "t %x %x\n", g.nips, parent)
		parent = g.ntraces
	}
	sizes := []int{16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096, 65536}
	fmt.Fprintf(g.bw, "a %x %x\n", sizes[g.rng.IntN(len(sizes))], g.ntraces)
	g.ninfos++
	return g.ninfos - 1
}

// requestKinds draws n request kinds of 10 to 60 steps over nsites sites.
func (g *synth) requestKinds(n, nsites int) [][]step {
	g.sites = make([]int, nsites)
	for i := range g.sites {
		g.sites[i] = -1
	}
	scripts := make([][]step, n)
	for k := range scripts {
		var open []int
		for steps := 10 + g.rng.IntN(50); len(scripts[k]) < steps; {
			if len(open) > 0 && g.rng.IntN(2) == 0 {
				i := g.rng.IntN(len(open))
				scripts[k] = append(scripts[k], step{free: open[i]})
				open = append(open[:i], open[i+1:]...)
				continue
			}
			open = append(open, len(scripts[k]))
			scripts[k] = append(scripts[k], step{site: g.rng.IntN(nsites), free: -1})
		}
	}
	return scripts
}

// request writes one request of a kind. What it did not free is freed at
// its end, or, one in eight, kept (a cache, a session) and freed later,
// at random, so that about 100 000 allocations stay live.
func (g *synth) request(script []step) {
	g.open = g.open[:0]
	for _, st := range script {
		if st.free >= 0 {
			fmt.Fprintf(g.bw, "- %x\n", g.open[st.free])
			g.open[st.free] = -1
			g.open = append(g.open, -1)
			continue
		}
		if g.sites[st.site] < 0 {
			g.sites[st.site] = g.newInfo()
		}
		fmt.Fprintf(g.bw, "+ %x\n", g.sites[st.site])
		g.open = append(g.open, g.sites[st.site])
	}
	for _, idx := range g.open {
		switch {
		case idx < 0:
		case g.rng.IntN(8) == 0:
			g.kept = append(g.kept, idx)
		default:
			fmt.Fprintf(g.bw, "- %x\n", idx)
		}
	}
	for len(g.kept) > 100000 {
		i := g.rng.IntN(len(g.kept))
		fmt.Fprintf(g.bw, "- %x\n", g.kept[i])
		g.kept[i] = g.kept[len(g.kept)-1]
		g.kept = g.kept[:len(g.kept)-1]
	}
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
	in, closeIn, err := openContent(bytes.NewReader(zst), path, -1, false)
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
