package dumpdiff

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// TestTopScoresAgreesWithSort: picking a short --top with the heap gives
// the same sites in the same order as sorting every score, ties included.
func TestTopScoresAgreesWithSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	byKey := func(a, b int32) int { return cmpInt(int(a), int(b)) }
	for _, n := range []int{1, 5, 40, 1000, 20000} {
		sc := make([]siteScore, n)
		for i := range sc {
			// Few distinct values, so that every tie-break is exercised.
			sc[i] = siteScore{group: int32(i), rank: uint8(rng.IntN(3)), growth: float64(rng.IntN(5)),
				total: int64(rng.IntN(4)), keyPrefix: uint64(rng.IntN(3))}
		}
		rng.Shuffle(n, func(i, j int) { sc[i], sc[j] = sc[j], sc[i] })
		want := slices.Clone(sc)
		slices.SortFunc(want, scoreOrder(byKey))
		for _, top := range []int{0, 1, 3, 10, n / 5, n, n + 1} {
			got := rankScores(slices.Clone(sc), top, byKey)
			w := want
			if top > 0 && top < n {
				w = want[:top]
			}
			if !slices.Equal(got, w) {
				t.Errorf("n=%d top=%d: got %v, want %v", n, top, got[:min(len(got), 5)], w[:min(len(w), 5)])
			}
		}
	}
}

// TestShortTopAgreesWithFullRanking: on a series of many sites with many
// equal deltas and growths, a short --top (picked with a heap) shows the
// first sites of the full ranking, in its order, for trend and compare,
// grouped by stack and by function.
func TestShortTopAgreesWithFullRanking(t *testing.T) {
	var snaps []*parsers.Snapshot
	for lc := range 6 {
		var ss []sample
		for i := range 400 {
			v := int64(100 + (i%7)*(lc*(i%3)) + (i%5)*10)
			ss = append(ss, sample{stack: []string{fmt.Sprintf("f%d", i%150), fmt.Sprintf("g%d", i), "main"}, value: v})
		}
		snaps = append(snaps, buildSnapshot(fmt.Sprintf("s%d", lc), ss))
	}
	s := loadSnaps(t, LoadOptions{}, snaps...)
	for _, by := range []GroupBy{GroupByStack, GroupByFunction} {
		all, err := s.Trend(Options{GroupBy: by})
		if err != nil {
			t.Fatal(err)
		}
		top, _ := s.Trend(Options{GroupBy: by, Top: 7})
		if top.SiteCount != all.SiteCount || !reflect.DeepEqual(top.Sites, all.Sites[:7]) {
			t.Errorf("trend by %s: --top 7 shows other sites than the first 7 of the full ranking", by)
		}
		allc, err := s.Compare(0, 5, Options{GroupBy: by})
		if err != nil {
			t.Fatal(err)
		}
		topc, _ := s.Compare(0, 5, Options{GroupBy: by, Top: 7})
		if topc.SiteCount != allc.SiteCount || !reflect.DeepEqual(topc.Sites, allc.Sites[:7]) {
			t.Errorf("compare by %s: --top 7 shows other sites than the first 7 of the full ranking", by)
		}
	}
}
