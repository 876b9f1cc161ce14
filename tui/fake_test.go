package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

// fakeEngine stands in for *dumpdiff.Series in model tests: it returns a
// fixed, hand-built trend, and a pair diff read off the same values. It
// records the queries it was asked.
type fakeEngine struct {
	trend   dumpdiff.TrendResult
	metrics []dumpdiff.Metric
	asked   []dumpdiff.Options
	failOn  dumpdiff.GroupBy // Trend fails for this group-by
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) Trend(q dumpdiff.Options) (*dumpdiff.TrendResult, error) {
	f.asked = append(f.asked, q)
	if q.GroupBy != "" && q.GroupBy == f.failOn {
		return nil, fmt.Errorf("group by %s: no snapshot has a %q label", q.GroupBy, "category")
	}
	t := f.trend
	t.Sites = slices.Clone(t.Sites)
	if q.Metric != "" {
		t.Metric = f.metric(q.Metric)
	}
	if q.GroupBy != "" {
		t.GroupBy = q.GroupBy
	}
	return &t, nil
}

func (f *fakeEngine) metric(name string) dumpdiff.Metric {
	for _, m := range f.metrics {
		if m.Name == name || m.Name+"/"+m.Unit == name {
			return m
		}
	}
	return dumpdiff.Metric{Name: name}
}

func (f *fakeEngine) Compare(base, target int, q dumpdiff.Options) (*dumpdiff.CompareResult, error) {
	f.asked = append(f.asked, q)
	c := &dumpdiff.CompareResult{ResultHeader: dumpdiff.ResultHeader{Metric: f.trend.Metric, GroupBy: dumpdiff.GroupByStack},
		Base: f.trend.Snapshots[base], Target: f.trend.Snapshots[target]}
	// The metric and grouping asked, as the engine gives them.
	if q.Metric != "" {
		c.Metric = f.metric(q.Metric)
	}
	if q.GroupBy != "" {
		c.GroupBy = q.GroupBy
	}
	for _, s := range f.trend.Sites {
		b, t := s.Values[base], s.Values[target]
		p := dumpdiff.PairSite{Site: dumpdiff.Site{Key: s.Key, Title: s.Title, Frames: s.Frames, Category: s.Category}, Base: b, Target: t, Delta: t - b}
		switch {
		case b == 0 && t > 0:
			p.Status = dumpdiff.StatusNew
		case t == 0 && b > 0:
			p.Status = dumpdiff.StatusGone
		case t > b:
			p.Status = dumpdiff.StatusGrown
		case t < b:
			p.Status = dumpdiff.StatusShrunk
		default:
			p.Status = dumpdiff.StatusUnchanged
		}
		if b != 0 {
			p.DeltaPct = float64(t-b) / float64(b) * 100
		}
		c.Sites = append(c.Sites, p)
	}
	slices.SortStableFunc(c.Sites, func(a, b dumpdiff.PairSite) int { return int(b.Delta - a.Delta) })
	for i := range c.Sites {
		c.Sites[i].Rank = i + 1
	}
	c.SiteCount = len(c.Sites)
	return c, nil
}

func (f *fakeEngine) Metrics() []dumpdiff.Metric         { return f.metrics }
func (f *fakeEngine) Snapshots() []dumpdiff.SnapshotInfo { return f.trend.Snapshots }

const mib = 1 << 20

