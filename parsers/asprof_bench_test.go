package parsers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers/jfr/jfrtest"
)

// BenchmarkReadJFR reads a generated 100 MB async-profiler recording (the
// committed sampled recording's metadata and stack pool, the profiler's
// layout of 16 buffers written when full, 200 000 live allocations
// churning, 4.5 million events over about a minute) through detection, the
// JFR decoder and the Recorder, cut every 10 s of recording time: one
// snapshot per lifecycle. MB/cpu-s is bytes per CPU second of all threads
// (the decoder runs beside the Recorder, so on two idle cores MB/s can be
// higher); live-heap-MiB is the most memory held at a snapshot after
// garbage collection, which holds the chunk being read: one 100 MB chunk
// (async-profiler's default chunksize) or 10 MB ones (chunksize=10m), plus
// the live allocations, whatever the recording's length.
//
//	go test ./parsers -run XXX -bench ReadJFR -benchtime 3x
func BenchmarkReadJFR(b *testing.B) {
	for _, chunkSize := range []int{0, 10 << 20} {
		name := "one-chunk"
		if chunkSize > 0 {
			name = "10MB-chunks"
		}
		b.Run(name, func(b *testing.B) {
			data := generatedJFR(b, 100<<20, chunkSize)
			split := SplitOptions{Every: 10 * time.Second}
			live := liveHeap(b, data, split)
			b.SetBytes(int64(len(data)))
			cpu := cpuTime()
			b.ResetTimer()
			for range b.N {
				snaps := 0
				err := ParseEach(bytes.NewReader(data), "generated.jfr", &Options{Split: split}, func(*Snapshot) error {
					snaps++
					return nil
				})
				if err != nil || snaps < 5 {
					b.Fatalf("got %d snapshots, error %v", snaps, err)
				}
			}
			reportCPU(b, int64(len(data)), cpuTime()-cpu)
			b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
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
