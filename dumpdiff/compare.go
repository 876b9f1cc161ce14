package dumpdiff

import (
	"fmt"
	"math"
)

// compareHeader is a pair diff before its sites, with the scale of its
// base values: target total / base total with normalize, else 1.
func (s *Series) compareHeader(tbl *siteTable, base, target int, normalize bool) (*CompareResult, float64) {
	totals := tbl.totals
	res := &CompareResult{
		ResultHeader: ResultHeader{Metric: tbl.metric, GroupBy: tbl.g.by, Warnings: s.Warnings()},
		Base:         s.snaps[base].info,
		Target:       s.snaps[target].info,
		Normalized:   normalize,
	}
	res.Base.Total, res.Target.Total = totals[base], totals[target]
	scale := 1.0
	if normalize && totals[base] != 0 {
		scale = float64(totals[target]) / float64(totals[base])
	}
	return res, scale
}

// pairStatus classifies a site's move from b to t, with the move in percent
// of b: +Inf for a new site, −100 for a gone one.
func pairStatus(b, t int64) (PairStatus, float64) {
	var st PairStatus
	switch {
	case b == 0 && t != 0:
		return StatusNew, math.Inf(1)
	case b != 0 && t == 0:
		st = StatusGone
	case t > b:
		st = StatusGrown
	case t < b:
		st = StatusShrunk
	default:
		st = StatusUnchanged
	}
	pct := 0.0
	if b != 0 {
		pct = float64(t-b) / math.Abs(float64(b)) * 100
	}
	return st, pct
}

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
	g, by := tbl.g, tbl.g.by
	res, scale := s.compareHeader(tbl, base, target, opts.Normalize)
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
		ps.Status, ps.DeltaPct = pairStatus(b, t)
		sites = append(sites, ps)
	}
	// Equal deltas (every site that did not move) are ordered by key:
	// by stack, the start of the key first (see keyPrefix), cheaply. Small
	// records are ranked, not the sites, and with a short --top only the
	// first are picked (topSorted).
	order := make([]pairKey, len(sites))
	for i, ps := range sites {
		order[i] = pairKey{delta: ps.Delta, group: int32(ps.Rank), site: int32(i)}
		if by == GroupByStack {
			order[i].prefix = s.keyPrefix(g.groups[ps.Rank].rep)
		}
	}
	order = topSorted(order, opts.Top, func(a, b pairKey) int {
		if a.delta != b.delta {
			if a.delta > b.delta {
				return -1
			}
			return 1
		}
		if a.prefix != b.prefix {
			if a.prefix < b.prefix {
				return -1
			}
			return 1
		}
		return s.compareGroupKeys(g, int(a.group), int(b.group))
	})
	res.SiteCount = len(sites)
	ranked := make([]PairSite, len(order))
	for i, k := range order {
		ranked[i] = sites[k.site]
	}
	sites = ranked
	groupOf := make([]int32, len(sites))
	for i := range sites {
		groupOf[i] = int32(sites[i].Rank)
		sites[i].Rank = i + 1
	}
	details := s.siteDetails(g, groupOf)
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

// pairKey is what ranking a compare site needs: its delta, the start of
// its key (0 unless grouped by stack), its group and its place in sites.
type pairKey struct {
	delta       int64
	prefix      uint64
	group, site int32
}
