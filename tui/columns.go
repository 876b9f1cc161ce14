package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

func rankCell(r int) string { return strconv.Itoa(r) }

// rankWidth fits the largest rank of n sites: 100 000 sites need six cells.
func rankWidth(n int) int { return max(len(strconv.Itoa(n)), 2) }

func trendColumns(t *dumpdiff.TrendResult, names []string, width int, st Styles) []Column {
	unit := t.Metric.Unit
	s := t.Sites
	verdicts := map[dumpdiff.Verdict]func(string) string{}
	for v, vs := range st.Verdicts {
		verdicts[v] = painter(vs)
	}
	bar := painter(st.Bar)
	siteW := 0 // set below, once the columns are known
	sparkW := min(max(len(t.Snapshots), 5), 12)
	if width >= 120 {
		sparkW = min(max(len(t.Snapshots), 5), 24)
	}
	cols := []Column{
		{Title: "#", Width: rankWidth(len(s)), Right: true, Cell: func(i int) string { return rankCell(s[i].Rank) }},
		{Title: "verdict", Width: 9, Cell: func(i int) string { return string(s[i].Verdict) },
			Paint: func(i int, c string) string { return paintOr(verdicts[s[i].Verdict], c) }},
		{Title: "growth/lc", Width: 14, Right: true,
			Cell: func(i int) string { return formatGrowth(s[i].Growth, unit, "/lc") },
			Less: func(a, b int) bool { return s[a].Growth > s[b].Growth }},
		{Title: "total", Width: 11, Right: true,
			Cell: func(i int) string { return markedTotal(s[i], unit) },
			Less: func(a, b int) bool { return s[a].TotalGrowth > s[b].TotalGrowth }},
	}
	if width >= 110 {
		cols = append(cols, Column{Title: "now", Width: 10, Right: true,
			Cell: func(i int) string { return formatValue(last(s[i].Values), unit) },
			Less: func(a, b int) bool { return last(s[a].Values) > last(s[b].Values) }})
	}
	cols = append(cols,
		Column{Title: "trend", Width: sparkW, Cell: func(i int) string { return report.Sparkline(sample(s[i].Values, sparkW)) },
			Paint: func(_ int, c string) string { return bar(c) }},
		Column{Title: "site", Cell: func(i int) string {
			return siteCell(s[i].Title, nameAt(names, i), s[i].Category, s[i].Frames, siteW)
		},
			Less: func(a, b int) bool { return strings.Compare(s[a].Title, s[b].Title) < 0 }},
	)
	cols = narrow(cols, width, "trend", "total")
	siteW = colWidths(cols, width)[len(cols)-1]
	return cols
}

// minSiteW is the least room the site column keeps on a narrow screen.
const minSiteW = 24

// narrow drops the columns named in drop, in order, while the site column
// (the last) would be narrower than minSiteW: a table without names says
// nothing.
func narrow(cols []Column, width int, drop ...string) []Column {
	for _, d := range drop {
		if colWidths(cols, width)[len(cols)-1] >= minSiteW {
			break
		}
		cols = slices.DeleteFunc(cols, func(c Column) bool { return c.Title == d })
	}
	return cols
}

func pairColumns(p *dumpdiff.CompareResult, names []string, width int, st Styles) []Column {
	unit := p.Metric.Unit
	s := p.Sites
	siteW := 0 // set below, once the columns are known
	statuses := map[dumpdiff.PairStatus]func(string) string{}
	for k, ks := range st.Statuses {
		statuses[k] = painter(ks)
	}
	cols := []Column{
		{Title: "#", Width: rankWidth(len(s)), Right: true, Cell: func(i int) string { return rankCell(s[i].Rank) }},
		{Title: "status", Width: 9, Cell: func(i int) string { return string(s[i].Status) },
			Paint: func(i int, c string) string { return paintOr(statuses[s[i].Status], c) }},
	}
	if width >= 100 {
		cols = append(cols, Column{Title: "base", Width: 10, Right: true,
			Cell: func(i int) string { return formatValue(s[i].Base, unit) },
			Less: func(a, b int) bool { return s[a].Base > s[b].Base }})
	}
	cols = append(cols,
		Column{Title: "target", Width: 10, Right: true,
			Cell: func(i int) string { return formatValue(s[i].Target, unit) },
			Less: func(a, b int) bool { return s[a].Target > s[b].Target }},
		Column{Title: "delta", Width: 11, Right: true,
			Cell: func(i int) string { return formatSigned(s[i].Delta, unit) },
			Less: func(a, b int) bool { return s[a].Delta > s[b].Delta }},
		Column{Title: "delta %", Width: 8, Right: true,
			Cell: func(i int) string { return report.FormatPct(s[i].DeltaPct) },
			Less: func(a, b int) bool { return cmp.Compare(s[b].DeltaPct, s[a].DeltaPct) < 0 }},
		Column{Title: "site", Cell: func(i int) string {
			return siteCell(s[i].Title, nameAt(names, i), s[i].Category, s[i].Frames, siteW)
		},
			Less: func(a, b int) bool { return strings.Compare(s[a].Title, s[b].Title) < 0 }},
	)
	cols = narrow(cols, width, "delta %", "target")
	siteW = colWidths(cols, width)[len(cols)-1]
	return cols
}

// markedTotal is a site's total growth with "*" when its sign disagrees
// with the growth per lifecycle; the position line says why (Sites.Position).
func markedTotal(s dumpdiff.TrendSite, unit string) string {
	t := formatSigned(s.TotalGrowth, unit)
	if report.SignsDisagree(s) {
		t += "*"
	}
	return t
}

func last(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}

// paintOr paints c with p, or leaves it plain when there is no painter (a
// verdict the styles do not know).
func paintOr(p func(string) string, c string) string {
	if p == nil {
		return c
	}
	return p(c)
}
