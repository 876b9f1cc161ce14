package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// TableOptions tune the text table renderers.
type TableOptions struct {
	// Aligned draws a summary header and space-aligned columns in human
	// units, for a terminal. When false (output piped to a program) the
	// table is tab-separated with exact numbers and one header row.
	Aligned bool
	// Color styles an aligned table with ANSI colours; the caller decides
	// (terminal, NO_COLOR). Ignored when not Aligned.
	Color bool
	// Width is the terminal width; the site column is cut to fit. 0 means
	// no limit.
	Width int
}

// tableStyles are the colours of an aligned table. Verdicts also read as
// words, so nothing depends on colour alone.
type tableStyles struct {
	header, dim, grow, shrink lipgloss.Style
	verdict                   map[string]lipgloss.Style
}

func newTableStyles(color bool) *tableStyles {
	if !color {
		return nil
	}
	s := lipgloss.NewStyle()
	return &tableStyles{
		header: s.Bold(true),
		dim:    s.Faint(true),
		grow:   s.Foreground(lipgloss.Color("1")),
		shrink: s.Foreground(lipgloss.Color("2")),
		verdict: map[string]lipgloss.Style{
			string(dumpdiff.VerdictLeak):      s.Foreground(lipgloss.Color("1")).Bold(true),
			string(dumpdiff.VerdictCreep):     s.Foreground(lipgloss.Color("5")),
			string(dumpdiff.VerdictPlateau):   s.Foreground(lipgloss.Color("3")),
			string(dumpdiff.VerdictNoise):     s.Faint(true),
			string(dumpdiff.VerdictShrinking): s.Foreground(lipgloss.Color("2")),
			string(dumpdiff.VerdictNew):       s.Foreground(lipgloss.Color("6")),
			string(dumpdiff.VerdictGone):      s.Faint(true),
			string(dumpdiff.StatusGrown):      s.Foreground(lipgloss.Color("1")),
			string(dumpdiff.StatusShrunk):     s.Foreground(lipgloss.Color("2")),
			string(dumpdiff.StatusUnchanged):  s.Faint(true),
			// "new" and "gone" are both verdicts and statuses, styled alike.
		},
	}
}

func (ts *tableStyles) render(st func(*tableStyles) lipgloss.Style, s string) string {
	if ts == nil {
		return s
	}
	return st(ts).Render(s)
}

func (ts *tableStyles) word(w string) string {
	if ts == nil {
		return w
	}
	if st, ok := ts.verdict[w]; ok {
		return st.Render(w)
	}
	return w
}

func (ts *tableStyles) signed(v float64, s string) string {
	switch {
	case ts == nil:
		return s
	case v > 0:
		return ts.grow.Render(s)
	case v < 0:
		return ts.shrink.Render(s)
	}
	return s
}

// WriteTrendTable writes a trend result as a table of its sites.
func WriteTrendTable(w io.Writer, res *dumpdiff.TrendResult, opts TableOptions) error {
	bw := bufio.NewWriter(w)
	if !opts.Aligned {
		writeTrendTSV(bw, res)
		return bw.Flush()
	}
	ts := newTableStyles(opts.Color)
	unit := res.Metric.Unit
	n := len(res.Snapshots)
	first, last := res.Total.Values[0], res.Total.Values[n-1]
	fmt.Fprintf(bw, "%s\n", ts.render(func(t *tableStyles) lipgloss.Style { return t.header },
		fit(fmt.Sprintf("%d snapshots (%s), metric %s (%s), by %s", n, seriesFormat(res.Snapshots), clean(res.Metric.Name), clean(unit), res.GroupBy), opts.Width)))
	growth := FormatSignedQuantity(res.Total.Growth, unit)
	totalLine := fmt.Sprintf("total %s → %s, %s per lifecycle", FormatQuantity(float64(first), unit), FormatQuantity(float64(last), unit), growth)
	if ansi.StringWidth(totalLine) > opts.Width && opts.Width > 0 {
		fmt.Fprintln(bw, fit(totalLine, opts.Width))
	} else {
		fmt.Fprintln(bw, strings.Replace(totalLine, growth, ts.signed(res.Total.Growth, growth), 1))
	}
	if line := rssLine(res); line != "" {
		fmt.Fprintln(bw, fit(line, opts.Width))
	}
	if p := res.Projection; p != nil {
		fmt.Fprintln(bw, fit(projectionLine(p, last, unit), opts.Width))
	}
	fmt.Fprintln(bw, fit(FloorText(res.Floor, unit), opts.Width))
	fmt.Fprintln(bw)
	if len(res.Sites) == 0 {
		fmt.Fprintln(bw, "no sites")
		return bw.Flush()
	}

	head := []string{"RANK", "VERDICT", "GROWTH/LC", "TOTAL", "FIT", "TREND", "SITE"}
	right := []bool{true, false, true, true, true, false, false}
	rows := make([][]string, len(res.Sites))
	colored := make([][]string, len(res.Sites))
	names := dumpdiff.DistinctTitles(len(res.Sites), func(i int) dumpdiff.Site { return res.Sites[i].Site })
	for i, s := range res.Sites {
		growth := FormatSignedQuantity(s.Growth, unit) + "/lc"
		total := markTotal(s, unit)
		rows[i] = []string{strconv.Itoa(s.Rank), string(s.Verdict), growth, total,
			strconv.FormatFloat(s.R2, 'f', 2, 64), Sparkline(s.Values), clean(names[i])}
		colored[i] = []string{rows[i][0], ts.word(string(s.Verdict)), ts.signed(s.Growth, growth),
			ts.signed(float64(s.TotalGrowth), total), rows[i][4], rows[i][5], rows[i][6]}
	}
	writeAligned(bw, head, right, rows, colored, opts.Width, ts, 4, 3, 5)
	if note := SignNote(res.Sites); note != "" {
		fmt.Fprintf(bw, "%s\n", ts.render(func(t *tableStyles) lipgloss.Style { return t.dim }, fit(note, opts.Width)))
	}
	if res.SiteCount > len(res.Sites) {
		fmt.Fprintf(bw, "%s\n", ts.render(func(t *tableStyles) lipgloss.Style { return t.dim },
			fit(fmt.Sprintf("%d of %d sites; --top 0 shows all", len(res.Sites), res.SiteCount), opts.Width)))
	}
	return bw.Flush()
}

