package report

import (
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

func TestFloorText(t *testing.T) {
	tests := []struct {
		f    dumpdiff.Floor
		want string
	}{
		{dumpdiff.Floor{PerLifecycle: 34100.6, Share: 0.0001, MedianTotal: 341006336}, "leak floor +33.3 KiB/lc (0.01% of the median total); slower trends are creep"},
		{dumpdiff.Floor{PerLifecycle: 1 << 20}, "leak floor +1.0 MiB/lc; slower trends are creep"},
		{dumpdiff.Floor{MedianTotal: 5}, "leak floor off: every significant trend is a leak"},
	}
	for _, tt := range tests {
		if got := FloorText(tt.f, "bytes"); got != tt.want {
			t.Errorf("FloorText(%+v): got %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestSignNote(t *testing.T) {
	agree := dumpdiff.TrendSite{Verdict: dumpdiff.VerdictLeak, Growth: 5, TotalGrowth: 35}
	noise := dumpdiff.TrendSite{Verdict: dumpdiff.VerdictNoise, Growth: 74872, TotalGrowth: -839}
	plateau := dumpdiff.TrendSite{Verdict: dumpdiff.VerdictPlateau, Growth: -683, TotalGrowth: 10240}
	if SignNote([]dumpdiff.TrendSite{agree}) != "" || markTotal(agree, "bytes") != "+35 B" {
		t.Errorf("agreeing signs: got note %q, total %q, want none and no mark", SignNote([]dumpdiff.TrendSite{agree}), markTotal(agree, "bytes"))
	}
	if got, want := markTotal(noise, "bytes"), "-839 B*"; got != want {
		t.Errorf("noise total: got %q, want %q", got, want)
	}
	want := "* growth/lc and total (last − first) differ in sign: a plateau's growth is since it levelled off; noise wanders, and its fitted slope is no trend"
	if got := SignNote([]dumpdiff.TrendSite{plateau, agree, noise, noise}); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestSparkChartFlat: the SVG sparkline draws a flat line against zero, as
// the text one does: at the top when it holds memory, at the bottom when
// it holds none.
func TestSparkChartFlat(t *testing.T) {
	high := sparkChart([]int64{512 << 20, 512 << 20}, 96, 24, "#000")
	zero := sparkChart([]int64{0, 0}, 96, 24, "#000")
	for _, p := range high.Points {
		if p.Y != high.Top {
			t.Errorf("flat at 512 MiB: point at y %v, want the top %v", p.Y, high.Top)
		}
	}
	for _, p := range zero.Points {
		if p.Y != zero.Bottom {
			t.Errorf("flat at zero: point at y %v, want the bottom %v", p.Y, zero.Bottom)
		}
	}
}
