package dumpdiff

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// TestAccuracyChurn: a C service under jemalloc's default sampling (512 KiB)
// leaks 256 KiB or 1 MiB per lifecycle in 64..4096 B objects among 56
// churning sites, an LRU cache and a growing thread pool (testdata/gen/churn).
// The leak must rank first as a leak with its growth within the sampling
// error truth.json states; the cache and the pool are never leaks; of the 56
// churning sites at most one may read as a chance leak (each is tested at
// one-sided p ≤ 0.01), and it must rank below the planted leak. Snapshots
// missing from the series (churn-gaps) are placed by their lifecycle number.
// Across a process restart (churn-restart) the leak is a saw-tooth, not a
// trend.
func TestAccuracyChurn(t *testing.T) {
	lcRE := regexp.MustCompile(`lc(\d+)`)
	for _, name := range []string{"churn-256k", "churn-gaps", "churn-restart"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "jemalloc", name)
			tr := readTruth(t, dir)
			paths, err := ExpandPaths([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin")}})
			s, err := Load(paths, LoadOptions{Parse: parsers.Options{Symbolizer: sym}, LifecycleRegex: lcRE})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Trend(Options{})
			if err != nil {
				t.Fatal(err)
			}
			var lcs []int
			for _, sn := range res.Snapshots {
				lcs = append(lcs, sn.Lifecycle)
			}
			t.Logf("lifecycles %v", lcs)
			leak := tr.Leaks[0]
			byTitle := map[string]TrendSite{}
			chance := 0
			for _, st := range res.Sites {
				byTitle[st.Title] = st
				if strings.HasPrefix(st.Title, "churn_alloc_") && st.Verdict == VerdictLeak {
					chance++
					t.Logf("chance leak %s rank %d, values %v", st.Title, st.Rank, st.Values)
					if want := byTitle[leak.Function]; want.Verdict == VerdictLeak && st.Rank < want.Rank {
						t.Errorf("%s: chance leak %s rank got %d, want below %s", name, st.Title, st.Rank, leak.Function)
					}
				}
			}
			if chance > 1 {
				t.Errorf("%s: churning sites called leak got %d, want at most 1", name, chance)
			}
			st, ok := byTitle[leak.Function]
			if !ok {
				t.Fatalf("%s: no site %s", name, leak.Function)
			}
			t.Logf("%s: %s rank %d, values %v", leak.Function, st.Verdict, st.Rank, st.Values)
			want := leak.Verdict
			if want == "" {
				want = VerdictLeak
			}
			if st.Verdict != want {
				t.Errorf("%s: %s verdict got %s, want %s", name, leak.Function, st.Verdict, want)
			}
			if want == VerdictLeak {
				if st.Rank != 1 {
					t.Errorf("%s: %s rank got %d, want 1", name, leak.Function, st.Rank)
				}
				checkGrowth(t, name, leak.Function, st.Growth, leak.BytesPerLifecycle, tr.GrowthTolerancePct)
			}
			for _, fn := range slices.Concat(tr.Plateau, tr.Noise) {
				if d, ok := byTitle[fn]; ok && d.Verdict == VerdictLeak && name != "churn-restart" {
					t.Errorf("%s: %s verdict got leak, want no leak (values %v)", name, fn, d.Values)
				}
			}
		})
	}
}
