package dumpdiff

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// replacedDir is a series of fresh processes whose program file was replaced
// (a deploy) under the processes of lifecycles 5 to 8, so that their maps
// name it "…/lifecycle-jemalloc (deleted)" (testdata/gen/gen.sh replaced).
var replacedDir = filepath.Join("..", "testdata", "jemalloc", "c-replaced")

// TestReplacedBinaryStaysOneSite: with no symbolizer the program's frames
// are keyed by module and offset, and " (deleted)" is not part of the
// module, so the leak stays one site growing 4 MiB per lifecycle rather
// than a site that is gone at lifecycle 5 and a new one.
func TestReplacedBinaryStaysOneSite(t *testing.T) {
	paths, err := ExpandPaths([]string{replacedDir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(paths, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := readTruth(t, replacedDir)
	for _, site := range res.Sites {
		if strings.Contains(site.Key, "deleted") {
			t.Errorf("site %d key %q names the deleted file", site.Rank, site.Key)
		}
		for _, f := range site.Frames {
			if strings.Contains(f.Module, "deleted") {
				t.Errorf("site %d frame %q has module %q", site.Rank, f.Function, f.Module)
			}
		}
		if site.Verdict == VerdictGone || site.Verdict == VerdictNew {
			t.Errorf("site %d %s is %s: the replacement split a site", site.Rank, site.Title, site.Verdict)
		}
	}
	top := res.Sites[0]
	if top.Verdict != VerdictLeak || !strings.HasPrefix(top.Title, "lifecycle-jemalloc+0x") {
		t.Fatalf("top site: got %s %q, want a leak in lifecycle-jemalloc+0x…", top.Verdict, top.Title)
	}
	checkGrowth(t, "jemalloc/c-replaced", "unsymbolised top leak", top.Growth, tr.Leaks[0].BytesPerLifecycle, tr.GrowthTolerancePct)
	if got := top.Values[len(top.Values)-1] - top.Values[0]; math.Abs(float64(got)-7*tr.Leaks[0].BytesPerLifecycle) > 0.05*7*tr.Leaks[0].BytesPerLifecycle {
		t.Errorf("top leak grew %d B from lc1 to lc8, want about %.0f", got, 7*tr.Leaks[0].BytesPerLifecycle)
	}
}

// TestReplacedBinarySymbolised: with the binary the dumps came from, the
// frames of the replaced file are named as well as the others'.
func TestReplacedBinarySymbolised(t *testing.T) {
	paths, err := ExpandPaths([]string{replacedDir})
	if err != nil {
		t.Fatal(err)
	}
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin", "replaced")}})
	s, err := Load(paths, LoadOptions{Parse: parsers.Options{Symbolizer: sym}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(Options{GroupBy: GroupByFunction})
	if err != nil {
		t.Fatal(err)
	}
	tr := readTruth(t, replacedDir)
	for _, l := range tr.Leaks {
		i := indexTitle(res, l.Function)
		if i < 0 {
			t.Errorf("no site %s among %d", l.Function, len(res.Sites))
			continue
		}
		if v := res.Sites[i].Verdict; v != VerdictLeak {
			t.Errorf("%s: got %s, want leak", l.Function, v)
		}
		checkGrowth(t, "jemalloc/c-replaced", l.Function, res.Sites[i].Growth, l.BytesPerLifecycle, tr.GrowthTolerancePct)
	}
}

func indexTitle(res *TrendResult, title string) int {
	for i, s := range res.Sites {
		if s.Title == title {
			return i
		}
	}
	return -1
}
