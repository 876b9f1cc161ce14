package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// WriteTrendMarkdown writes res as GitHub-flavoured Markdown ready to paste
// into an incident document: a heading and a summary of the series (snapshots,
// metric, total growth per lifecycle, projection), then a table of the ranked
// sites with human units and a sparkline of each site's values.
func WriteTrendMarkdown(w io.Writer, res *dumpdiff.TrendResult) error {
	bw := bufio.NewWriter(w)
	unit := res.Metric.Unit
	fmt.Fprintf(bw, "### dumpdiff trend: %s\n\n", mdText(metricLabel(res.Metric)))
	fmt.Fprintf(bw, "- **Series:** %s\n", mdText(seriesSummary(res.Snapshots)))
	if len(res.Total.Values) > 0 {
		fmt.Fprintf(bw, "- **Total:** %s → %s %s\n",
			FormatQuantity(float64(res.Total.Values[0]), unit),
			FormatQuantity(float64(res.Total.Values[len(res.Total.Values)-1]), unit),
			Sparkline(res.Total.Values))
	}
	fmt.Fprintf(bw, "- **Total growth:** %s/lifecycle\n", FormatSignedQuantity(res.Total.Growth, unit))
	if p := res.Projection; p != nil {
		fmt.Fprintf(bw, "- **Projection:** %s\n", projectionText(p, unit))
	}
	fmt.Fprintf(bw, "- **Leak floor:** %s\n", mdText(strings.TrimPrefix(FloorText(res.Floor, unit), "leak floor ")))
	fmt.Fprintf(bw, "- **Sites:** %s\n", shownText(len(res.Sites), res.SiteCount, res.GroupBy))
	if counts := verdictCounts(res.Sites); counts != "" && len(res.Sites) < res.SiteCount {
		// --top cut the list: these are the shown sites' verdicts only.
		fmt.Fprintf(bw, "- **Verdicts of the %d shown:** %s\n", len(res.Sites), counts)
	} else if counts != "" {
		fmt.Fprintf(bw, "- **Verdicts:** %s\n", counts)
	}
	fmt.Fprintln(bw)
	if len(res.Sites) == 0 {
		fmt.Fprintln(bw, "No sites.")
		return bw.Flush()
	}
	where := false
	for _, s := range res.Sites {
		where = where || siteWhere(s.Frames) != ""
	}
	mdTableHead(bw, "| # | verdict | growth/lifecycle | total growth | r² | trend | site |", "|--:|:--|--:|--:|--:|:--|:--|", where)
	names := dumpdiff.DistinctTitles(len(res.Sites), func(i int) dumpdiff.Site { return res.Sites[i].Site })
	for i, s := range res.Sites {
		verdict := string(s.Verdict)
		if s.Verdict == dumpdiff.VerdictLeak {
			verdict = "**leak**"
		}
		fmt.Fprintf(bw, "| %d | %s | %s | %s | %s | %s | %s |%s\n",
			s.Rank, verdict,
			FormatSignedQuantity(s.Growth, unit),
			mdText(markTotal(s, unit)),
			formatR2(s.R2), Sparkline(s.Values),
			mdCode(names[i]), whereCell(where, s.Frames))
	}
	if note := SignNote(res.Sites); note != "" {
		fmt.Fprintf(bw, "\n%s\n", mdText(note))
	}
	return bw.Flush()
}

// WriteCompareMarkdown writes a pair diff as GitHub-flavoured Markdown: a
// heading, the two snapshots and their totals, and a table of the ranked sites
// with human units.
func WriteCompareMarkdown(w io.Writer, res *dumpdiff.CompareResult) error {
	bw := bufio.NewWriter(w)
	unit := res.Metric.Unit
	fmt.Fprintf(bw, "### dumpdiff compare: %s\n\n", mdText(metricLabel(res.Metric)))
	fmt.Fprintf(bw, "- **Base:** %s (%s)\n", mdCode(res.Base.Path), FormatQuantity(float64(res.Base.Total), unit))
	fmt.Fprintf(bw, "- **Target:** %s (%s)\n", mdCode(res.Target.Path), FormatQuantity(float64(res.Target.Total), unit))
	fmt.Fprintf(bw, "- **Delta:** %s", FormatSignedQuantity(float64(res.Target.Total-res.Base.Total), unit))
	if res.Normalized {
		fmt.Fprint(bw, " (base normalised to the target's total)")
	}
	fmt.Fprintln(bw)
	fmt.Fprintf(bw, "- **Sites:** %s\n\n", shownText(len(res.Sites), res.SiteCount, res.GroupBy))
	if len(res.Sites) == 0 {
		fmt.Fprintln(bw, "No sites.")
		return bw.Flush()
	}
	where := false
	for _, s := range res.Sites {
		where = where || siteWhere(s.Frames) != ""
	}
	mdTableHead(bw, "| # | status | base | target | delta | delta % | site |", "|--:|:--|--:|--:|--:|--:|:--|", where)
	names := dumpdiff.DistinctTitles(len(res.Sites), func(i int) dumpdiff.Site { return res.Sites[i].Site })
	for i, s := range res.Sites {
		fmt.Fprintf(bw, "| %d | %s | %s | %s | %s | %s | %s |%s\n",
			s.Rank, s.Status,
			FormatQuantity(float64(s.Base), unit), FormatQuantity(float64(s.Target), unit),
			FormatSignedQuantity(float64(s.Delta), unit), FormatPct(s.DeltaPct),
			mdCode(names[i]), whereCell(where, s.Frames))
	}
	return bw.Flush()
}

