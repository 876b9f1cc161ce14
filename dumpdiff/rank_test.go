package dumpdiff

import (
	"math/rand/v2"
	"slices"
	"testing"
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
