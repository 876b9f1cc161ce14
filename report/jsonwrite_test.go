package report

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"
)

// TestWriteSitesParallelInOrder: sites encoded on several cores come out
// as one core writes them, in order, whatever the count.
func TestWriteSitesParallelInOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	site := func(b []byte, i int) []byte {
		b = append(b, `{"i": `...)
		b = strconv.AppendInt(b, int64(i), 10)
		return append(b, '}')
	}
	for _, n := range []int{0, 1, siteChunk - 1, 4 * siteChunk, 4*siteChunk*4 + 3, 50_000} {
		var want bytes.Buffer
		for i := range n {
			sep := ","
			if i == n-1 {
				sep = ""
			}
			fmt.Fprintf(&want, "    {\"i\": %d}%s\n", i, sep)
		}
		var got bytes.Buffer
		if err := writeSites(&got, n, site); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("n=%d: got %d bytes, want %d, or another order", n, got.Len(), want.Len())
		}
	}
}

// failingWriter fails once it has taken limit bytes.
type failingWriter struct{ n, limit int }

var errDiskFull = errors.New("no space left on device")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, errDiskFull
	}
	w.n += len(p)
	return len(p), nil
}

// TestWriteSitesStopsOnWriteError: a failed write ends the parallel writer
// with that error (no goroutine left waiting).
func TestWriteSitesStopsOnWriteError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	site := func(b []byte, i int) []byte { return append(b, "{}"...) }
	for _, limit := range []int{0, 100, 10_000} {
		if err := writeSites(&failingWriter{limit: limit}, 100_000, site); !errors.Is(err, errDiskFull) {
			t.Errorf("limit %d: got %v, want %v", limit, err, errDiskFull)
		}
	}
}