// mdTableHead writes a site table's header and alignment rows, with a
// "where" column last when where is set. Sites without frames (NMT
// categories) have no "where", so a table of only those drops the column.
func mdTableHead(w io.Writer, head, rule string, where bool) {
	if where {
		head += " where |"
		rule += ":--|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
}

// whereCell is a row's "where" cell, empty when the table has no such column.
func whereCell(on bool, frames []dumpdiff.Frame) string {
	if !on {
		return ""
	}
	if w := mdCode(siteWhere(frames)); w != "" {
		return " " + w + " |"
	}
	return "  |"
}

// metricLabel reads "inuse_space (bytes)", cleaned: a profile names its own
// metrics.
func metricLabel(m dumpdiff.Metric) string {
	if m.Unit == "" {
		return clean(m.Name)
	}
	return clean(m.Name + " (" + m.Unit + ")")
}

// seriesSummary reads "6 snapshots, pprof, lifecycles 0–5: lc.0.pb.gz … lc.5.pb.gz",
// with the file names cleaned.
func seriesSummary(snaps []dumpdiff.SnapshotInfo) string {
	if len(snaps) == 0 {
		return "no snapshots"
	}
	var formats []string
	for _, s := range snaps {
		f := string(s.Format)
		if f != "" && !contains(formats, f) {
			formats = append(formats, f)
		}
	}
	first, last := snaps[0], snaps[len(snaps)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "%d snapshots", len(snaps))
	if len(formats) > 0 {
		fmt.Fprintf(&b, ", %s", strings.Join(formats, "+"))
	}
	fmt.Fprintf(&b, ", lifecycles %d–%d", first.Lifecycle, last.Lifecycle)
	if len(snaps) == 1 {
		fmt.Fprintf(&b, ": %s", clean(filepath.Base(first.Path)))
	} else {
		fmt.Fprintf(&b, ": %s … %s", clean(filepath.Base(first.Path)), clean(filepath.Base(last.Path)))
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// projectionText explains a --limit projection in words.
func projectionText(p *dumpdiff.Projection, unit string) string {
	limit := FormatQuantity(float64(p.Limit), unit)
	switch {
	case !p.Growing || math.IsInf(p.Lifecycles, 1):
		return fmt.Sprintf("the total is not growing; it does not reach %s", limit)
	case p.Lifecycles < 0:
		return fmt.Sprintf("the total already exceeds %s", limit)
	}
	return fmt.Sprintf("%s more lifecycles before the total reaches %s",
		strconv.FormatFloat(math.Floor(p.Lifecycles), 'f', 0, 64), limit)
}

// shownText reads "20 of 143 (grouped by stack)".
func shownText(shown, total int, g dumpdiff.GroupBy) string {
	s := strconv.Itoa(shown)
	if total > shown {
		s += " of " + strconv.Itoa(total)
	}
	if g != "" {
		s += " (grouped by " + string(g) + ")"
	}
	return s
}

// verdictCounts reads "2 leak, 1 plateau, 17 noise" over the shown sites.
func verdictCounts(sites []dumpdiff.TrendSite) string {
	n := map[dumpdiff.Verdict]int{}
	for _, s := range sites {
		n[s.Verdict]++
	}
	var parts []string
	for _, v := range dumpdiff.Verdicts {
		if n[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
		}
	}
	return strings.Join(parts, ", ")
}

// formatR2 prints r² with two decimals; NaN (a flat series) prints "–".
func formatR2(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

// siteWhere is the innermost frame's file:line, or its module.
func siteWhere(frames []dumpdiff.Frame) string {
	if len(frames) == 0 {
		return ""
	}
	return frameWhere(frames[0])
}

// mdEscaper escapes characters that Markdown would read as markup in prose.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `#`, `\#`,
)

// mdText escapes s for Markdown prose or a table cell.
func mdText(s string) string { return mdEscaper.Replace(clean(s)) }

// mdCode renders s as an inline code span that is safe in a GFM table cell:
// the fence is one backtick longer than the longest run inside, padded with
// spaces when s starts or ends with a backtick, and "|" is escaped because GFM
// splits table cells before it parses code spans. Empty s renders empty.
func mdCode(s string) string {
	s = clean(s)
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + strings.ReplaceAll(s, "|", `\|`) + fence
}
