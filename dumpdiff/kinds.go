package dumpdiff

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// reportKind is what a series must not mix for the snapshot h starts: an
// NMT report's variant and scale ("nmt-summary scale=KB"), since a summary,
// a detail report, a diff and the same report at scale=MB count the same
// memory differently (remainders, rounding, the baseline side). "" for
// other formats, whose snapshots of one process compare whatever wrote them.
func reportKind(h *parsers.Header) string {
	if h.Format != parsers.FormatNMT {
		return ""
	}
	kind := h.Variant
	if h.Profile != nil {
		for _, c := range h.Profile.Comments {
			if scale, ok := strings.CutPrefix(c, "nmt scale="); ok {
				kind += " scale=" + scale
			}
		}
	}
	return kind
}

// kindGroup is the snapshots of one kind, in load order.
type kindGroup struct {
	kind  string
	snaps []*snapTable
}

// oneKind makes sure the series holds one kind of report. Saving every
// jcmd output of one JVM in one directory gives summaries, detail
// reports, diffs and scale=MB reports side by side; read as one series
// they are many "lifecycles" with a wrong growth. When the series holds
// one complete series of each kind (the same number of reports each, two
// or more; diff files, each a pair by itself, aside), the finest is kept
// (detail before summary, smaller scale first) and a warning says so;
// otherwise it is an error that names the kinds and their files.
func (s *Series) oneKind() error {
	groups := s.kindGroups()
	if len(groups) < 2 || slices.ContainsFunc(groups, func(g kindGroup) bool { return g.kind == "" }) {
		return nil // one kind, or other formats too: checkMetrics judges those
	}
	var series, diffs []kindGroup
	for _, g := range groups {
		if strings.HasSuffix(strings.Fields(g.kind)[0], ".diff") {
			diffs = append(diffs, g)
		} else {
			series = append(series, g)
		}
	}
	if !completeSeries(series) {
		return fmt.Errorf("the snapshots are NMT reports of %d kinds, which do not make one series: %s; give the files of one kind (a .diff file is a pair by itself: dumpdiff compare FILE)",
			len(groups), describeKinds(groups))
	}
	slices.SortStableFunc(series, func(a, b kindGroup) int { return cmp.Compare(kindRank(a.kind), kindRank(b.kind)) })
	keep := series[0]
	s.snaps = keep.snaps
	s.dropWarningsOf(append(series[1:], diffs...))
	s.warnings = append(s.warnings, fmt.Errorf("the snapshots are NMT reports of %d kinds: using the %d %s reports (%s), not %s; give the files of one kind to use another",
		len(groups), len(keep.snaps), kindName(keep.kind), fileRange(keep.snaps), describeKinds(append(series[1:], diffs...))))
	return nil
}

// dropWarningsOf drops the parsers' warnings about the snapshots of groups,
// which the series no longer holds.
func (s *Series) dropWarningsOf(groups []kindGroup) {
	dropped := map[string]bool{}
	for _, g := range groups {
		for _, t := range g.snaps {
			dropped[t.info.Path] = true
		}
	}
	s.warnings = slices.DeleteFunc(s.warnings, func(w error) bool {
		var pe *parsers.ParseError
		return errors.As(w, &pe) && dropped[pe.Name]
	})
}

// completeSeries reports whether groups are series of the same length, two
// snapshots or more; none is no series.
func completeSeries(groups []kindGroup) bool {
	if len(groups) == 0 || len(groups[0].snaps) < 2 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g.snaps) != len(groups[0].snaps) {
			return false
		}
	}
	return true
}

// kindGroups splits the snapshots by kind, in order of first appearance.
func (s *Series) kindGroups() []kindGroup {
	var groups []kindGroup
	for _, t := range s.snaps {
		i := slices.IndexFunc(groups, func(g kindGroup) bool { return g.kind == t.kind })
		if i < 0 {
			groups = append(groups, kindGroup{kind: t.kind})
			i = len(groups) - 1
		}
		groups[i].snaps = append(groups[i].snaps, t)
	}
	return groups
}

// kindRank orders the kinds a series can keep: detail reports (sites and
// categories) before summaries, then the finer scale (bytes, KB, MB, GB).
func kindRank(kind string) int {
	r := 0
	if !strings.HasPrefix(kind, "nmt-detail") {
		r += 10
	}
	for i, unit := range []string{"scale=bytes", "scale=KB", "scale=MB", "scale=GB"} {
		if strings.HasSuffix(kind, unit) {
			return r + i
		}
	}
	return r + 5
}

// kindName reads "summary (scale=KB)" for "nmt-summary scale=KB".
func kindName(kind string) string {
	variant, scale, _ := strings.Cut(strings.TrimPrefix(kind, "nmt-"), " ")
	if scale == "" {
		return variant
	}
	return variant + " (" + scale + ")"
}

// describeKinds reads "6 summary (scale=KB): lc-01.txt … lc-06.txt, 1
// summary.diff (scale=KB): summary.diff.txt".
func describeKinds(groups []kindGroup) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf("%d %s: %s", len(g.snaps), kindName(g.kind), fileRange(g.snaps))
	}
	return strings.Join(parts, ", ")
}

// fileRange names the files of a group: one, or the first and last.
func fileRange(snaps []*snapTable) string {
	first := filepath.Base(snaps[0].info.Path)
	if len(snaps) == 1 {
		return first
	}
	return first + " … " + filepath.Base(snaps[len(snaps)-1].info.Path)
}
