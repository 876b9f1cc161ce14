package dumpdiff

import (
	"fmt"
	"math"
	"slices"
)

// Compare diffs two snapshots of the series (indexes into Snapshots):
// per site the base and target values, delta, delta % of base and a status.
// Sites are ranked by delta, largest growth first; ties by key. With
// opts.Normalize every base value is scaled by target total / base total
// first, so the diff shows shifts in proportion rather than overall growth.
func (s *Series) Compare(base, target int, opts Options) (*CompareResult, error) {
	n := len(s.snaps)
	if base < 0 || base >= n || target < 0 || target >= n {
		return nil, fmt.Errorf("compare snapshots %d and %d: the series has %d", base, target, n)
	}
	tbl, err := s.table(opts)
	if err != nil {
		return nil, err
	}
	metric, g, by, totals := tbl.metric, tbl.g, tbl.g.by, tbl.totals
	res := &CompareResult{
		ResultHeader: ResultHeader{Metric: metric, GroupBy: by, Warnings: s.Warnings()},
		Base:         s.snaps[base].info,
		Target:       s.snaps[target].info,
		Normalized:   opts.Normalize,
	}
	res.Base.Total, res.Target.Total = totals[base], totals[target]
	scale := 1.0
	if opts.Normalize && totals[base] != 0 {
		scale = float64(totals[target]) / float64(totals[base])
	}
	sites := make([]PairSite, 0, len(g.groups))
	for gi := range g.groups {
		v := tbl.site(gi)
		b, t := v[base], v[target]
		if b == 0 && t == 0 {
			continue // filtered to nothing in both: not part of this pair
		}
		if opts.Normalize {
			b = int64(math.Round(float64(b) * scale))
		}
		ps := PairSite{
			Site:   Site{Rank: gi}, // the group, until ranked
			Base:   b,
			Target: t,
			Delta:  t - b,
		}
		switch {
		case b == 0 && t != 0:
			ps.Status, ps.DeltaPct = StatusNew, math.Inf(1)
		case b != 0 && t == 0:
			ps.Status = StatusGone // DeltaPct −100, below
		case t > b:
			ps.Status = StatusGrown
		case t < b:
			ps.Status = StatusShrunk
		default:
			ps.Status = StatusUnchanged
		}
		if b != 0 {
			ps.DeltaPct = float64(ps.Delta) / math.Abs(float64(b)) * 100
		}
		sites = append(sites, ps)
	}
	// Equal deltas (every site that did not move) are ordered by key:
	// by stack, the start of the key first (see keyPrefix), cheaply.
	var prefix []uint64
	if by == GroupByStack {
		prefix = make([]uint64, len(g.groups))
		for _, ps := range sites {
			prefix[ps.Rank] = s.keyPrefix(g.groups[ps.Rank].rep)
		}
	}
	slices.SortFunc(sites, func(a, b PairSite) int {
		if a.Delta != b.Delta {
			if a.Delta > b.Delta {
				return -1
			}
			return 1
		}
		if prefix != nil && prefix[a.Rank] != prefix[b.Rank] {
			if prefix[a.Rank] < prefix[b.Rank] {
				return -1
			}
			return 1
		}
		return s.compareGroupKeys(g, a.Rank, b.Rank)
	})
	res.SiteCount = len(sites)
	if opts.Top > 0 && len(sites) > opts.Top {
		sites = sites[:opts.Top:opts.Top]
	}
	groupOf := make([]int32, len(sites))
	for i := range sites {
		groupOf[i] = int32(sites[i].Rank)
		sites[i].Rank = i + 1
	}
	details := func(i int, site *Site) {
		gi := int(groupOf[i])
		sg := &g.groups[gi]
		site.Key, site.Title = s.groupKey(g, gi), s.groupTitle(g, gi)
		site.Frames, site.Category = s.siteFrames(sg, by), g.groupCategory(gi)
	}
	if opts.Stream {
		res.details = details
	} else {
		for i := range sites {
			details(i, &sites[i].Site)
		}
	}
	res.Sites = sites
	return res, nil
}
