package tui

import (
	"fmt"
	"strconv"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// shownResult is one result as the sites screen holds it: the result, its
// sites' shared part (dumpdiff.Site) once, their names, and its kind, which
// the screen asks only for what differs between a trend and a pair diff.
type shownResult struct {
	res   dumpdiff.Result
	kind  kind
	sites []dumpdiff.Site
	names []string // siteNames, nil unless grouped by stack
}

// newShown holds res (a *dumpdiff.TrendResult or *dumpdiff.CompareResult)
// for the screen. It reads every site once, so it runs in the command that
// computed res, off the Update loop.
func newShown(res dumpdiff.Result) *shownResult {
	sh := &shownResult{res: res, sites: make([]dumpdiff.Site, res.Len()), names: siteNames(res)}
	for i := range sh.sites {
		sh.sites[i] = res.SiteAt(i)
	}
	switch r := res.(type) {
	case *dumpdiff.TrendResult:
		sh.kind = trendKind{r}
	case *dumpdiff.CompareResult:
		sh.kind = pairKind{r}
	}
	return sh
}

// kind is what differs between a trend and a pair diff on screen: the
// table's columns, each site's class (verdict or pair status) and the value
// the call tree sums, the position line's note, and the detail's statistics
// and chart. Everything else goes by the shared dumpdiff.Site.
type kind interface {
	// columns are the table's columns at width, the sites named by names.
	columns(names []string, width int, st Styles) []Column
	// class is site i's verdict or status; classes lists them all, in the
	// order v cycles them; classWord names them ("verdict", "status").
	class(i int) string
	classes() []string
	classWord() string
	// verdict is site i's verdict, "" when the kind has none (a pair).
	verdict(i int) dumpdiff.Verdict
	// treeValue is what the call tree and the flame graph sum for site i,
	// per treeSuffix ("/lc" for growth per lifecycle, "" for a delta).
	treeValue(i int) float64
	treeSuffix() string
	// note is the position line's word on site i, "" for none.
	note(i int) string
	// subset is the result with only the sites items, in that order.
	subset(items []int) dumpdiff.Result
	// detail is what the detail screen shows of site i beside its Site.
	detail(i int, st Styles) detailKind
	// facts are what the result says as a whole, for the header line of a
	// screen w cells wide.
	facts(w int, st Styles) []string
}

// detailKind is the kind's part of a site's detail screen.
type detailKind struct {
	class      string
	badge      lipgloss.Style
	stats      [][2]string // key, value
	chartTitle string
	values     []int64
	labels     []string // per value: the snapshot's name, with its role in a pair
}

// trendKind is a trend's part: verdicts, growth per lifecycle.
type trendKind struct{ r *dumpdiff.TrendResult }

// facts: the total's growth, the RSS's (heaptrack samples how much the whole
// process grew), the projection to --limit and the leak floor.
func (k trendKind) facts(int, Styles) []string {
	t, unit := k.r, k.r.Metric.Unit
	parts := []string{"total " + formatGrowth(t.Total.Growth, unit, "/lc")}
	if t.RSSKnown() {
		parts = append(parts, "rss "+formatGrowth(t.Total.RSSGrowth, "bytes", "/lc"))
	}
	if pr := t.Projection; pr != nil {
		parts = append(parts, "limit "+report.FormatQuantity(float64(pr.Limit), unit)+" "+formatLifecycles(pr.Lifecycles))
	}
	return append(parts, floorPart(t.Floor, unit))
}

func (k trendKind) columns(names []string, width int, st Styles) []Column {
	return trendColumns(k.r, names, width, st)
}
func (k trendKind) class(i int) string             { return string(k.r.Sites[i].Verdict) }
func (k trendKind) classWord() string              { return "verdict" }
func (k trendKind) verdict(i int) dumpdiff.Verdict { return k.r.Sites[i].Verdict }
func (k trendKind) treeValue(i int) float64        { return k.r.Sites[i].Growth }
func (k trendKind) treeSuffix() string             { return "/lc" }

func (k trendKind) classes() []string {
	out := make([]string, len(dumpdiff.Verdicts))
	for i, v := range dumpdiff.Verdicts {
		out[i] = string(v)
	}
	return out
}

// note says why the table marks a total whose sign disagrees with the
// growth, for the site under the cursor.
func (k trendKind) note(i int) string { return report.SignNote(k.r.Sites[i : i+1]) }

func (k trendKind) subset(items []int) dumpdiff.Result {
	t := *k.r
	t.Sites = make([]dumpdiff.TrendSite, len(items))
	for j, i := range items {
		t.Sites[j] = k.r.Sites[i]
	}
	return &t
}

func (k trendKind) detail(i int, st Styles) detailKind {
	t, unit := &k.r.Sites[i], k.r.Metric.Unit
	d := detailKind{class: string(t.Verdict), badge: st.Verdicts[t.Verdict], chartTitle: "Value per lifecycle", values: t.Values,
		stats: [][2]string{
			{"growth", formatGrowth(t.Growth, unit, "/lc")},
			{"total", formatSigned(t.TotalGrowth, unit)},
			{"r²", strconv.FormatFloat(t.R2, 'f', 3, 64)},
			{"Mann–Kendall p", formatP(t.MKP)},
			{"monotonic", fmt.Sprintf("%.0f%%", t.Monotonic*100)},
			{"verdict", string(t.Verdict)},
		}}
	d.labels = make([]string, len(t.Values))
	for j := range d.labels {
		if j < len(k.r.Snapshots) {
			d.labels[j] = snapLabel(k.r.Snapshots, j)
		}
	}
	return d
}

// pairKind is a pair diff's part: statuses, deltas, no verdicts.
type pairKind struct{ r *dumpdiff.CompareResult }

// facts: the pair, its lifecycles named by their files (shortened in the
// middle when the line is short; the pick list has them whole) and the
// change of the total.
func (k pairKind) facts(w int, st Styles) []string {
	p := k.r
	delta := "Δ total " + formatSigned(p.Target.Total-p.Base.Total, p.Metric.Unit)
	b, t := baseName(p.Base.Path), baseName(p.Target.Path)
	if room := w - ansi.StringWidth(delta) - len("pair · base  → target  · by category"); ansi.StringWidth(b+t) > room {
		each := max(room/2, 5)
		b, t = truncMiddle(b, each), truncMiddle(t, each)
	}
	return []string{st.Section.Render("pair"), "base " + b + " → target " + t, delta}
}

func (k pairKind) columns(names []string, width int, st Styles) []Column {
	return pairColumns(k.r, names, width, st)
}
func (k pairKind) class(i int) string           { return string(k.r.Sites[i].Status) }
func (k pairKind) classWord() string            { return "status" }
func (k pairKind) verdict(int) dumpdiff.Verdict { return "" }
func (k pairKind) treeValue(i int) float64      { return float64(k.r.Sites[i].Delta) }
func (k pairKind) treeSuffix() string           { return "" }
func (k pairKind) note(int) string              { return "" }

func (k pairKind) classes() []string {
	out := make([]string, len(pairStatuses))
	for i, s := range pairStatuses {
		out[i] = string(s)
	}
	return out
}

func (k pairKind) subset(items []int) dumpdiff.Result {
	c := *k.r
	c.Sites = make([]dumpdiff.PairSite, len(items))
	for j, i := range items {
		c.Sites[j] = k.r.Sites[i]
	}
	return &c
}

func (k pairKind) detail(i int, st Styles) detailKind {
	p, unit := &k.r.Sites[i], k.r.Metric.Unit
	snaps := k.r.Sources()
	return detailKind{class: string(p.Status), badge: st.Statuses[p.Status], chartTitle: "Base and target",
		values: []int64{p.Base, p.Target},
		labels: []string{"base " + snapLabel(snaps, 0), "target " + snapLabel(snaps, 1)},
		stats: [][2]string{
			{"base", formatValue(p.Base, unit)},
			{"target", formatValue(p.Target, unit)},
			{"delta", formatSigned(p.Delta, unit)},
			{"delta %", report.FormatPct(p.DeltaPct)},
			{"status", string(p.Status)},
		}}
}

// pairStatuses are the pair statuses in the order v cycles them.
var pairStatuses = []dumpdiff.PairStatus{dumpdiff.StatusGrown, dumpdiff.StatusNew,
	dumpdiff.StatusShrunk, dumpdiff.StatusGone, dumpdiff.StatusUnchanged}
