package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// Sites is the sites screen: the ranked sites of a trend, or of a pair
// diff in pair mode, in a Table that a filter narrows and a column sorts.
// It holds each result's sites once (shownResult) and asks the result's
// kind only for what differs: columns, classes, the detail's statistics.
// It keeps the last trend while a pair diff is shown, so leaving pair mode
// needs no new computation.
type Sites struct {
	Styles Styles

	table Table
	// trend and pair are the last result of each kind; cur is the one
	// shown, nil before the first.
	trend, pair, cur *shownResult
	filter           *regexp.Regexp
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
func (s *Sites) Trend() *dumpdiff.TrendResult {
	if s.trend == nil {
		return nil
	}
	return s.trend.res.(*dumpdiff.TrendResult)
}

// Pair returns the last pair diff, nil before the first.
func (s *Sites) Pair() *dumpdiff.CompareResult {
	if s.pair == nil {
		return nil
	}
	return s.pair.res.(*dumpdiff.CompareResult)
}

// PairMode reports whether the pair diff is shown rather than the trend.
func (s *Sites) PairMode() bool { return s.cur != nil && s.cur == s.pair }

// HasResult reports whether there is a result to show.
func (s *Sites) HasResult() bool { return s.cur != nil }

// Table returns the sites table.
func (s *Sites) Table() Table { return s.table }

// header is the shown result's header, nil before the first.
func (s *Sites) header() *dumpdiff.ResultHeader {
	if s.cur == nil {
		return nil
	}
	return s.cur.res.Header()
}

// Count is the number of sites of the result shown, filter aside.
func (s *Sites) Count() int {
	if s.cur == nil {
		return 0
	}
	return len(s.cur.sites)
}

// Metric is the metric of the result shown.
func (s *Sites) Metric() dumpdiff.Metric {
	if h := s.header(); h != nil {
		return h.Metric
	}
	return dumpdiff.Metric{}
}

// GroupBy is the grouping of the result shown, "" before the first.
func (s *Sites) GroupBy() dumpdiff.GroupBy {
	if h := s.header(); h != nil {
		return h.GroupBy
	}
	return ""
}

// Unit is the unit of the result shown, "" before the first.
func (s *Sites) Unit() string { return s.Metric().Unit }

// Warnings are the shown result's warnings: skipped lines, unresolved
// binaries, rounded values.
func (s *Sites) Warnings() []error {
	if h := s.header(); h != nil {
		return h.Warnings
	}
	return nil
}

// Facts are what the result shown says as a whole, for the header line of
// a screen w cells wide; none before the first.
func (s *Sites) Facts(w int, st Styles) []string {
	if s.cur == nil {
		return nil
	}
	return s.cur.kind.facts(w, st)
}

// columns are the table's columns for the result shown and the width.
func (s *Sites) columns() []Column {
	if s.cur == nil {
		return nil
	}
	return s.cur.kind.columns(s.cur.names, s.width, s.Styles)
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

// SetResult shows a new result (newShown), keeping the selected site and,
// unless the kind shown changes, the sort.
func (s *Sites) SetResult(sh *shownResult) {
	sel, wasPair := s.selectedKey(), s.PairMode()
	_, pair := sh.kind.(pairKind)
	if pair {
		s.pair = sh
	} else {
		s.trend = sh
	}
	s.cur = sh
	s.show(sel, pair == wasPair)
}

func (s *Sites) show(sel string, sameKind bool) {
	s.keepClass()
	sort := s.table.SortTitle()
	if !sameKind {
		sort = "" // the two kinds have different columns
	}
	s.table.Reset(s.columns(), s.Count(), sort, s.match())
	s.selectKey(sel)
}

// ShowTrend leaves pair mode for the last trend, in rank order.
func (s *Sites) ShowTrend() {
	s.cur = s.trend
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

// Classes lists the verdicts (statuses in pair mode) of the sites shown,
// in the kind's order: what v cycles.
func (s *Sites) Classes() []string {
	if s.cur == nil {
		return nil
	}
	k := s.cur.kind
	order := k.classes()
	seen := make([]bool, len(order))
	for i := range s.Count() {
		if j := slices.Index(order, k.class(i)); j >= 0 {
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

// keepClass drops the verdict filter when the kind shown has no such
// class (a verdict in pair mode, a status in the trend).
func (s *Sites) keepClass() {
	if s.class != "" && s.cur != nil && !slices.Contains(s.cur.kind.classes(), s.class) {
		s.class = ""
	}
}

// knownClass reports whether c names a verdict or a pair status: what a
// filter may ask for.
func knownClass(c string) bool {
	return slices.Contains(dumpdiff.Verdicts, dumpdiff.Verdict(c)) || slices.Contains(pairStatuses, dumpdiff.PairStatus(c))
}

// NextLeak moves the cursor to the next leak in view (the previous one when
// back is set), wrapping around; it says what happened, for the status line.
func (s *Sites) NextLeak(back bool) string {
	if s.cur == nil {
		return ""
	}
	k := s.cur.kind
	found, wrapped := s.table.Next(func(i int) bool { return k.verdict(i) == dumpdiff.VerdictLeak }, back)
	switch {
	case !found && !slices.Contains(k.classes(), string(dumpdiff.VerdictLeak)):
		return "a pair diff has no verdicts: p goes back to the trend's leaks"
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
	k, want := s.cur.kind, s.class
	if re == nil {
		return func(i int) bool { return k.class(i) == want }
	}
	match := re.MatchString
	if lit, complete := re.LiteralPrefix(); complete {
		// Most typed filters are plain text: a substring search is many
		// times faster than the regexp machine on 100 000 sites.
		match = func(s string) bool { return strings.Contains(s, lit) }
	}
	sites := s.cur.sites
	return func(i int) bool {
		if want != "" && k.class(i) != want {
			return false
		}
		title, key := sites[i].Title, sites[i].Key
		return match(title) || (key != title && match(key))
	}
}

// selectedKey is the key of the site under the cursor, to keep it selected
// across recomputations.
func (s *Sites) selectedKey() string {
	if i := s.table.Selected(); s.cur != nil && i >= 0 && i < len(s.cur.sites) {
		return s.cur.sites[i].Key
	}
	return ""
}

func (s *Sites) selectKey(k string) {
	if k == "" || s.cur == nil {
		return
	}
	if i := slices.IndexFunc(s.cur.sites, func(x dumpdiff.Site) bool { return x.Key == k }); i >= 0 {
		s.table.Select(i)
	}
}

// Selected returns the site under the cursor for the detail screen, its
// metricID left for the caller; ok is false when no site is shown.
func (s *Sites) Selected() (_ siteInfo, ok bool) {
	i := s.table.Selected()
	if i < 0 || s.cur == nil {
		return siteInfo{}, false
	}
	return siteInfo{site: s.cur.sites[i], detailKind: s.cur.kind.detail(i, s.Styles), metric: s.Metric(),
		of: s.table.Len(), pos: s.table.Cursor()}, true
}

// SelectedFrames returns the stack of the site under the cursor, innermost
// first; ok is false when no site is shown.
func (s *Sites) SelectedFrames() (_ []dumpdiff.Frame, ok bool) {
	i := s.table.Selected()
	if i < 0 || s.cur == nil {
		return nil, false
	}
	return s.cur.sites[i].Frames, true
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
	if s.cur == nil {
		return func() []TreeSite { return nil }, ""
	}
	items := slices.Clone(s.table.Items())
	k, sites := s.cur.kind, s.cur.sites
	return func() []TreeSite {
		out := make([]TreeSite, len(items))
		for j, i := range items {
			out[j] = TreeSite{Frames: sites[i].Frames, Value: k.treeValue(i), Verdict: k.verdict(i)}
		}
		return out
	}, k.treeSuffix()
}

// ViewResult is the result as the user sees it: filtered and sorted.
func (s *Sites) ViewResult() dumpdiff.Result {
	return s.cur.kind.subset(s.table.Items())
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
	if n := s.header().SiteCount; n > total {
		p += fmt.Sprintf(" · top %d of %d", total, n)
	}
	switch c := s.table.SortTitle(); {
	case c != "" && s.table.Reversed():
		p += " · sorted by " + c + ", reversed"
	case c != "":
		p += " · sorted by " + c
	case s.table.Reversed():
		p += " · rank order reversed"
	}
	if i := s.table.Selected(); i >= 0 && i < s.Count() {
		if note := s.cur.kind.note(i); note != "" {
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
	if s.class != "" && s.cur != nil {
		parts = append(parts, s.cur.kind.classWord()+" "+s.class)
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
