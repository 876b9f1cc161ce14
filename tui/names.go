package tui

import (
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// shortName fits a function name into w cells the way every front end
// does (report.ShortName): parameters first, then the middle.
func shortName(s string, w int) string { return report.ShortName(s, w) }

// paramsStart is report.ParamsStart: where a C++ parameter list starts.
func paramsStart(s string) int { return report.ParamsStart(s) }

// siteNames names the sites of a result the way the table and every
// export do (dumpdiff.DistinctTitles): by stack, same-titled sites are told
// apart by their callers. It is nil unless the sites are whole stacks, and
// it runs with the engine's computation, off the Update loop.
func siteNames(r dumpdiff.Result) []string {
	if r.Header().GroupBy != dumpdiff.GroupByStack {
		return nil
	}
	return dumpdiff.DistinctTitles(r.Len(), r.SiteAt)
}

// nameAt is site i's name from siteNames, "" when there is none.
func nameAt(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return ""
}

// siteCell is a site's title in the sites table, fitted to w cells. name is
// the site's name from siteNames: when it differs from the title, it tells
// same-titled sites apart by their callers ("ChunkPool::allocate ← … ←
// PhaseIdealLoop::optimize") and is fitted the way the HTML report fits it
// (report.ShortTitle) unless that cuts the title itself; when it is the
// title, the site's first caller
// follows as context if it fits, after an NMT category (in brackets); ""
// shows the title alone.
func siteCell(title, name, category string, frames []dumpdiff.Frame, w int) string {
	suffix := ""
	if category != "" && !strings.Contains(title, category) {
		suffix = "  [" + clean(category) + "]"
	}
	if name != "" && name != title {
		// The callers that tell it apart win over the category, but not
		// over the title: when they leave it less than its name without
		// parameters, or are cut to a few cells, the outermost caller
		// alone is tried ("f ← … ← g": the one that tells it apart),
		// and then the title shows alone.
		t := clean(title)
		for _, n := range []string{clean(name), outermostOnly(clean(name))} {
			if n == "" {
				continue
			}
			s := report.ShortTitle(n, w)
			if (strings.HasPrefix(s, t+" ← ") || strings.HasPrefix(s, report.WithoutParams(t)+" ← ")) && callersReadable(n, s) {
				if strWidth(s)+strWidth(suffix) <= w {
					s += suffix
				}
				return s
			}
		}
		name = ""
	}
	s := clean(title)
	c := ""
	if name != "" && len(frames) > 1 {
		c = clean(frameName(frames[1]))
		if strings.HasSuffix(s, "← "+c) {
			c = "" // the engine's title names it already ("[java] ← f"); a name that merely contains it does not
		}
	}
	least := report.WithoutParams(s) // the name with no more than its parameters dropped
	// The category gives way before the name has to be cut further than
	// its parameters.
	if strWidth(least)+strWidth(suffix) > w {
		suffix = ""
	}
	room := w - strWidth(suffix)
	s = shortName(s, room)
	// A caller cut to a few cells says nothing: it shows whole, or with at
	// least 16 cells of it.
	if left := room - strWidth(s) - strWidth(" ← "); c != "" && left >= min(strWidth(c), 16) {
		s += " ← " + shortName(c, left)
	}
	return s + suffix
}

// outermostOnly shortens a name with several callers to its title and its
// outermost caller, "f ← … ← g"; "" when it has no more than that.
func outermostOnly(name string) string {
	parts := strings.Split(name, " ← ")
	if len(parts) < 3 || (len(parts) == 3 && parts[1] == "…") {
		return ""
	}
	return parts[0] + " ← … ← " + parts[len(parts)-1]
}

// callersReadable reports whether every caller that fitted the name full
// into short keeps what it needs to be read: all of it, or at least 16
// cells (a caller cut to a few cells says nothing).
func callersReadable(full, short string) bool {
	fp, sp := strings.Split(full, " ← "), strings.Split(short, " ← ")
	if len(fp) != len(sp) {
		return false
	}
	for i := 1; i < len(sp); i++ {
		if sp[i] != fp[i] && strWidth(sp[i]) < min(strWidth(report.WithoutParams(fp[i])), 16) {
			return false
		}
	}
	return true
}
