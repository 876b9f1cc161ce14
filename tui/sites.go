package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// Sites is the sites screen: the ranked sites of a trend, or of a pair
// diff in pair mode, in a Table that a filter narrows and a column sorts.
// It keeps the last trend while a pair diff is shown, so leaving pair mode
// needs no new computation.
type Sites struct {
	Styles Styles

	table Table
	trend *dumpdiff.TrendResult
	pair  *dumpdiff.CompareResult
	// trendNames and pairNames are the sites' names as the table and the
	// exports give them (siteNames).
	trendNames, pairNames []string
	pairMode              bool
	filter                *regexp.Regexp

	width, height int
}

// NewSites returns an empty sites screen moved by the keys of km.
func NewSites(km TableKeyMap, st Styles) Sites {
	t := NewTable(WithStyles(st))
	t.KeyMap = km
	return Sites{Styles: st, table: t}
}

// Trend returns the last trend, nil before the first.
func (s Sites) Trend() *dumpdiff.TrendResult { return s.trend }

// Pair returns the last pair diff, nil before the first.
func (s Sites) Pair() *dumpdiff.CompareResult { return s.pair }

// PairMode reports whether the pair diff is shown rather than the trend.
func (s Sites) PairMode() bool { return s.pairMode }

// HasResult reports whether there is a result to show.
func (s Sites) HasResult() bool { return s.trend != nil || s.pair != nil }

// Table returns the sites table.
func (s Sites) Table() Table { return s.table }

// Count is the number of sites of the result shown, filter aside.
func (s Sites) Count() int {
	if s.pairMode {
		if s.pair == nil {
			return 0
		}
		return len(s.pair.Sites)
	}
	if s.trend == nil {
		return 0
	}
	return len(s.trend.Sites)
}

// Metric is the metric of the result shown.
func (s Sites) Metric() dumpdiff.Metric {
	if s.pairMode && s.pair != nil {
		return s.pair.Metric
	}
	if s.trend != nil {
		return s.trend.Metric
	}
	return dumpdiff.Metric{}
}

// Unit is the unit of the result shown, "" before the first.
func (s Sites) Unit() string { return s.Metric().Unit }

// Warnings are the shown result's warnings: skipped lines, unresolved
// binaries, rounded values.
func (s Sites) Warnings() []error {
	if s.pairMode && s.pair != nil {
		return s.pair.Warnings
	}
	if s.trend != nil {
		return s.trend.Warnings
	}
	return nil
}

// SetSize lays the table out for w × h cells. The columns depend on the
// width; the selection survives, and as narrow screens drop columns the
// sort goes by title.
func (s *Sites) SetSize(w, h int) {
	s.width, s.height = w, h
	s.table.SetSize(w, h)
	if s.HasResult() {
		sel := s.table.Selected()
		s.table.Reset(s.columns(), s.Count(), s.table.SortTitle(), s.match())
		s.table.Select(sel)
	}
}

// SetTrend shows a new trend, keeping the selected site and, unless pair
// mode ends, the sort.
func (s *Sites) SetTrend(t *dumpdiff.TrendResult, names []string) {
	sel, wasPair := s.selectedKey(), s.pairMode
	s.trend, s.trendNames, s.pairMode = t, names, false
	s.show(sel, wasPair)
}

// SetPair shows a new pair diff, keeping the selected site and, unless pair
// mode starts, the sort.
func (s *Sites) SetPair(p *dumpdiff.CompareResult, names []string) {
	sel, wasPair := s.selectedKey(), s.pairMode
	s.pair, s.pairNames, s.pairMode = p, names, true
	s.show(sel, wasPair)
}

func (s *Sites) show(sel string, wasPair bool) {
	sort := s.table.SortTitle()
	if s.pairMode != wasPair {
		sort = "" // the two tables have different columns
	}
	s.table.Reset(s.columns(), s.Count(), sort, s.match())
	s.selectKey(sel)
}

// ShowTrend leaves pair mode for the last trend, in rank order.
func (s *Sites) ShowTrend() {
	s.pairMode = false
	s.table.Reset(s.columns(), s.Count(), "", s.match())
}

// CycleSort moves the sort to the next sortable column.
func (s *Sites) CycleSort() { s.table.CycleSort() }

// Filter returns the filter in force, nil for none.
func (s Sites) Filter() *regexp.Regexp { return s.filter }

// SetFilter shows the sites whose title or key matches re; nil shows all.
func (s *Sites) SetFilter(re *regexp.Regexp) {
	s.filter = re
	s.table.SetFilter(s.match())
}

// match is the table filter for the filter in force over the sites shown,
// nil for none.
func (s Sites) match() func(i int) bool {
	re := s.filter
	if re == nil || s.Count() == 0 {
		return nil
	}
	match := re.MatchString
	if lit, complete := re.LiteralPrefix(); complete {
		// Most typed filters are plain text: a substring search is many
		// times faster than the regexp machine on 100 000 sites.
		match = func(s string) bool { return strings.Contains(s, lit) }
	}
	var titleKey func(i int) (string, string)
	if s.pairMode {
		sites := s.pair.Sites
		titleKey = func(i int) (string, string) { return sites[i].Title, sites[i].Key }
	} else {
		sites := s.trend.Sites
		titleKey = func(i int) (string, string) { return sites[i].Title, sites[i].Key }
	}
	return func(i int) bool {
		title, key := titleKey(i)
		return match(title) || (key != title && match(key))
	}
}

