package tui

import (
	"cmp"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// columns are the sites table's columns for the current mode and width:
// wider terminals get the current value and a longer sparkline.
func (m Model) columns() []Column {
	if m.pairMode {
		if m.pair == nil {
			return nil
		}
		return pairColumns(m.pair, m.width, m.st)
	}
	if m.trend == nil {
		return nil
	}
	return trendColumns(m.trend, m.width, m.st)
}

func rankCell(r int) string { return strconv.Itoa(r) }

// siteCell is a site's title; sites keyed by whole stacks often share an
// innermost frame, so the first caller follows to tell them apart.
func siteCell(title, category string, frames []dumpdiff.Frame, by dumpdiff.GroupBy) string {
	s := clean(title)
	if by == dumpdiff.GroupByStack && len(frames) > 1 {
		s += " ← " + clean(frameName(frames[1]))
	}
	if category != "" && category != title {
		s += "  [" + clean(category) + "]"
	}
	return s
}

func trendColumns(t *dumpdiff.TrendResult, width int, st Styles) []Column {
	unit := t.Metric.Unit
	s := t.Sites
	sparkW := min(max(len(t.Snapshots), 5), 12)
	if width >= 120 {
		sparkW = min(max(len(t.Snapshots), 5), 24)
	}
	cols := []Column{
		{Title: "#", Width: 4, Right: true, Cell: func(i int) string { return rankCell(s[i].Rank) }},
		{Title: "verdict", Width: 9, Cell: func(i int) string { return string(s[i].Verdict) },
			Style: func(i int) lipgloss.Style { return st.Verdicts[s[i].Verdict] }},
		{Title: "growth/lc", Width: 14, Right: true,
			Cell: func(i int) string { return formatGrowth(s[i].Growth, unit, "/lc") },
			Less: func(a, b int) bool { return s[a].Growth > s[b].Growth }},
		{Title: "total", Width: 11, Right: true,
			Cell: func(i int) string { return formatSigned(s[i].TotalGrowth, unit) },
			Less: func(a, b int) bool { return s[a].TotalGrowth > s[b].TotalGrowth }},
	}
	if width >= 110 {
		cols = append(cols, Column{Title: "now", Width: 10, Right: true,
			Cell: func(i int) string { return formatValue(last(s[i].Values), unit) },
			Less: func(a, b int) bool { return last(s[a].Values) > last(s[b].Values) }})
	}
	cols = append(cols,
		Column{Title: "trend", Width: sparkW, Cell: func(i int) string { return report.Sparkline(sample(s[i].Values, sparkW)) },
			Style: func(int) lipgloss.Style { return st.Bar }},
		Column{Title: "site", Cell: func(i int) string { return siteCell(s[i].Title, s[i].Category, s[i].Frames, t.GroupBy) },
			Less: func(a, b int) bool { return strings.Compare(s[a].Title, s[b].Title) < 0 }},
	)
	return cols
}

func pairColumns(p *dumpdiff.CompareResult, width int, st Styles) []Column {
	unit := p.Metric.Unit
	s := p.Sites
	cols := []Column{
		{Title: "#", Width: 4, Right: true, Cell: func(i int) string { return rankCell(s[i].Rank) }},
		{Title: "status", Width: 9, Cell: func(i int) string { return string(s[i].Status) },
			Style: func(i int) lipgloss.Style { return st.Statuses[s[i].Status] }},
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
			Cell: func(i int) string { return formatPct(s[i].DeltaPct) },
			Less: func(a, b int) bool { return cmp.Compare(s[b].DeltaPct, s[a].DeltaPct) < 0 }},
		Column{Title: "site", Cell: func(i int) string { return siteCell(s[i].Title, s[i].Category, s[i].Frames, p.GroupBy) },
			Less: func(a, b int) bool { return strings.Compare(s[a].Title, s[b].Title) < 0 }},
	)
	return cols
}

func last(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}
