package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// HTMLOptions tune WriteTrendHTML.
type HTMLOptions struct {
	// Charts is how many top sites get a line chart; 0 means 12, negative none.
	Charts int
	// Title heads the page; empty means "dumpdiff trend report" or
	// "dumpdiff compare report".
	Title string
}

// defaultCharts is how many site charts a report draws by default: enough for
// the leaks and the decoys next to them, few enough to print.
const defaultCharts = 12

//go:embed html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every name from a dump.
var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// verdictColors are the chart and badge colours per verdict. Every badge also
// spells the verdict, so nothing relies on colour alone.
var verdictColors = map[dumpdiff.Verdict]string{
	dumpdiff.VerdictLeak:      "#c62828",
	dumpdiff.VerdictCreep:     "#ad1457",
	dumpdiff.VerdictPlateau:   "#b26a00",
	dumpdiff.VerdictSteady:    "#1f4e79",
	dumpdiff.VerdictNoise:     "#6b7280",
	dumpdiff.VerdictShrinking: "#2e7d32",
	dumpdiff.VerdictNew:       "#6a1b9a",
	dumpdiff.VerdictGone:      "#455a64",
}

func verdictColor(v dumpdiff.Verdict) string {
	if c, ok := verdictColors[v]; ok {
		return c
	}
	return "#6b7280"
}

// htmlPage is what the template renders.
type htmlPage struct {
	Title      string
	Metric     string
	Series     string
	Floor      string // the leak floor, stated under the title
	SignNote   string // why marked total growths differ in sign, "" when none is
	Cards      []htmlCard
	TotalChart svgChart
	Sites      []htmlSite
	Hidden     int // sites the engine cut with --top
	Charts     []htmlSiteChart
	Snapshots  []htmlSnapshot
	Warnings   []string
}

type htmlCard struct {
	Label, Value, Note string
	Alert              bool
}

type htmlSite struct {
	Rank        int
	Anchor      string // id of its chart, empty when it has none
	Verdict     string
	Color       string
	Growth      string
	TotalGrowth string
	R2, MKP     string
	Spark       svgChart
	Title       string
	Where       string
	Category    string
}

type htmlSiteChart struct {
	Site   htmlSite
	Chart  svgChart
	Frames []htmlFrame
	First  string
	Last   string
}

type htmlFrame struct{ Function, Where string }

type htmlSnapshot struct {
	Lifecycle int
	Path      string
	Format    string
	Total     string
}

