package dumpdiff

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// BenchmarkLoadRealSeries parses and reduces the committed noisy Go series
// (8 heap profiles).
func BenchmarkLoadRealSeries(b *testing.B) {
	paths, err := ExpandPaths([]string{"../testdata/pprof/go-noisy"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(paths, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// syntheticSeries builds n snapshots of sites distinct stacks of depth 4:
// one in a hundred leaks, the rest fluctuate.
func syntheticSeries(tb testing.TB, sites, n int) *Series {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var snaps []*parsers.Snapshot
	for i := range n {
		samples := make([]sample, sites)
		for k := range samples {
			v := int64(1000 + r.IntN(1000))
			if k%100 == 0 {
				v = int64(1000 * (i + 1))
			}
			samples[k] = sample{stack: []string{fmt.Sprintf("site%d", k), fmt.Sprintf("caller%d", k%500), "worker", "main"}, value: v}
		}
		snaps = append(snaps, buildSnapshot(fmt.Sprintf("syn%d", i), samples))
	}
	byName := map[string]*parsers.Snapshot{}
	var paths []string
	for _, s := range snaps {
		byName[s.Name] = s
		paths = append(paths, s.Name)
	}
	s, err := Load(paths, LoadOptions{Open: func(p string) (*parsers.Snapshot, error) { return byName[p], nil }})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestSyntheticLeaksRankFirst is the check BenchmarkTrend100kSites makes,
// on a series small enough for every test run: the sites that leak (one in
// a hundred, 1000 per lifecycle) are leaks and rank above every fluctuating
// site, whatever the grouping. (A fluctuating site may still be called a
// leak now and then: each site is tested at Alpha.)
func TestSyntheticLeaksRankFirst(t *testing.T) {
	const sites, leaks = 2000, 20
	s := syntheticSeries(t, sites, 8)
	for _, by := range []GroupBy{GroupByStack, GroupByFunction} {
		res, err := s.Trend(Options{GroupBy: by})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.SiteCount, sites; got != want {
			t.Fatalf("by %s: got %d sites, want %d", by, got, want)
		}
		for i, site := range res.Sites[:leaks] {
			var k int
			if _, err := fmt.Sscanf(site.Title, "site%d", &k); err != nil || k%100 != 0 || site.Verdict != VerdictLeak {
				t.Errorf("by %s: rank %d got %s (%s), want a leaking site (site<k×100>, leak)", by, i+1, site.Title, site.Verdict)
			}
		}
	}
}

// BenchmarkTrend100kSites ranks a synthetic series of 100 000 sites over 8
// snapshots: what the TUI pays when the user switches metric or grouping.
func BenchmarkTrend100kSites(b *testing.B) {
	s := syntheticSeries(b, 100_000, 8)
	for _, by := range []GroupBy{GroupByStack, GroupByFunction} {
		b.Run(string(by), func(b *testing.B) {
			for b.Loop() {
				res, err := s.Trend(Options{GroupBy: by, Top: 20})
				if err != nil {
					b.Fatal(err)
				}
				if res.Sites[0].Verdict != VerdictLeak {
					b.Fatalf("top got %s, want leak", res.Sites[0].Verdict)
				}
			}
		})
	}
}

// BenchmarkCompare100kSites is a pair diff of the same synthetic series.
func BenchmarkCompare100kSites(b *testing.B) {
	s := syntheticSeries(b, 100_000, 8)
	for b.Loop() {
		if _, err := s.Compare(0, 7, Options{Top: 20}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrendLongSeries ranks 20 000 sites over 60 snapshots: the
// per-site statistics are quadratic in the number of snapshots (all pairs),
// so a long series of restarts is where they cost.
func BenchmarkTrendLongSeries(b *testing.B) {
	s := syntheticSeries(b, 20_000, 60)
	for b.Loop() {
		if _, err := s.Trend(Options{Top: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