// rssLine puts the process's resident memory (heaptrack samples it) beside
// the traced total: "rss 31.4 MiB → 70.0 MiB, +5.4 MiB per lifecycle
// (traced: 77% of its growth)". It is "" unless every snapshot has an RSS.
func rssLine(res *dumpdiff.TrendResult) string {
	if !res.RSSKnown() {
		return ""
	}
	first, last := rssRange(res.Snapshots)
	line := fmt.Sprintf("rss %s → %s, %s per lifecycle", FormatQuantity(float64(first), "bytes"), FormatQuantity(float64(last), "bytes"),
		FormatSignedQuantity(res.Total.RSSGrowth, "bytes"))
	if share := tracedShare(res); share != "" {
		line += " (traced: " + share + " of its growth)"
	}
	return line
}

// rssRange is the first and last snapshot's RSS.
func rssRange(snaps []dumpdiff.SnapshotInfo) (first, last int64) {
	return snaps[0].RSS, snaps[len(snaps)-1].RSS
}

// tracedShare is how much of the RSS growth per lifecycle the traced
// total's growth accounts for, "77%"; "" when the metric is not bytes or RSS
// does not grow.
func tracedShare(res *dumpdiff.TrendResult) string {
	if res.Metric.Unit != "bytes" || res.Total.RSSGrowth <= 0 {
		return ""
	}
	return strconv.FormatFloat(100*res.Total.Growth/res.Total.RSSGrowth, 'f', 0, 64) + "%"
}

func projectionLine(p *dumpdiff.Projection, last int64, unit string) string {
	limit := FormatQuantity(float64(p.Limit), unit)
	switch {
	case last >= p.Limit:
		return fmt.Sprintf("limit %s: already reached (total %s)", limit, FormatQuantity(float64(last), unit))
	case !p.Growing || math.IsInf(p.Lifecycles, 1):
		return fmt.Sprintf("limit %s: not reached, the total is not growing", limit)
	}
	return fmt.Sprintf("limit %s: reached in %.1f more lifecycles", limit, p.Lifecycles)
}

// seriesFormat is the snapshots' common format, or "mixed formats".
func seriesFormat(snaps []dumpdiff.SnapshotInfo) string {
	if len(snaps) == 0 {
		return "no snapshots"
	}
	f := snaps[0].Format
	for _, s := range snaps[1:] {
		if s.Format != f {
			return "mixed formats"
		}
	}
	return string(f)
}

// writeTrendTSV writes one header row and one row per site. The last
// column repeats the leak floor on every row (0: off), so a program reading
// any row knows what separated leak from creep.
func writeTrendTSV(w io.Writer, res *dumpdiff.TrendResult) {
	fmt.Fprintln(w, "rank\tverdict\tgrowth_per_lifecycle\ttotal_growth\tr2\tmk_p\tmonotonic\ttitle\tkey\tmin_growth_per_lifecycle")
	floor := formatFloat(res.Floor.PerLifecycle)
	for _, s := range res.Sites {
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Rank, s.Verdict, formatFloat(s.Growth), s.TotalGrowth,
			formatFloat(s.R2), formatFloat(s.MKP), formatFloat(s.Monotonic), clean(s.Title), clean(s.Key), floor)
	}
}

