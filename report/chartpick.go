package report

import (
	"cmp"
	"slices"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// chartPriority orders the verdicts whose sites get a chart first: a leak,
// then a plateau (memory that stays, such as a warm-up), then a creep.
var chartPriority = map[dumpdiff.Verdict]int{
	dumpdiff.VerdictLeak:    0,
	dumpdiff.VerdictPlateau: 1,
	dumpdiff.VerdictCreep:   2,
}

// chartSites picks up to n of sites to draw a chart of, as indices in the
// order they are drawn: leaks in rank order, then plateaus and creeps, then
// the other sites whose values changed most. Any but a leak needs its values
// to span at least minSwing (the leak floor: less says nothing at the scale
// of the process), and a site whose value never changed (steady, or zero
// throughout) gets no chart.
func chartSites(sites []dumpdiff.TrendSite, n int, minSwing float64) []int {
	type pick struct {
		i, group int
		swing    int64
	}
	var picks []pick
	for i, s := range sites {
		lo, hi := valueRange(s.Values)
		if hi == lo || (s.Verdict != dumpdiff.VerdictLeak && float64(hi-lo) < minSwing) {
			continue
		}
		g, ok := chartPriority[s.Verdict]
		if !ok {
			g = len(chartPriority)
		}
		picks = append(picks, pick{i, g, hi - lo})
	}
	slices.SortStableFunc(picks, func(a, b pick) int {
		if c := cmp.Compare(a.group, b.group); c != 0 {
			return c
		}
		if a.group == 0 {
			return cmp.Compare(a.i, b.i) // leaks as ranked
		}
		if c := cmp.Compare(b.swing, a.swing); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	out := make([]int, 0, min(n, len(picks)))
	for _, p := range picks[:min(n, len(picks))] {
		out = append(out, p.i)
	}
	return out
}

// valueRange is the lowest and highest of values (0, 0 when empty).
func valueRange(values []int64) (lo, hi int64) {
	if len(values) == 0 {
		return 0, 0
	}
	lo, hi = values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}
