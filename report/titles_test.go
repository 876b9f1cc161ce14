package report

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

func framesOf(names ...string) []dumpdiff.Frame {
	out := make([]dumpdiff.Frame, len(names))
	for i, n := range names {
		out[i] = dumpdiff.Frame{Function: n}
	}
	return out
}

// TestDistinctTitles: sites sharing a title are told apart by their nearest
// distinguishing caller; unique titles are left alone.
func TestDistinctTitles(t *testing.T) {
	titles := []string{"alloc", "alloc", "alloc", "leak"}
	frames := [][]dumpdiff.Frame{
		framesOf("alloc", "grow", "parse"),
		framesOf("alloc", "grow", "compile"),
		framesOf("alloc", "resize", "compile"),
		framesOf("leak", "open"),
	}
	want := []string{"alloc ← grow ← parse", "alloc ← grow ← compile", "alloc ← resize", "leak"}
	if got := distinctTitles(titles, frames); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Two sites that part only deep in the stack: the shared callers in
	// between read as "…".
	titles = []string{"alloc", "alloc"}
	frames = [][]dumpdiff.Frame{framesOf("alloc", "grow", "run", "a"), framesOf("alloc", "grow", "run", "b")}
	want = []string{"alloc ← … ← a", "alloc ← … ← b"}
	if got := distinctTitles(titles, frames); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

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
	names := trendTitles(res.Sites)
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

// TestDistinctTitlesMatchesPairwise checks the nearest-smaller walk against
// the plain definition (every pair compared) on stacks drawn from a few
// shared callers, and that a large group of same-titled sites stays cheap.
func TestDistinctTitlesMatchesPairwise(t *testing.T) {
	pairwise := func(titles []string, frames [][]dumpdiff.Frame) []string {
		out := make([]string, len(titles))
		for i := range titles {
			var at []int
			for j := range titles {
				if j == i || titles[j] != titles[i] {
					continue
				}
				if k := sharedPrefix(frames[i], frames[j]); k < len(frames[i]) && !slices.Contains(at, k) {
					at = append(at, k)
				}
			}
			slices.Sort(at)
			out[i] = titleWithCallers(titles[i], frames[i], at)
		}
		return out
	}
	callers := []string{"a", "b", "c"}
	var titles []string
	var frames [][]dumpdiff.Frame
	for n := 0; n < 81; n++ { // every stack alloc ← x ← y ← z over {a,b,c}, depth 2 to 4
		names := []string{"alloc"}
		for d, m := 0, n; d < 1+n%3; d, m = d+1, m/3 {
			names = append(names, callers[m%3])
		}
		titles = append(titles, "alloc")
		frames = append(frames, framesOf(names...))
	}
	if got, want := distinctTitles(titles, frames), pairwise(titles, frames); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func BenchmarkDistinctTitlesOneGroup(b *testing.B) {
	const n = 50000
	titles := make([]string, n)
	frames := make([][]dumpdiff.Frame, n)
	for i := range n {
		titles[i] = "ChunkPool::allocate"
		frames[i] = framesOf("ChunkPool::allocate", "Arena::grow", "run", fmt.Sprintf("caller%d", i))
	}
	for b.Loop() {
		distinctTitles(titles, frames)
	}
}
