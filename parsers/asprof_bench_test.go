package parsers

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers/jfr/jfrtest"
)

// BenchmarkReadJFR reads a generated 100 MB async-profiler recording (the
// committed sampled recording's metadata and stack pool, the profiler's
// buffer layout, 200 000 live allocations churning) into one snapshot per
// 10 s lifecycle, as dumpdiff trend --every 10s does: decoding, time
// ordering, the live table and the snapshots. It reports the peak heap
// beyond the recording's own bytes: one 100 MB chunk is held while it is
// read, so "10MB-chunks" (async-profiler's chunksize=10m) shows what the
// reader itself needs.
func BenchmarkReadJFR(b *testing.B) {
	for _, chunkSize := range []int{0, 10 << 20} {
		name := "one-chunk"
		if chunkSize > 0 {
			name = "10MB-chunks"
		}
		b.Run(name, func(b *testing.B) {
			data := generatedJFR(b, 100<<20, chunkSize)
			b.SetBytes(int64(len(data)))
			base := heapInUse()
			var peak atomic.Uint64
			stop := sampleHeap(&peak)
			defer stop()
			snaps := 0
			for b.Loop() {
				snaps = 0
				err := ParseEach(bytes.NewReader(data), "bench.jfr", &Options{Split: SplitOptions{Every: 10 * time.Second}}, func(*Snapshot) error {
					snaps++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			stop()
			b.ReportMetric(float64(peak.Load()-min(peak.Load(), base))/(1<<20), "peak-MiB")
			b.ReportMetric(float64(snaps), "snapshots")
		})
	}
}

// generatedJFR builds a recording of about size bytes of events.
func generatedJFR(tb testing.TB, size, chunkSize int) []byte {
	tb.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "testdata", "jfr", "jdk17", "leak-sampled.jfr"))
	if err != nil {
		tb.Fatal(err)
	}
	g, err := jfrtest.New(tmpl)
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

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// sampleHeap records the largest heap in use every 10 ms until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			close(done)
			<-finished
		}
	}
}