// WriteTrendHTML writes res as one self-contained HTML page: the series
// summary, a chart of the process total, the ranked table with a sparkline per
// site, and a line chart of each top site's value across lifecycles. Styles
// and charts are inline (CSS and SVG), so the page makes no network requests,
// works offline, and prints (a print style sheet keeps charts whole).
func WriteTrendHTML(w io.Writer, res *dumpdiff.TrendResult, opts HTMLOptions) error {
	unit := res.Metric.Unit
	nCharts := opts.Charts
	switch {
	case nCharts == 0:
		nCharts = defaultCharts
	case nCharts < 0:
		nCharts = 0
	}
	page := htmlPage{
		Title:    opts.Title,
		Metric:   metricLabel(res.Metric),
		Series:   seriesSummary(res.Snapshots),
		Floor:    FloorText(res.Floor, unit),
		SignNote: SignNote(res.Sites),
		Hidden:   max(0, res.SiteCount-len(res.Sites)),
	}
	if page.Title == "" {
		page.Title = "dumpdiff trend report"
	}
	lifecycles := make([]int, len(res.Snapshots))
	for i, s := range res.Snapshots {
		lifecycles[i] = s.Lifecycle
		page.Snapshots = append(page.Snapshots, htmlSnapshot{
			Lifecycle: s.Lifecycle, Path: clean(s.Path), Format: string(s.Format),
			Total: FormatQuantity(float64(s.Total), unit),
		})
	}

	leaks, creeps := 0, 0
	var leakGrowth float64
	for _, s := range res.Sites {
		switch s.Verdict {
		case dumpdiff.VerdictLeak:
			leaks++
			leakGrowth += s.Growth
		case dumpdiff.VerdictCreep:
			creeps++
		}
	}
	page.Cards = append(page.Cards, htmlCard{Label: "Snapshots", Value: strconv.Itoa(len(res.Snapshots)), Note: lifecycleRange(res.Snapshots)})
	if v := res.Total.Values; len(v) > 0 {
		page.Cards = append(page.Cards, htmlCard{Label: "Total", Value: FormatQuantity(float64(v[len(v)-1]), unit),
			Note: "from " + FormatQuantity(float64(v[0]), unit)})
	}
	page.Cards = append(page.Cards, htmlCard{Label: "Total growth", Value: FormatSignedQuantity(res.Total.Growth, unit),
		Note: "per lifecycle", Alert: res.Total.Growth > 0})
	if res.RSSKnown() {
		first, last := rssRange(res.Snapshots)
		note := "from " + FormatQuantity(float64(first), "bytes") + ", " + FormatSignedQuantity(res.Total.RSSGrowth, "bytes") + " per lifecycle"
		if share := tracedShare(res); share != "" {
			note += "; traced: " + share + " of its growth"
		}
		page.Cards = append(page.Cards, htmlCard{Label: "Resident (RSS)", Value: FormatQuantity(float64(last), "bytes"), Note: note})
	}
	leakNote := "none found"
	if leaks > 0 {
		leakNote = FormatSignedQuantity(leakGrowth, unit) + " per lifecycle"
	}
	if creeps > 0 {
		// Trends under the floor: real, too small to count as leaks.
		leakNote += fmt.Sprintf("; %d creep%s under the floor", creeps, plural(creeps))
	}
	page.Cards = append(page.Cards, htmlCard{Label: "Leaking sites", Value: strconv.Itoa(leaks), Note: leakNote, Alert: leaks > 0})
	if p := res.Projection; p != nil {
		value := "never"
		switch {
		case p.Lifecycles < 0:
			value = "exceeded"
		case p.Growing && !math.IsInf(p.Lifecycles, 1) && !math.IsNaN(p.Lifecycles):
			value = strconv.FormatFloat(math.Floor(p.Lifecycles), 'f', 0, 64) + " lifecycles"
		}
		page.Cards = append(page.Cards, htmlCard{Label: "Until " + FormatQuantity(float64(p.Limit), unit), Value: value,
			Note: projectionText(p, unit), Alert: p.Growing})
	}
	page.TotalChart = lineChart(res.Total.Values, lifecycles, unit, 960, 220, "#1f4e79", "process total per lifecycle")

	names := trendTitles(res.Sites)
	for i, s := range res.Sites {
		hs := htmlSite{
			Rank: s.Rank, Verdict: string(s.Verdict), Color: verdictColor(s.Verdict),
			Growth:      FormatSignedQuantity(s.Growth, unit),
			TotalGrowth: markTotal(s, unit),
			R2:          formatR2(s.R2), MKP: formatP(s.MKP),
			Spark:    sparkChart(s.Values, 96, 24, verdictColor(s.Verdict)),
			Title:    clean(names[i]),
			Where:    clean(siteWhere(s.Frames)),
			Category: clean(s.Category),
		}
		if hs.Category == hs.Title {
			hs.Category = "" // grouped by category: the title already says it
		}
		if i < nCharts {
			hs.Anchor = "site-" + strconv.Itoa(s.Rank)
			sc := htmlSiteChart{
				Site:  hs,
				Chart: lineChart(s.Values, lifecycles, unit, 560, 200, hs.Color, "value of "+hs.Title+" per lifecycle"),
			}
			if len(s.Values) > 0 {
				sc.First = FormatQuantity(float64(s.Values[0]), unit)
				sc.Last = FormatQuantity(float64(s.Values[len(s.Values)-1]), unit)
			}
			for _, f := range s.Frames {
				sc.Frames = append(sc.Frames, htmlFrame{Function: clean(frameName(f)), Where: clean(frameWhere(f))})
			}
			page.Charts = append(page.Charts, sc)
		}
		page.Sites = append(page.Sites, hs)
	}
	for _, e := range res.Warnings {
		page.Warnings = append(page.Warnings, clean(e.Error()))
	}
	return htmlTemplate.ExecuteTemplate(w, "trend", page)
}

// lifecycleRange reads "lifecycles 0–5".
func lifecycleRange(snaps []dumpdiff.SnapshotInfo) string {
	if len(snaps) == 0 {
		return ""
	}
	return fmt.Sprintf("lifecycles %d–%d", snaps[0].Lifecycle, snaps[len(snaps)-1].Lifecycle)
}

