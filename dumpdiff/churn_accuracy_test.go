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
// trend. pprof/go-service is the same test for a Go service at the default
// MemProfileRate (testdata/gen/goservice): a 100 KiB per lifecycle leak in a
// map among goroutines, a sync.Pool, twelve handlers and a map of sessions
// that wanders.
func TestAccuracyChurn(t *testing.T) {
	for _, name := range []string{"jemalloc/churn-256k", "jemalloc/churn-gaps", "jemalloc/churn-restart", "pprof/go-service"} {
		t.Run(name, func(t *testing.T) { checkChurnSeries(t, name) })
	}
}

// checkChurnSeries runs TestAccuracyChurn's checks on one series.
func checkChurnSeries(t *testing.T, name string) {
	t.Helper()
	lcRE := regexp.MustCompile(`lc(\d+)`)
	dir := filepath.Join("..", "testdata", filepath.FromSlash(name))
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
	for _, st := range res.Sites {
		byTitle[st.Title] = st
	}
	chance := 0
	for _, st := range res.Sites {
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
		if d, ok := byTitle[fn]; ok && d.Verdict == VerdictLeak && name != "jemalloc/churn-restart" {
			t.Errorf("%s: %s verdict got leak, want no leak (values %v)", name, fn, d.Values)
		}
	}
}

// TestAccuracyJVMClassLoaderLeak: a JVM that keeps a URLClassLoader with 150
// classes per lifecycle among JIT, GC and thread noise
// (testdata/gen/jvmchurn): by NMT category, Metaspace and Class are the two
// largest leaks, and the worker pool's Thread category is a plateau.
func TestAccuracyJVMClassLoaderLeak(t *testing.T) {
	dir := filepath.Join("..", "testdata", "nmt", "jvm-churn-metaspace")
	tr := readTruth(t, dir)
	res, err := loadReal(t, dir).Trend(Options{Metric: tr.Metric, GroupBy: GroupByCategory})
	if err != nil {
		t.Fatal(err)
	}
	for i, leak := range tr.Leaks {
		st := res.Sites[i]
		t.Logf("rank %d: %s %s %.0f B/lc", st.Rank, st.Title, st.Verdict, st.Growth)
		if st.Title != leak.Category || st.Verdict != VerdictLeak {
			t.Errorf("rank %d got %s (%s), want %s (leak)", i+1, st.Title, st.Verdict, leak.Category)
		}
	}
	for _, st := range res.Sites {
		if slices.Contains(tr.Plateau, st.Title) && st.Verdict != VerdictPlateau {
			t.Errorf("category %s: got %s, want plateau (values %v)", st.Title, st.Verdict, st.Values)
		}
	}
}