// selectedKey is the key of the site under the cursor, to keep it selected
// across recomputations.
func (s Sites) selectedKey() string {
	i := s.table.Selected()
	if i < 0 {
		return ""
	}
	if s.pairMode && s.pair != nil && i < len(s.pair.Sites) {
		return s.pair.Sites[i].Key
	}
	if !s.pairMode && s.trend != nil && i < len(s.trend.Sites) {
		return s.trend.Sites[i].Key
	}
	return ""
}

func (s *Sites) selectKey(k string) {
	if k == "" {
		return
	}
	i := -1
	if s.pairMode && s.pair != nil {
		i = slices.IndexFunc(s.pair.Sites, func(x dumpdiff.PairSite) bool { return x.Key == k })
	} else if !s.pairMode && s.trend != nil {
		i = slices.IndexFunc(s.trend.Sites, func(x dumpdiff.TrendSite) bool { return x.Key == k })
	}
	if i >= 0 {
		s.table.Select(i)
	}
}

// Selected returns the site under the cursor for the detail screen, its
// metricID left for the caller; ok is false when no site is shown.
func (s Sites) Selected() (_ siteInfo, ok bool) {
	i := s.table.Selected()
	if i < 0 {
		return siteInfo{}, false
	}
	si := siteInfo{of: s.table.Len(), pos: s.table.Cursor()}
	if s.pairMode {
		si.pair = &s.pair.Sites[i]
		si.snaps = []dumpdiff.SnapshotInfo{s.pair.Base, s.pair.Target}
		si.metric = s.pair.Metric
	} else {
		si.trend = &s.trend.Sites[i]
		si.snaps = s.trend.Snapshots
		si.metric = s.trend.Metric
	}
	return si, true
}

// SelectedFrames returns the stack of the site under the cursor, innermost
// first; ok is false when no site is shown.
func (s Sites) SelectedFrames() (_ []dumpdiff.Frame, ok bool) {
	i := s.table.Selected()
	if i < 0 {
		return nil, false
	}
	if s.pairMode {
		return s.pair.Sites[i].Frames, true
	}
	return s.trend.Sites[i].Frames, true
}

// TreeSites are the sites in view (the filter narrows the call tree too)
// with the value the tree sums: the delta of a pair, the growth per
// lifecycle of a trend, which suffix names.
func (s Sites) TreeSites() (sites []TreeSite, suffix string) {
	items := s.table.Items()
	sites = make([]TreeSite, 0, len(items))
	suffix = "/lc"
	for _, i := range items {
		if s.pairMode {
			x := s.pair.Sites[i]
			sites = append(sites, TreeSite{Frames: x.Frames, Value: float64(x.Delta)})
			suffix = ""
		} else {
			x := s.trend.Sites[i]
			sites = append(sites, TreeSite{Frames: x.Frames, Value: x.Growth})
		}
	}
	return sites, suffix
}

// ViewResult is the result as the user sees it: filtered and sorted.
func (s Sites) ViewResult() (*dumpdiff.TrendResult, *dumpdiff.CompareResult) {
	items := s.table.Items()
	if s.pairMode {
		c := *s.pair
		c.Sites = make([]dumpdiff.PairSite, len(items))
		for j, i := range items {
			c.Sites[j] = s.pair.Sites[i]
		}
		return nil, &c
	}
	t := *s.trend
	t.Sites = make([]dumpdiff.TrendSite, len(items))
	for j, i := range items {
		t.Sites[j] = s.trend.Sites[i]
	}
	return &t, nil
}

// Update moves the cursor on navigation keys and the mouse wheel.
func (s Sites) Update(msg tea.Msg) (Sites, tea.Cmd) {
	var cmd tea.Cmd
	s.table, cmd = s.table.Update(msg)
	return s, cmd
}

// Position says where the cursor is and what the table holds, "" before
// the first result.
func (s Sites) Position() string {
	if !s.HasResult() {
		return ""
	}
	total := s.Count()
	p := fmt.Sprintf("site %d of %d", min(s.table.Cursor()+1, s.table.Len()), s.table.Len())
	if s.table.Len() == 0 {
		p = "no sites"
	}
	if s.filter != nil {
		p += fmt.Sprintf(" matching /%s/ (of %d)", clean(s.filter.String()), total)
	}
	if !s.pairMode && s.trend != nil && s.trend.SiteCount > total {
		p += fmt.Sprintf(" · top %d of %d", total, s.trend.SiteCount)
	}
	if c := s.table.SortTitle(); c != "" {
		p += " · sorted by " + c
	}
	if i := s.table.Selected(); !s.pairMode && s.trend != nil && i >= 0 && i < len(s.trend.Sites) {
		// The table marks a total whose sign disagrees with the growth;
		// the line under it says why, for the site under the cursor.
		if note := report.SignNote(s.trend.Sites[i : i+1]); note != "" {
			p += " · " + note
		}
	}
	return s.Styles.Subtle.Render(p)
}

// View renders the table, or its headings over why no site shows,
// exactly width × height.
func (s Sites) View() string {
	if s.table.Len() > 0 {
		return s.table.View()
	}
	// The column headings stay, so the screen does not jump.
	head, _, _ := strings.Cut(s.table.View(), "\n")
	msg := "no sites"
	if s.filter != nil {
		msg = "no site matches /" + clean(s.filter.String()) + "/ · esc clears the filter"
	}
	return fit([]string{head, "", "  " + s.Styles.Subtle.Render(msg)}, s.width, s.height)
}
