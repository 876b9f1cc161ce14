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
	// class narrows the sites to one verdict (a status in pair mode); ""
	// for all.
	class string

	width, height int
}

// NewSites returns an empty sites screen moved by the keys of km.
func NewSites(km TableKeyMap, st Styles) Sites {
	t := NewTable(WithStyles(st))
	t.KeyMap = km
	return Sites{Styles: st, table: t}
}

// Trend returns the last trend, nil before the first.
func (s *Sites) Trend() *dumpdiff.TrendResult { return s.trend }

// Pair returns the last pair diff, nil before the first.
func (s *Sites) Pair() *dumpdiff.CompareResult { return s.pair }

// PairMode reports whether the pair diff is shown rather than the trend.
func (s *Sites) PairMode() bool { return s.pairMode }

// HasResult reports whether there is a result to show.
func (s *Sites) HasResult() bool { return s.trend != nil || s.pair != nil }

// Table returns the sites table.
func (s *Sites) Table() Table { return s.table }

// Count is the number of sites of the result shown, filter aside.
func (s *Sites) Count() int {
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
func (s *Sites) Metric() dumpdiff.Metric {
	if s.pairMode && s.pair != nil {
		return s.pair.Metric
	}
	if s.trend != nil {
		return s.trend.Metric
	}
	return dumpdiff.Metric{}
}

// GroupBy is the grouping of the result shown, "" before the first.
func (s *Sites) GroupBy() dumpdiff.GroupBy {
	if s.pairMode && s.pair != nil {
		return s.pair.GroupBy
	}
	if s.trend != nil {
		return s.trend.GroupBy
	}
	return ""
}

// Unit is the unit of the result shown, "" before the first.
func (s *Sites) Unit() string { return s.Metric().Unit }

// Warnings are the shown result's warnings: skipped lines, unresolved
// binaries, rounded values.
func (s *Sites) Warnings() []error {
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
	s.keepClass()
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
	s.keepClass()
	s.table.Reset(s.columns(), s.Count(), "", s.match())
}

// CycleSort moves the sort to the next sortable column.
func (s *Sites) CycleSort() { s.table.CycleSort() }

// Filter returns the filter in force, nil for none.
func (s *Sites) Filter() *regexp.Regexp { return s.filter }

// Class returns the verdict (or pair status) the sites are narrowed to, ""
// for all.
func (s *Sites) Class() string { return s.class }

// SetFilter shows the sites whose title or key matches re (nil: any) and
// whose verdict, or status in pair mode, is class ("": any).
func (s *Sites) SetFilter(re *regexp.Regexp, class string) {
	s.filter, s.class = re, class
	s.table.SetFilter(s.match())
}

// classOf returns the verdict of trend site i, or the status of pair site i.
func (s *Sites) classOf() func(i int) string {
	if s.pairMode {
		if s.pair == nil {
			return func(int) string { return "" }
		}
		sites := s.pair.Sites
		return func(i int) string { return string(sites[i].Status) }
	}
	if s.trend == nil {
		return func(int) string { return "" }
	}
	sites := s.trend.Sites
	return func(i int) string { return string(sites[i].Verdict) }
}

// Classes lists the verdicts (statuses in pair mode) of the sites shown,
// in the order of dumpdiff.Verdicts (or of the statuses): what v cycles.
func (s *Sites) Classes() []string {
	order := make([]string, 0, len(dumpdiff.Verdicts))
	if s.pairMode {
		for _, st := range pairStatuses {
			order = append(order, string(st))
		}
	} else {
		for _, v := range dumpdiff.Verdicts {
			order = append(order, string(v))
		}
	}
	seen := make([]bool, len(order))
	class := s.classOf()
	for i := range s.Count() {
		if j := slices.Index(order, class(i)); j >= 0 {
			seen[j] = true
		}
	}
	var out []string
	for j, c := range order {
		if seen[j] {
			out = append(out, c)
		}
	}
	return out
}

// keepClass drops the verdict filter when the mode has no such class (a
// verdict in pair mode, a status in the trend).
func (s *Sites) keepClass() {
	if s.class != "" && !validClass(s.class, s.pairMode) {
		s.class = ""
	}
}

// validClass reports whether c names a pair status (pair) or a verdict.
func validClass(c string, pair bool) bool {
	if pair {
		return slices.Contains(pairStatuses, dumpdiff.PairStatus(c))
	}
	return slices.Contains(dumpdiff.Verdicts, dumpdiff.Verdict(c))
}

// pairStatuses are the pair statuses in the order v cycles them.
var pairStatuses = []dumpdiff.PairStatus{dumpdiff.StatusGrown, dumpdiff.StatusNew,
	dumpdiff.StatusShrunk, dumpdiff.StatusGone, dumpdiff.StatusUnchanged}

// NextLeak moves the cursor to the next leak in view (the previous one when
// back is set), wrapping around; it says what happened, for the status line.
func (s *Sites) NextLeak(back bool) string {
	if s.pairMode {
		return "a pair diff has no verdicts: p goes back to the trend's leaks"
	}
	class := s.classOf()
	found, wrapped := s.table.Next(func(i int) bool { return class(i) == string(dumpdiff.VerdictLeak) }, back)
	switch {
	case !found:
		return "no leak in view"
	case wrapped && back:
		return "wrapped to the last leak"
	case wrapped:
		return "wrapped to the first leak"
	}
	return ""
}

// Reverse turns the table's order around.
func (s *Sites) Reverse() { s.table.Reverse() }

// match is the table filter for the filter in force over the sites shown,
// nil for none.
func (s *Sites) match() func(i int) bool {
	re := s.filter
	if s.Count() == 0 || (re == nil && s.class == "") {
		return nil
	}
	if re == nil {
		class, want := s.classOf(), s.class
		return func(i int) bool { return class(i) == want }
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
	if s.class != "" {
		class, want := s.classOf(), s.class
		return func(i int) bool {
			if class(i) != want {
				return false
			}
			title, key := titleKey(i)
			return match(title) || (key != title && match(key))
		}
	}
	return func(i int) bool {
		title, key := titleKey(i)
		return match(title) || (key != title && match(key))
	}
}

// selectedKey is the key of the site under the cursor, to keep it selected
// across recomputations.
func (s *Sites) selectedKey() string {
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
func (s *Sites) Selected() (_ siteInfo, ok bool) {
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
func (s *Sites) SelectedFrames() (_ []dumpdiff.Frame, ok bool) {
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
func (s *Sites) TreeSites() (sites []TreeSite, suffix string) {
	src, suffix := s.TreeSource()
	return src(), suffix
}

// TreeSource is TreeSites made later: Update copies only the indices of
// the sites in view, and the command that builds a tree or a flame graph
// collects the sites themselves (results are never changed once shown).
func (s *Sites) TreeSource() (src func() []TreeSite, suffix string) {
	items := slices.Clone(s.table.Items())
	if s.pairMode {
		p := s.pair
		return func() []TreeSite {
			out := make([]TreeSite, len(items))
			for j, i := range items {
				x := &p.Sites[i]
				out[j] = TreeSite{Frames: x.Frames, Value: float64(x.Delta)}
			}
			return out
		}, ""
	}
	t := s.trend
	return func() []TreeSite {
		out := make([]TreeSite, len(items))
		for j, i := range items {
			x := &t.Sites[i]
			out[j] = TreeSite{Frames: x.Frames, Value: x.Growth, Verdict: x.Verdict}
		}
		return out
	}, "/lc"
}

// ViewResult is the result as the user sees it: filtered and sorted.
func (s *Sites) ViewResult() (*dumpdiff.TrendResult, *dumpdiff.CompareResult) {
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
func (s *Sites) Position() string {
	if !s.HasResult() {
		return ""
	}
	total := s.Count()
	p := fmt.Sprintf("site %d of %d", min(s.table.Cursor()+1, s.table.Len()), s.table.Len())
	if s.table.Len() == 0 {
		p = "no sites"
	}
	if q := s.query(); q != "" {
		p += fmt.Sprintf(" matching %s (of %d)", q, total)
	}
	if !s.pairMode && s.trend != nil && s.trend.SiteCount > total {
		p += fmt.Sprintf(" · top %d of %d", total, s.trend.SiteCount)
	}
	switch c := s.table.SortTitle(); {
	case c != "" && s.table.Reversed():
		p += " · sorted by " + c + ", reversed"
	case c != "":
		p += " · sorted by " + c
	case s.table.Reversed():
		p += " · rank order reversed"
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

// query describes the filter in force: "/re/ verdict leak", "" for none.
func (s *Sites) query() string {
	var parts []string
	if s.filter != nil {
		parts = append(parts, "/"+clean(s.filter.String())+"/")
	}
	if s.class != "" {
		word := "verdict "
		if s.pairMode {
			word = "status "
		}
		parts = append(parts, word+s.class)
	}
	return strings.Join(parts, " ")
}

// View renders the table, or its headings over why no site shows,
// exactly width × height.
func (s *Sites) View() string {
	if s.table.Len() > 0 {
		return s.table.View()
	}
	// The column headings stay, so the screen does not jump.
	head, _, _ := strings.Cut(s.table.View(), "\n")
	msg := "no sites"
	if q := s.query(); q != "" {
		msg = "no site matches " + q + " · esc clears the filter"
	}
	return fit([]string{head, "", "  " + s.Styles.Subtle.Render(msg)}, s.width, s.height)
}