// lifecycleTrend is a hand-built trend shaped like the generator's Go
// series: a leak, a smaller leak, a warm-up cache, noise, and a hostile name.
func lifecycleTrend() dumpdiff.TrendResult {
	n := 8
	snaps := make([]dumpdiff.SnapshotInfo, n)
	for i := range snaps {
		snaps[i] = dumpdiff.SnapshotInfo{Path: fmt.Sprintf("testdata/pprof/go-lifecycle/heap.%d.pb.gz", i), Format: parsers.FormatPprof, Lifecycle: i}
	}
	ramp := func(start, step int64) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = start + step*int64(i)
		}
		return v
	}
	fr := func(names ...string) []dumpdiff.Frame {
		var out []dumpdiff.Frame
		for i, name := range names {
			out = append(out, dumpdiff.Frame{Function: name, File: "/src/lifecycle/" + strings.ToLower(strings.TrimPrefix(name, "main.")) + ".go", Line: int64(10 + i*7)})
		}
		return out
	}
	sites := []dumpdiff.TrendSite{
		{Site: dumpdiff.Site{Key: "leakyOpen", Title: "main.(*leakyOperator).open", Frames: fr("main.(*leakyOperator).open", "main.(*task).open", "main.runLifecycle", "main.main")},
			Values: ramp(4*mib, 4*mib), Growth: 4 * mib, TotalGrowth: 28 * mib, R2: 1, MKP: 2.5e-5, Monotonic: 1, Verdict: dumpdiff.VerdictLeak},
		{Site: dumpdiff.Site{Key: "sessionLeak", Title: "main.(*sessionTable).add", Frames: fr("main.(*sessionTable).add", "main.(*task).open", "main.runLifecycle", "main.main")},
			Values: ramp(512*1024, 512*1024), Growth: 512 * 1024, TotalGrowth: 3584 * 1024, R2: 0.998, MKP: 2.5e-5, Monotonic: 1, Verdict: dumpdiff.VerdictLeak},
		{Site: dumpdiff.Site{Key: "cache", Title: "main.(*warmCache).fill", Frames: fr("main.(*warmCache).fill", "main.(*task).open", "main.runLifecycle", "main.main")},
			Values: []int64{8 * mib, 16 * mib, 16 * mib, 16 * mib, 16 * mib, 16 * mib, 16 * mib, 16 * mib}, Growth: 0, TotalGrowth: 8 * mib, R2: 0.14, MKP: 0.31, Monotonic: 1, Verdict: dumpdiff.VerdictPlateau},
		{Site: dumpdiff.Site{Key: "buffers", Title: "main.(*task).process", Frames: fr("main.(*task).process", "main.runLifecycle", "main.main")},
			Values: []int64{3 * mib, 1 * mib, 2 * mib, 3 * mib, 1 * mib, 2 * mib, 3 * mib, 2 * mib}, Growth: 0, TotalGrowth: -1 * mib, R2: 0.01, MKP: 0.9, Monotonic: 0.57, Verdict: dumpdiff.VerdictNoise},
		{Site: dumpdiff.Site{Key: "evil", Title: "evil\x1b[31m\rname\x07", Frames: fr("evil\x1b[31m\rname\x07", "main.main")},
			Values: ramp(64*1024, 0), Growth: 0, TotalGrowth: 0, R2: 0, MKP: 1, Monotonic: 1, Verdict: dumpdiff.VerdictNoise},
		{Site: dumpdiff.Site{Key: "shrink", Title: "main.(*pool).trim", Frames: fr("main.(*pool).trim", "main.main")},
			Values: ramp(9*mib, -mib), Growth: -mib, TotalGrowth: -7 * mib, R2: 1, MKP: 2.5e-5, Monotonic: 0, Verdict: dumpdiff.VerdictShrinking},
	}
	for i := range sites {
		sites[i].Rank = i + 1
	}
	totals := make([]int64, n)
	for _, s := range sites {
		for i, v := range s.Values {
			totals[i] += v
		}
	}
	for i := range snaps {
		snaps[i].Total = totals[i]
	}
	return dumpdiff.TrendResult{
		ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}, GroupBy: dumpdiff.GroupByStack, SiteCount: len(sites)},
		Snapshots:    snaps, Total: dumpdiff.TrendTotal{Growth: 4.5 * mib, Values: totals},
		Projection: &dumpdiff.Projection{Limit: 1 << 30, Lifecycles: 210, Growing: true},
		Sites:      sites,
	}
}

func newFake() *fakeEngine {
	return &fakeEngine{trend: lifecycleTrend(), metrics: []dumpdiff.Metric{
		{Name: "alloc_objects", Unit: "count"}, {Name: "alloc_space", Unit: "bytes"},
		{Name: "inuse_objects", Unit: "count"}, {Name: "inuse_space", Unit: "bytes"}}}
}
