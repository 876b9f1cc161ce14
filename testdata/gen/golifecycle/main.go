// Command golifecycle simulates a Flink-like worker that opens, processes and
// closes a task several times inside one process, and writes a Go heap
// profile after each close (after runtime.GC, so inuse_* is what the heap
// retains). It produces the real pprof series in testdata/pprof with a known
// ground truth; see testdata/README.md and testdata/gen/gen.sh.
//
// Behaviours per lifecycle (the functions are go:noinline so each keeps its
// own frame):
//
//	(*leakyOperator).open        leak: 2 x 2 MiB segments, never released
//	registerMetrics              leak: 64 x 4000 B gauges (4096 B size class)
//	warmupCacheFill              plateau: +12 MiB in lifecycles 1 and 2, then full
//	fluctuatingPoolFill          noise: a pool of random size (1-6 MiB)
//	transientBufferAlloc         transient: 8 MiB while processing, dropped at close
//	loadConfig                   steady: 512 KiB at start-up, kept
//	shuffleBuffersFill, spillBuffersFill, sortBuffersFill, networkBuffersFill
//	                             heavy noise (-noise): about -noise MiB of random buffers
//
// Run it with `go run ./testdata/gen/golifecycle -out DIR` from the module root.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/google/pprof/profile"
)

const (
	kib = 1 << 10
	mib = 1 << 20

	leakSegments     = 2
	leakSegmentSize  = 2 * mib
	metricGauges     = 64
	metricGaugeSize  = 4000
	cacheEntrySize   = 128 * kib
	cacheStep        = 12 * mib
	cacheCapacity    = 24 * mib
	transientBuffers = 32
	transientSize    = 256 * kib
	configSize       = 512 * kib
	noiseSites       = 4
)

// worker holds everything the simulated process keeps between lifecycles.
type worker struct {
	rng       *rand.Rand
	config    []byte
	leaked    [][]byte // what leakyOperator and registerMetrics never release
	cache     [][]byte
	pool      [][]byte
	transient [][]byte
	noise     [noiseSites][][]byte
	noiseMiB  int
}

type leakyOperator struct{ w *worker }

// open is the planted leak: it allocates segments that close forgets.
//
//go:noinline
func (op *leakyOperator) open() {
	for i := 0; i < leakSegments; i++ {
		b := make([]byte, leakSegmentSize)
		touch(b)
		op.w.leaked = append(op.w.leaked, b)
	}
}

// close is where the segments from open should be released and are not.
//
//go:noinline
func (op *leakyOperator) close() {}

// registerMetrics is the second, smaller leak: gauges registered on every
// open and never unregistered.
//
//go:noinline
func registerMetrics(w *worker) {
	for i := 0; i < metricGauges; i++ {
		b := make([]byte, metricGaugeSize)
		touch(b)
		w.leaked = append(w.leaked, b)
	}
}

// warmupCacheFill is the plateau decoy: it grows faster than the leak for
// two lifecycles, then the cache is full.
//
//go:noinline
func warmupCacheFill(w *worker) {
	for added := 0; added < cacheStep && len(w.cache)*cacheEntrySize < cacheCapacity; added += cacheEntrySize {
		b := make([]byte, cacheEntrySize)
		touch(b)
		w.cache = append(w.cache, b)
	}
}

// fluctuatingPoolFill is the noise decoy: rebuilt each lifecycle with a
// random total of 1 to 6 MiB in random blocks of 16 to 256 KiB.
//
//go:noinline
func fluctuatingPoolFill(w *worker) {
	w.pool = nil
	target := 1*mib + w.rng.IntN(5*mib)
	for total := 0; total < target; {
		n := 16*kib + w.rng.IntN(240*kib)
		b := make([]byte, n)
		touch(b)
		w.pool = append(w.pool, b)
		total += n
	}
}

// The heavy noise of the go-noisy series: four sites (shuffle, spill, sort
// and network buffers), each keeping a random total between 0 and
// noiseMiB/2 MiB in random blocks of 64 KiB to 4 MiB, drawn again every
// lifecycle, so the sum is about noiseMiB on average with no trend. Each
// site has its own loop so that its allocations have their own innermost
// frame.

// noiseTarget draws how many bytes a noise site keeps this lifecycle.
func noiseTarget(w *worker) int { return w.rng.IntN(w.noiseMiB * mib / 2) }

// noiseBlock draws the size of one noise buffer.
func noiseBlock(w *worker) int { return 64*kib + w.rng.IntN(4*mib-64*kib) }

//go:noinline
func shuffleBuffersFill(w *worker) (bufs [][]byte) {
	for total, target := 0, noiseTarget(w); total < target; {
		b := make([]byte, noiseBlock(w))
		touch(b)
		bufs = append(bufs, b)
		total += len(b)
	}
	return bufs
}

//go:noinline
func spillBuffersFill(w *worker) (bufs [][]byte) {
	for total, target := 0, noiseTarget(w); total < target; {
		b := make([]byte, noiseBlock(w))
		touch(b)
		bufs = append(bufs, b)
		total += len(b)
	}
	return bufs
}

//go:noinline
func sortBuffersFill(w *worker) (bufs [][]byte) {
	for total, target := 0, noiseTarget(w); total < target; {
		b := make([]byte, noiseBlock(w))
		touch(b)
		bufs = append(bufs, b)
		total += len(b)
	}
	return bufs
}

