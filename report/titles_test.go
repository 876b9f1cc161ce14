package report

import (
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// TestTableTitlesOnRealSeries: in the JVM-under-jemalloc series, several
// HotSpot arena sites allocate through ChunkPool::allocate; the terminal
// table names each by a caller, so no two rows read alike.
func TestTableTitlesOnRealSeries(t *testing.T) {
	paths, _, err := loader.ExpandPaths([]string{"../testdata/jemalloc/jvm"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := loader.Load(paths, loader.Options{Parse: parsers.Options{Symbolizer: symbolize.New(symbolize.Options{})}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(dumpdiff.Options{Top: 8})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sites[0].Title != "Unsafe_AllocateMemory0" {
		t.Skipf("the JVM series is not symbolised here (top site %s): its libjvm.so is not on this machine", res.Sites[0].Title)
	}
	names := dumpdiff.DistinctTitles(res.Len(), res.SiteAt)
	seen := map[string]bool{}
	chunk := 0
	for _, n := range names {
		if seen[n] {
			t.Errorf("title %q appears twice among %q", n, names)
		}
		seen[n] = true
		if len(n) > len("ChunkPool::allocate ← ") && n[:len("ChunkPool::allocate ← ")] == "ChunkPool::allocate ← " {
			chunk++
		}
	}
	if chunk < 2 {
		t.Errorf("got %d ChunkPool::allocate sites named by a caller in %q, want at least 2", chunk, names)
	}
}