// WriteCompareTable writes a pair diff as a table of its sites.
func WriteCompareTable(w io.Writer, res *dumpdiff.CompareResult, opts TableOptions) error {
	bw := bufio.NewWriter(w)
	if !opts.Aligned {
		fmt.Fprintln(bw, "rank\tstatus\tbase\ttarget\tdelta\tdelta_pct\ttitle\tkey")
		for _, s := range res.Sites {
			fmt.Fprintf(bw, "%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Rank, s.Status, s.Base, s.Target, s.Delta,
				formatFloat(s.DeltaPct), clean(s.Title), clean(s.Key))
		}
		return bw.Flush()
	}
	ts := newTableStyles(opts.Color)
	unit := res.Metric.Unit
	fmt.Fprintf(bw, "%s\n", ts.render(func(t *tableStyles) lipgloss.Style { return t.header },
		fit(fmt.Sprintf("%s → %s, metric %s (%s), by %s", clean(filepath.Base(res.Base.Path)), clean(filepath.Base(res.Target.Path)),
			clean(res.Metric.Name), clean(unit), res.GroupBy), opts.Width)))
	delta := float64(res.Target.Total - res.Base.Total)
	totalLine := fmt.Sprintf("total %s → %s (%s)", FormatQuantity(float64(res.Base.Total), unit),
		FormatQuantity(float64(res.Target.Total), unit), FormatSignedQuantity(delta, unit))
	if res.Normalized {
		totalLine += "; base scaled to the target's total"
	}
	fmt.Fprintf(bw, "%s\n\n", fit(totalLine, opts.Width))
	if len(res.Sites) == 0 {
		fmt.Fprintln(bw, "no sites")
		return bw.Flush()
	}
	head := []string{"RANK", "STATUS", "BASE", "TARGET", "DELTA", "DELTA%", "SITE"}
	right := []bool{true, false, true, true, true, true, false}
	rows := make([][]string, len(res.Sites))
	colored := make([][]string, len(res.Sites))
	names := dumpdiff.DistinctTitles(len(res.Sites), func(i int) dumpdiff.Site { return res.Sites[i].Site })
	for i, s := range res.Sites {
		d := FormatSignedQuantity(float64(s.Delta), unit)
		rows[i] = []string{strconv.Itoa(s.Rank), string(s.Status), FormatQuantity(float64(s.Base), unit),
			FormatQuantity(float64(s.Target), unit), d, FormatPct(s.DeltaPct), clean(names[i])}
		colored[i] = slices.Clone(rows[i])
		colored[i][1] = ts.word(string(s.Status))
		colored[i][4] = ts.signed(float64(s.Delta), d)
	}
	writeAligned(bw, head, right, rows, colored, opts.Width, ts, 5, 2)
	if res.SiteCount > len(res.Sites) {
		fmt.Fprintf(bw, "%s\n", ts.render(func(t *tableStyles) lipgloss.Style { return t.dim },
			fit(fmt.Sprintf("%d of %d sites; --top 0 shows all", len(res.Sites), res.SiteCount), opts.Width)))
	}
	return bw.Flush()
}

// writeAligned pads plain cells to the widest cell of each column and
// prints the coloured ones. The last column (the site) is cut to fit width;
// when even a short site would not fit, the columns listed in drop go first,
// in that order.
func writeAligned(w io.Writer, head []string, right []bool, rows, colored [][]string, width int, ts *tableStyles, drop ...int) {
	const minSite = 16
	widths := make([]int, len(head))
	for i, h := range head {
		widths[i] = ansi.StringWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	lastCol := len(head) - 1
	shown := make([]bool, len(head))
	used := 0
	for i := range lastCol {
		shown[i] = true
		used += widths[i] + 2
	}
	shown[lastCol] = true
	for _, d := range drop {
		if width <= 0 || width-used >= minSite {
			break
		}
		shown[d] = false
		used -= widths[d] + 2
	}
	siteWidth := 0 // unlimited
	if width > 0 {
		siteWidth = max(width-used, 1)
	}
	line := func(plain, cells []string, style func(string) string) {
		var b strings.Builder
		for i := range plain {
			if !shown[i] {
				continue
			}
			cell := cells[i]
			pad := widths[i] - ansi.StringWidth(plain[i])
			if i == lastCol {
				if siteWidth > 0 && ansi.StringWidth(plain[i]) > siteWidth {
					cell = ansi.Truncate(cell, siteWidth, "…")
				}
				b.WriteString(cell)
				break
			}
			if right[i] {
				b.WriteString(strings.Repeat(" ", pad))
				b.WriteString(cell)
			} else {
				b.WriteString(cell)
				b.WriteString(strings.Repeat(" ", pad))
			}
			b.WriteString("  ")
		}
		fmt.Fprintln(w, style(strings.TrimRight(b.String(), " ")))
	}
	line(head, head, func(s string) string {
		return ts.render(func(t *tableStyles) lipgloss.Style { return t.header }, s)
	})
	for i := range rows {
		line(rows[i], colored[i], func(s string) string { return s })
	}
}

// fit cuts a summary line to the terminal width (0: no limit).
func fit(s string, width int) string {
	if width > 0 && ansi.StringWidth(s) > width {
		return ansi.Truncate(s, width, "…")
	}
	return s
}
