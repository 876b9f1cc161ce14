package dumpdiff

import (
	"math"
	"testing"
)

func TestPairStatus(t *testing.T) {
	tests := []struct {
		b, t int64
		want PairStatus
		pct  float64
	}{
		{0, 10, StatusNew, math.Inf(1)},
		{10, 0, StatusGone, -100},
		{10, 15, StatusGrown, 50},
		{10, 5, StatusShrunk, -50},
		{10, 10, StatusUnchanged, 0},
		{-10, -5, StatusGrown, 50}, // a negative base (an NMT diff's shrink) is a scale by its size
	}
	for _, tt := range tests {
		st, pct := pairStatus(tt.b, tt.t)
		if st != tt.want || pct != tt.pct {
			t.Errorf("pairStatus(%d, %d): got %s %v, want %s %v", tt.b, tt.t, st, pct, tt.want, tt.pct)
		}
	}
}
