package tui

import (
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// shortName fits a function name into w cells the way every front end
// does (report.ShortName): parameters first, then the middle.
func shortName(s string, w int) string { return report.ShortName(s, w) }

// paramsStart is report.ParamsStart: where a C++ parameter list starts.
func paramsStart(s string) int { return report.ParamsStart(s) }

// siteCell is a site's title in the sites table, fitted to w cells. Sites
// keyed by whole stacks often share their innermost frame; the caller that
// tells such a site from the others follows, when it fits:
// "ChunkPool::allocate ← … ← PhaseIdealLoop::optimize". caller is that
// frame's index, negated when the title is unique and the caller only adds
// context (then an NMT category, in brackets, comes first), 0 for none.
func siteCell(title, category string, frames []dumpdiff.Frame, caller int, w int) string {
	s := clean(title)
	distinct := caller > 0
	caller = max(caller, -caller)
	c, arrow := "", " ← "
	if caller > 0 && caller < len(frames) {
		c = clean(frameName(frames[caller]))
		if caller > 1 {
			arrow = " ← … ← "
		}
		if strings.HasSuffix(s, "← "+c) {
			c = "" // the engine's title names it already ("[java] ← f"); a name that merely contains it does not
		}
	}
	withCaller := func(s string, room int) string {
		// A caller cut to a few cells says nothing: it shows whole, or
		// with at least 16 cells of it.
		if left := room - strWidth(s) - strWidth(arrow); c != "" && left >= min(strWidth(c), 16) {
			return s + arrow + shortName(c, left)
		}
		return s
	}
	suffix := ""
	if category != "" && !strings.Contains(title, category) {
		suffix = "  [" + clean(category) + "]"
	}
	least := s // the name with no more than its parameters dropped
	if p := paramsStart(s); p > 0 {
		least = s[:p] + "(…)"
	}
	if distinct && c != "" {
		// The parameters give way to the caller.
		if strWidth(s)+strWidth(arrow)+strWidth(c) > w {
			s = least
		}
		s = withCaller(shortName(s, w), w)
		if strWidth(s)+strWidth(suffix) <= w {
			s += suffix
		}
		return s
	}
	// The category gives way before the name has to be cut further than
	// its parameters.
	if strWidth(least)+strWidth(suffix) > w {
		suffix = ""
	}
	room := w - strWidth(suffix)
	return withCaller(shortName(s, room), room) + suffix
}

// distinguishingCallers gives, for each of n sites, the index of the frame
// that tells it from the other sites with the same title: the first caller
// where its stack leaves theirs. A site whose title is unique gets -1 (its
// first caller, as context), a site without callers 0. It sorts each group of same-titled
// sites by stack, so a group of k sites costs k log k comparisons, and it
// runs with the engine's computation, off the Update loop.
func distinguishingCallers(n int, title func(i int) string, frames func(i int) []dumpdiff.Frame) []int32 {
	out := make([]int32, n)
	groups := make(map[string][]int32)
	for i := range n {
		if len(frames(i)) > 1 {
			out[i] = -1
			t := title(i)
			groups[t] = append(groups[t], int32(i))
		}
	}
	// lcp is the number of leading frames (after the first) two stacks share.
	lcp := func(a, b []dumpdiff.Frame) int {
		k := 1
		for k < len(a) && k < len(b) && frameName(a[k]) == frameName(b[k]) {
			k++
		}
		return k - 1
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b int32) int {
			fa, fb := frames(int(a)), frames(int(b))
			for k := 1; k < len(fa) && k < len(fb); k++ {
				if c := strings.Compare(frameName(fa[k]), frameName(fb[k])); c != 0 {
					return c
				}
			}
			return len(fa) - len(fb)
		})
		for j, i := range g {
			fs := frames(int(i))
			shared := 0
			if j > 0 {
				shared = lcp(fs, frames(int(g[j-1])))
			}
			if j+1 < len(g) {
				shared = max(shared, lcp(fs, frames(int(g[j+1]))))
			}
			out[i] = 1 // same names all the way: the first caller still helps
			if d := 1 + shared; d < len(fs) {
				out[i] = int32(d)
			}
		}
	}
	return out
}
