// Command goservice is a Go service with GC-driven noise and one small leak,
// to measure dumpdiff on Go heap profiles at the default MemProfileRate
// (testdata/README.md, "go-service"). Each lifecycle (a task restart inside
// one process) starts 64 request goroutines that use a sync.Pool, maps that
// grow and shrink, and twelve handlers that each keep a random working set
// until the next lifecycle; a session registry (a map that is never
// cleared) keeps -leak bytes per lifecycle in 512-byte values. After each
// lifecycle: runtime.GC(), then a heap profile lcN.pb.gz.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
)

var (
	registryMu sync.Mutex
	registry   = map[uint64][]byte{} // the leak: never cleared
	nextID     uint64

	bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

	// kept holds each handler's working set until the next lifecycle.
	kept [12][][]byte
	// sessions grows and shrinks: entries added and deleted at random.
	sessions = map[int][]byte{}
)

//go:noinline
func registerSession(n int) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for range n {
		nextID++
		registry[nextID] = make([]byte, 512)
	}
}

//go:noinline
func alloc(n int) []byte { return make([]byte, n) }

// Twelve handlers: each allocates its own working set (its own mean and
// object sizes) through its own frame.
//
//go:noinline
func parseRequest(n int) []byte { return make([]byte, n) }

//go:noinline
func decodeJSON(n int) []byte { return make([]byte, n) }

//go:noinline
func buildIndex(n int) []byte { return make([]byte, n) }

//go:noinline
func tokenize(n int) []byte { return make([]byte, n) }

//go:noinline
func compressPayload(n int) []byte { return make([]byte, n) }

//go:noinline
func renderTemplate(n int) []byte { return make([]byte, n) }

//go:noinline
func hashRows(n int) []byte { return make([]byte, n) }

//go:noinline
func joinTables(n int) []byte { return make([]byte, n) }

//go:noinline
func sortSpill(n int) []byte { return make([]byte, n) }

//go:noinline
func encodeResponse(n int) []byte { return make([]byte, n) }

//go:noinline
func aggregateMetrics(n int) []byte { return make([]byte, n) }

//go:noinline
func readAhead(n int) []byte { return make([]byte, n) }

var handlers = [12]func(int) []byte{parseRequest, decodeJSON, buildIndex, tokenize, compressPayload,
	renderTemplate, hashRows, joinTables, sortSpill, encodeResponse, aggregateMetrics, readAhead}

//go:noinline
func addSession(k int) { sessions[k] = make([]byte, 256+k%1024) }

// serve is one request goroutine: pooled scratch buffers and transient
// garbage that the GC collects.
func serve(r *rand.Rand, wg *sync.WaitGroup, out chan<- int) {
	defer wg.Done()
	sum := 0
	for range 200 {
		bp := bufPool.Get().(*[]byte)
		b := *bp
		b[r.IntN(len(b))]++
		tmp := alloc(64 + r.IntN(4096))
		sum += len(tmp) + int(b[0])
		bufPool.Put(bp)
	}
	out <- sum
}

func lifecycle(r *rand.Rand, lc int, leak int, means [12]float64) {
	var wg sync.WaitGroup
	out := make(chan int, 64)
	for g := range 64 {
		wg.Add(1)
		go serve(rand.New(rand.NewPCG(uint64(lc), uint64(g))), &wg, out)
	}
	wg.Wait()
	close(out)
	for range out {
	}
	for i, h := range handlers {
		kept[i] = nil
		want := means[i] * (0.5 + r.Float64())
		size := 64 << (i % 7) // 64 B .. 4 KiB objects
		for got := 0.0; got < want; got += float64(size) {
			kept[i] = append(kept[i], h(size))
		}
	}
	// Sessions: add 500..1500, delete 500..1500 at random keys.
	for range 500 + r.IntN(1000) {
		addSession(r.IntN(4000))
	}
	for range 500 + r.IntN(1000) {
		delete(sessions, r.IntN(4000))
	}
	registerSession(leak / 512)
}

func main() {
	n := flag.Int("n", 20, "lifecycles")
	leak := flag.Int("leak", 100<<10, "bytes leaked per lifecycle (512-byte values)")
	rate := flag.Int("rate", 0, "runtime.MemProfileRate (0: Go's default, 512 KiB)")
	seed := flag.Uint64("seed", 1, "seed of the planted behaviour")
	first := flag.Int("first", 1, "number of the first lifecycle (file names)")
	outDir := flag.String("out", ".", "directory for lcN.pb.gz")
	flag.Parse()
	if *rate != 0 {
		runtime.MemProfileRate = *rate
	}
	r := rand.New(rand.NewPCG(*seed, 7))
	var means [12]float64
	for i := range means {
		means[i] = float64(16<<10) * float64(uint(1)<<r.IntN(8)) // 16 KiB .. 2 MiB
	}
	for lc := *first; lc < *first+*n; lc++ {
		lifecycle(r, lc, *leak, means)
		runtime.GC()
		f, err := os.Create(filepath.Join(*outDir, fmt.Sprintf("lc%d.pb.gz", lc)))
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}