// formatP prints a p-value with two significant digits.
func formatP(p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return "–"
	}
	if p < 0.0001 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// frameWhere is a frame's base file name and line, else its module.
func frameWhere(f dumpdiff.Frame) string {
	if fl := fileLine(f); fl != "" {
		return filepath.Base(fl)
	}
	return f.Module
}

// htmlComparePage is what the compare template renders.
type htmlComparePage struct {
	Title, Metric, Base, Target string
	Normalized                  bool
	Cards                       []htmlCard
	Sites                       []htmlPairSite
	Hidden                      int
	Warnings                    []string
}

type htmlPairSite struct {
	Rank                          int
	Status                        string
	Base, Target, Delta, DeltaPct string
	Bar                           *htmlBar
	Title, Where, Category        string
	Frames                        []htmlFrame
}

// htmlBar is a delta bar in a 170-unit-wide box centred on 85.
type htmlBar struct {
	X, W  float64
	Color string
}

// WriteCompareHTML writes a pair diff as one self-contained HTML page: the
// two snapshots and their totals, and the ranked table of sites with a bar
// per site showing its delta (growth red, right; shrinkage green, left) and
// its call stack. Like WriteTrendHTML it makes no network requests.
func WriteCompareHTML(w io.Writer, res *dumpdiff.CompareResult, opts HTMLOptions) error {
	unit := res.Metric.Unit
	page := htmlComparePage{
		Title: opts.Title, Metric: metricLabel(res.Metric),
		Base: clean(res.Base.Path), Target: clean(res.Target.Path), Normalized: res.Normalized,
		Hidden: max(0, res.SiteCount-len(res.Sites)),
	}
	if page.Title == "" {
		page.Title = "dumpdiff compare report"
	}
	delta := res.Target.Total - res.Base.Total
	var grown, added int
	var maxAbs int64
	for _, s := range res.Sites {
		maxAbs = max(maxAbs, s.Delta, -s.Delta)
		switch s.Status {
		case dumpdiff.StatusGrown:
			grown++
		case dumpdiff.StatusNew:
			added++
		}
	}
	page.Cards = []htmlCard{
		{Label: "Base", Value: FormatQuantity(float64(res.Base.Total), unit), Note: filepath.Base(page.Base)},
		{Label: "Target", Value: FormatQuantity(float64(res.Target.Total), unit), Note: filepath.Base(page.Target)},
		{Label: "Delta", Value: FormatSignedQuantity(float64(delta), unit), Note: pctNote(delta, res.Base.Total), Alert: delta > 0},
		{Label: "Grown / new sites", Value: strconv.Itoa(grown) + " / " + strconv.Itoa(added), Note: "of " + strconv.Itoa(len(res.Sites)) + " shown"},
	}
	names := compareTitles(res.Sites)
	for i, s := range res.Sites {
		hs := htmlPairSite{
			Rank: s.Rank, Status: string(s.Status),
			Base: FormatQuantity(float64(s.Base), unit), Target: FormatQuantity(float64(s.Target), unit),
			Delta: FormatSignedQuantity(float64(s.Delta), unit), DeltaPct: FormatPct(s.DeltaPct),
			Title: clean(names[i]), Where: clean(siteWhere(s.Frames)), Category: clean(s.Category),
		}
		if maxAbs > 0 && s.Delta != 0 {
			wd := max(1, round2(float64(abs64(s.Delta))/float64(maxAbs)*84))
			hs.Bar = &htmlBar{X: 85, W: wd, Color: verdictColor(dumpdiff.VerdictLeak)}
			if s.Delta < 0 {
				hs.Bar = &htmlBar{X: round2(85 - wd), W: wd, Color: verdictColor(dumpdiff.VerdictShrinking)}
			}
		}
		if hs.Category == hs.Title {
			hs.Category = ""
		}
		for _, f := range s.Frames {
			hs.Frames = append(hs.Frames, htmlFrame{Function: clean(frameName(f)), Where: clean(frameWhere(f))})
		}
		page.Sites = append(page.Sites, hs)
	}
	for _, e := range res.Warnings {
		page.Warnings = append(page.Warnings, clean(e.Error()))
	}
	return htmlTemplate.ExecuteTemplate(w, "compare", page)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// pctNote reads "+40.0% of base".
func pctNote(delta, base int64) string {
	if base == 0 {
		return "base is empty"
	}
	return FormatPct(float64(delta)/float64(base)*100) + " of base"
}
