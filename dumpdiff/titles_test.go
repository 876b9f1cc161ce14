package dumpdiff

import (
	"fmt"
	"slices"
	"testing"
)

func framesOf(names ...string) []Frame {
	out := make([]Frame, len(names))
	for i, n := range names {
		out[i] = Frame{Function: n}
	}
	return out
}

// TestDistinctTitles: sites sharing a title are told apart by their nearest
// distinguishing caller; unique titles are left alone.
func TestDistinctTitles(t *testing.T) {
	titles := []string{"alloc", "alloc", "alloc", "leak"}
	frames := [][]Frame{
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
	frames = [][]Frame{framesOf("alloc", "grow", "run", "a"), framesOf("alloc", "grow", "run", "b")}
	want = []string{"alloc ← … ← a", "alloc ← … ← b"}
	if got := distinctTitles(titles, frames); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDistinctTitlesMatchesPairwise checks the nearest-smaller walk against
// the plain definition (every pair compared) on stacks drawn from a few
// shared callers, and that a large group of same-titled sites stays cheap.
func TestDistinctTitlesMatchesPairwise(t *testing.T) {
	pairwise := func(titles []string, frames [][]Frame) []string {
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
	var frames [][]Frame
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
	frames := make([][]Frame, n)
	for i := range n {
		titles[i] = "ChunkPool::allocate"
		frames[i] = framesOf("ChunkPool::allocate", "Arena::grow", "run", fmt.Sprintf("caller%d", i))
	}
	for b.Loop() {
		distinctTitles(titles, frames)
	}
}

// TestDistinctTitlesShownTitle: a site without a title is named by its
// innermost frame, then by its key, and DistinctTitles asks for each site
// once.
func TestDistinctTitlesShownTitle(t *testing.T) {
	sites := []Site{
		{Key: "k1", Frames: framesOf("alloc", "a")},
		{Key: "k2", Frames: framesOf("alloc", "b")},
		{Key: "k3"},
		{Title: "[java] ← [Other]", Key: "k4", Frames: framesOf("[java]", "[Other]")},
	}
	asked := make([]int, len(sites))
	got := DistinctTitles(len(sites), func(i int) Site { asked[i]++; return sites[i] })
	want := []string{"alloc ← a", "alloc ← b", "k3", "[java] ← [Other]"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if !slices.Equal(asked, []int{1, 1, 1, 1}) {
		t.Errorf("site asked for %v times, want once each", asked)
	}
}