//go:noinline
func networkBuffersFill(w *worker) (bufs [][]byte) {
	for total, target := 0, noiseTarget(w); total < target; {
		b := make([]byte, noiseBlock(w))
		touch(b)
		bufs = append(bufs, b)
		total += len(b)
	}
	return bufs
}

// transientBufferAlloc allocates processing buffers that taskClose drops.
//
//go:noinline
func transientBufferAlloc(w *worker) {
	for i := 0; i < transientBuffers; i++ {
		b := make([]byte, transientSize)
		touch(b)
		w.transient = append(w.transient, b)
	}
}

//go:noinline
func loadConfig(w *worker) {
	w.config = make([]byte, configSize)
	touch(w.config)
}

//go:noinline
func stateBackendInit(w *worker) { warmupCacheFill(w) }

//go:noinline
func operatorOpen(w *worker) {
	op := &leakyOperator{w: w}
	op.open()
	registerMetrics(w)
	op.close()
}

//go:noinline
func taskOpen(w *worker) {
	stateBackendInit(w)
	operatorOpen(w)
}

//go:noinline
func bufferPoolResize(w *worker) {
	fluctuatingPoolFill(w)
	if w.noiseMiB > 0 {
		// Drop the old noise before drawing the new, so the process peaks at
		// about one noise generation.
		w.noise = [noiseSites][][]byte{}
		runtime.GC()
		w.noise = [noiseSites][][]byte{
			shuffleBuffersFill(w),
			spillBuffersFill(w),
			sortBuffersFill(w),
			networkBuffersFill(w),
		}
	}
}

//go:noinline
func processRecords(w *worker) { transientBufferAlloc(w) }

//go:noinline
func taskProcess(w *worker) {
	bufferPoolResize(w)
	processRecords(w)
}

//go:noinline
func taskClose(w *worker) { w.transient = nil }

//go:noinline
func runLifecycle(w *worker) {
	taskOpen(w)
	taskProcess(w)
	taskClose(w)
}

var sink byte

func touch(b []byte) {
	for i := range b {
		b[i] = 0xA5
	}
	sink += b[len(b)-1]
}

// writeHeapProfile writes the heap profile (as of the last GC) in one of the forms a Go
// service hands out: "pb" (gzipped profile.proto, what
// pprof.WriteHeapProfile and /debug/pprof/heap write), "debug1" (the legacy
// text of /debug/pprof/heap?debug=1, with function names in comments) or
// "raw" (profile.proto not gzipped, as profile.WriteUncompressed writes it).
func writeHeapProfile(path, format string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	switch format {
	case "debug1":
		err = pprof.Lookup("heap").WriteTo(f, 1)
	case "raw":
		var buf bytes.Buffer
		if err = pprof.WriteHeapProfile(&buf); err == nil {
			var p *profile.Profile
			if p, err = profile.Parse(&buf); err == nil {
				err = p.WriteUncompressed(f)
			}
		}
	default:
		err = pprof.WriteHeapProfile(f)
	}
	if err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	n := flag.Int("n", 8, "number of lifecycles")
	rate := flag.Int("rate", 1, "runtime.MemProfileRate (0 keeps the default)")
	out := flag.String("out", "", "output directory for lcN.pb.gz (required)")
	noise := flag.Int("noise", 0, "average MiB of randomly sized retained noise buffers (0 = none)")
	seed := flag.Uint64("seed", 42, "seed of the random pool and noise sizes")
	format := flag.String("format", "pb", "profile forms, comma-separated: pb (lcN.pb.gz), debug1 (lcN.txt, legacy text), raw (lcN.pb, not gzipped); several forms of one lifecycle hold the same data")
	flag.Parse()
	if *out == "" || *n < 1 || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Set before anything is allocated that should be in the profile.
	if *rate != 0 {
		runtime.MemProfileRate = *rate
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "golifecycle:", err)
		os.Exit(1)
	}
	w := &worker{
		rng:      rand.New(rand.NewPCG(*seed, 0)),
		noiseMiB: *noise,
		// Sized up front so append never grows them inside the leaking
		// functions: their growth would otherwise add slice backing arrays
		// to the leak sites and blur the ground truth.
		leaked: make([][]byte, 0, *n*(leakSegments+metricGauges)),
		cache:  make([][]byte, 0, cacheCapacity/cacheEntrySize),
	}
	loadConfig(w)
	for lc := 1; lc <= *n; lc++ {
		runLifecycle(w)
		// The heap profile changes only when a GC completes, so every form
		// written after this one GC holds the same data.
		runtime.GC()
		for _, form := range strings.Split(*format, ",") {
			name := map[string]string{"pb": "lc%d.pb.gz", "debug1": "lc%d.txt", "raw": "lc%d.pb"}[form]
			if name == "" {
				fmt.Fprintf(os.Stderr, "golifecycle: unknown -format %q\n", form)
				os.Exit(2)
			}
			if err := writeHeapProfile(filepath.Join(*out, fmt.Sprintf(name, lc)), form); err != nil {
				fmt.Fprintln(os.Stderr, "golifecycle:", err)
				os.Exit(1)
			}
		}
	}
	runtime.KeepAlive(w)
}
