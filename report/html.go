package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// HTMLOptions tune WriteTrendHTML and WriteCompareHTML.
type HTMLOptions struct {
	// Charts is how many sites get a line chart; 0 means 12, negative none.
	Charts int
	// Title heads the page; empty means "dumpdiff trend report" or
	// "dumpdiff compare report".
	Title string
	// Top is how many of the highest-ranked sites the table lists; 0 lists
	// every site of the result (at most maxTableRows). The flame graph
	// draws every site of the result, so a front end that wants it whole
	// passes every site and cuts the table here.
	Top int
	// Provenance says where the report came from; zero fields are left out.
	Provenance Provenance
}

// defaultCharts is how many site charts a report draws by default: enough for
// the leaks and the decoys next to them, few enough to print.
const defaultCharts = 12

// maxTableRows caps the sites table: a page of tens of thousands of rows,
// each with its sparkline, would take seconds to open and megabytes to
// keep. The CSV and JSON exports list every site.
const maxTableRows = 500

// How many cells a name gets before it is shortened (ShortName); the
// page shows the whole name on hover.
const (
	tableNameCells = 90
	chartNameCells = 72
	frameNameCells = 110
)

//go:embed html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every name from a dump.
var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

//go:embed flame.js
var flameScript string

// flameScriptHash lets the page's Content-Security-Policy allow exactly the
// flame graph's script and nothing else.
var flameScriptHash = func() string {
	sum := sha256.Sum256([]byte(flameScript))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

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
	Provenance htmlProvenance
	Verdicts   []htmlVerdict // the legend: verdicts in the table
	Statistics []legendEntry // the legend: the table's columns
	Cards      []htmlCard
	TotalChart svgChart
	Sites      []htmlSite
	Hidden     int    // sites the engine cut with --top
	RowCap     string // says the table was cut at maxTableRows, "" when not
	Charts     []htmlSiteChart
	Flame      *flameData
	FlameNote  string
	Script     template.JS // the flame graph's script, when there is one
	ScriptHash string      // its hash for the Content-Security-Policy
	Snapshots  []htmlSnapshot
	SnapTimes  bool // some snapshot records its time
	SnapPIDs   bool // some snapshot records its pid
	SnapRSS    bool // every snapshot records the process's RSS
	Warnings   []string
}

type htmlCard struct {
	Label, Value, Note string
	Alert              bool
}

// htmlVerdict is a verdict's line in the legend.
type htmlVerdict struct {
	Verdict, Color, Meaning string
	Count                   int
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
	Title       string // shortened to fit (ShortTitle)
	FullTitle   string // the whole name, for hover; "" when Title is whole
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

// htmlFrame is one frame of a call stack: its function shortened to fit,
// the whole name when that was cut, and its file:line or module.
type htmlFrame struct{ Function, Full, Where string }

type htmlSnapshot struct {
	Lifecycle int
	Path      string
	Format    string
	Time      string
	PID       string
	Total     string
	RSS       string
}

// WriteTrendHTML writes res as one self-contained HTML page: where the
// report came from, the series summary and a legend, a chart of the process
// total, the ranked table with a sparkline per site, a line chart of each
// site that matters (leaks, plateaus and creeps, then the largest changes),
// a flame graph of growth per lifecycle by call path, and the snapshots.
// Styles, charts and the flame graph's script are inline, and the page's
// Content-Security-Policy allows nothing else: it makes no network
// requests, works from a file, and prints (a print style sheet keeps charts
// whole).
func WriteTrendHTML(w io.Writer, res *dumpdiff.TrendResult, opts HTMLOptions) error {
	unit := res.Metric.Unit
	n := len(res.Sites)
	if opts.Top > 0 {
		n = min(n, opts.Top)
	}
	shown := make([]dumpdiff.TrendSite, min(n, maxTableRows))
	for i := range shown {
		shown[i] = res.Site(i) // whole, when the result is streamed
	}
	page := htmlPage{
		Title:      opts.Title,
		Metric:     metricLabel(res.Metric),
		Series:     seriesSummary(res.Snapshots),
		Floor:      FloorText(res.Floor, unit),
		SignNote:   SignNote(res.Sites[:n]),
		Provenance: newHTMLProvenance(opts.Provenance, res.Snapshots),
		Verdicts:   legendVerdicts(res.Sites[:n]),
		Statistics: trendStatistics,
		Cards:      trendCards(res),
		Hidden:     max(0, res.SiteCount-n),
	}
	if page.Title == "" {
		page.Title = "dumpdiff trend report"
	}
	if n > maxTableRows {
		page.RowCap = fmt.Sprintf("The table lists the first %d of these %d sites; --format csv or json lists every one.", maxTableRows, n)
	}
	page.Snapshots, page.SnapTimes, page.SnapPIDs, page.SnapRSS = htmlSnapshots(res)
	lifecycles := make([]int, len(res.Snapshots))
	for i, s := range res.Snapshots {
		lifecycles[i] = s.Lifecycle
	}
	page.TotalChart = lineChart(res.Total.Values, lifecycles, unit, 960, 220, "#1f4e79", "process total per lifecycle")

	names := dumpdiff.DistinctTitles(len(shown), func(i int) dumpdiff.Site { return shown[i].Site })
	charted := chartSites(shown, chartCount(opts.Charts), res.Floor.PerLifecycle)
	for i, s := range shown {
		page.Sites = append(page.Sites, newHTMLSite(s, names[i], unit))
	}
	for _, i := range charted {
		page.Sites[i].Anchor = "site-" + strconv.Itoa(shown[i].Rank)
		page.Charts = append(page.Charts, newHTMLSiteChart(page.Sites[i], shown[i], lifecycles, unit))
	}
	if page.Flame = flameGraph(res); page.Flame != nil {
		page.Script, page.ScriptHash = template.JS(flameScript), flameScriptHash
		page.FlameNote = flameNote(page.Flame, len(res.Sites), res.SiteCount)
	}
	for _, e := range res.Warnings {
		page.Warnings = append(page.Warnings, clean(e.Error()))
	}
	return htmlTemplate.ExecuteTemplate(w, "trend", page)
}

// chartCount is how many site charts HTMLOptions.Charts asks for.
func chartCount(n int) int {
	switch {
	case n == 0:
		return defaultCharts
	case n < 0:
		return 0
	}
	return n
}

// trendCards are the summary cards under the header.
func trendCards(res *dumpdiff.TrendResult) []htmlCard {
	unit := res.Metric.Unit
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
	cards := []htmlCard{{Label: "Snapshots", Value: strconv.Itoa(len(res.Snapshots)), Note: lifecycleRange(res.Snapshots)}}
	if v := res.Total.Values; len(v) > 0 {
		cards = append(cards, htmlCard{Label: "Total", Value: FormatQuantity(float64(v[len(v)-1]), unit),
			Note: "from " + FormatQuantity(float64(v[0]), unit)})
	}
	cards = append(cards, htmlCard{Label: "Total growth", Value: FormatSignedQuantity(res.Total.Growth, unit),
		Note: "per lifecycle", Alert: res.Total.Growth > 0})
	if res.RSSKnown() {
		first, last := rssRange(res.Snapshots)
		note := "from " + FormatQuantity(float64(first), "bytes") + ", " + FormatSignedQuantity(res.Total.RSSGrowth, "bytes") + " per lifecycle"
		if share := tracedShare(res); share != "" {
			note += "; traced: " + share + " of its growth"
		}
		cards = append(cards, htmlCard{Label: "Resident (RSS)", Value: FormatQuantity(float64(last), "bytes"), Note: note})
	}
	leakNote := "none found"
	if leaks > 0 {
		leakNote = FormatSignedQuantity(leakGrowth, unit) + " per lifecycle"
	}
	if creeps > 0 {
		// Trends under the floor: real, too small to count as leaks.
		leakNote += fmt.Sprintf("; %d creep%s under the floor", creeps, plural(creeps))
	}
	cards = append(cards, htmlCard{Label: "Leaking sites", Value: strconv.Itoa(leaks), Note: leakNote, Alert: leaks > 0})
	if p := res.Projection; p != nil {
		value := "never"
		switch {
		case p.Lifecycles < 0:
			value = "exceeded"
		case p.Growing && !math.IsInf(p.Lifecycles, 1) && !math.IsNaN(p.Lifecycles):
			value = strconv.FormatFloat(math.Floor(p.Lifecycles), 'f', 0, 64) + " lifecycles"
		}
		cards = append(cards, htmlCard{Label: "Until " + FormatQuantity(float64(p.Limit), unit), Value: value,
			Note: projectionText(p, unit), Alert: p.Growing})
	}
	return cards
}

// legendVerdicts are the legend's verdict lines: those of the sites shown,
// with how many sites have each.
func legendVerdicts(sites []dumpdiff.TrendSite) []htmlVerdict {
	counts := map[dumpdiff.Verdict]int{}
	for _, s := range sites {
		counts[s.Verdict]++
	}
	var out []htmlVerdict
	for _, v := range Verdicts {
		if counts[v] > 0 {
			out = append(out, htmlVerdict{Verdict: string(v), Color: verdictColor(v), Meaning: VerdictMeaning(v), Count: counts[v]})
		}
	}
	return out
}

// newHTMLSite is a site's row in the table; name is its distinct title.
func newHTMLSite(s dumpdiff.TrendSite, name, unit string) htmlSite {
	name = clean(name)
	hs := htmlSite{
		Rank: s.Rank, Verdict: string(s.Verdict), Color: verdictColor(s.Verdict),
		Growth:      FormatSignedQuantity(s.Growth, unit),
		TotalGrowth: markTotal(s, unit),
		R2:          formatR2(s.R2), MKP: formatP(s.MKP),
		Spark:    sparkChart(s.Values, 96, 24, verdictColor(s.Verdict)),
		Where:    clean(siteWhere(s.Frames)),
		Category: clean(s.Category),
	}
	hs.Title, hs.FullTitle = fitName(name, tableNameCells)
	if hs.Category == name {
		hs.Category = "" // grouped by category: the title already says it
	}
	return hs
}

// newHTMLSiteChart is the chart of a site across lifecycles, with its stack.
func newHTMLSiteChart(hs htmlSite, s dumpdiff.TrendSite, lifecycles []int, unit string) htmlSiteChart {
	full := hs.FullTitle
	if full == "" {
		full = hs.Title
	}
	hs.Title, hs.FullTitle = fitName(full, chartNameCells)
	sc := htmlSiteChart{
		Site:   hs,
		Chart:  lineChart(s.Values, lifecycles, unit, 560, 200, hs.Color, "value of "+full+" per lifecycle"),
		Frames: htmlFrames(s.Frames),
	}
	if len(s.Values) > 0 {
		sc.First = FormatQuantity(float64(s.Values[0]), unit)
		sc.Last = FormatQuantity(float64(s.Values[len(s.Values)-1]), unit)
	}
	return sc
}

// fitName shortens a clean display name to cells (ShortTitle) and returns
// the whole name too when it was cut, for the page to show on hover.
func fitName(name string, cells int) (short, full string) {
	if short = ShortTitle(name, cells); short != name {
		full = name
	}
	return short, full
}

// htmlFrames lists a stack's frames, long names shortened.
func htmlFrames(frames []dumpdiff.Frame) []htmlFrame {
	out := make([]htmlFrame, 0, len(frames))
	for _, f := range frames {
		name := clean(frameName(f))
		short, full := fitName(name, frameNameCells)
		out = append(out, htmlFrame{Function: short, Full: full, Where: clean(frameWhere(f))})
	}
	return out
}

// htmlSnapshots are the rows of the snapshots table, and which of the
// optional columns (time, pid, RSS) any row fills.
func htmlSnapshots(res *dumpdiff.TrendResult) (rows []htmlSnapshot, times, pids, rss bool) {
	rss = res.RSSKnown()
	for _, s := range res.Snapshots {
		row := htmlSnapshot{
			Lifecycle: s.Lifecycle, Path: clean(s.Path), Format: string(s.Format),
			Total: FormatQuantity(float64(s.Total), res.Metric.Unit),
		}
		if !s.Time.IsZero() {
			row.Time, times = formatTime(s.Time), true
		}
		if s.PID != 0 {
			row.PID, pids = strconv.Itoa(s.PID), true
		}
		if rss {
			row.RSS = FormatQuantity(float64(s.RSS), "bytes")
		}
		rows = append(rows, row)
	}
	return rows, times, pids, rss
}

// flameNote says what the flame graph draws and what it leaves out.
func flameNote(d *flameData, drawn, all int) string {
	note := "Width: growth per lifecycle of the growing sites beneath a frame, callers above callees; colour: the verdict with most of that growth."
	if drawn < all {
		note += fmt.Sprintf(" It draws the %d sites listed (--top 0 draws all %d).", drawn, all)
	}
	if d.Kept < d.Total {
		note += fmt.Sprintf(" Frames under %.1f%% of the growth are folded into their callers (%d of %d frames drawn).", flameMinShare*100, d.Kept-1, d.Total-1)
	}
	return note
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
	Provenance                  htmlProvenance
	ScriptHash                  string // none: a compare page has no script
	Cards                       []htmlCard
	Sites                       []htmlPairSite
	Hidden                      int
	RowCap                      string // says the table was cut at maxTableRows
	Warnings                    []string
}

type htmlPairSite struct {
	Rank                          int
	Status                        string
	Base, Target, Delta, DeltaPct string
	Bar                           *htmlBar
	Title, FullTitle              string
	Where, Category               string
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
		Provenance: newHTMLProvenance(opts.Provenance, []dumpdiff.SnapshotInfo{res.Base, res.Target}),
		Hidden:     max(0, res.SiteCount-len(res.Sites)),
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
	shown := make([]dumpdiff.PairSite, min(len(res.Sites), maxTableRows))
	for i := range shown {
		shown[i] = res.Site(i) // whole, when the result is streamed
	}
	if len(res.Sites) > maxTableRows {
		page.RowCap = fmt.Sprintf("The table lists the first %d of these %d sites; --format csv or json lists every one.", maxTableRows, len(res.Sites))
	}
	names := dumpdiff.DistinctTitles(len(shown), func(i int) dumpdiff.Site { return shown[i].Site })
	for i, s := range shown {
		hs := htmlPairSite{
			Rank: s.Rank, Status: string(s.Status),
			Base: FormatQuantity(float64(s.Base), unit), Target: FormatQuantity(float64(s.Target), unit),
			Delta: FormatSignedQuantity(float64(s.Delta), unit), DeltaPct: FormatPct(s.DeltaPct),
			Where: clean(siteWhere(s.Frames)), Category: clean(s.Category),
			Frames: htmlFrames(s.Frames),
		}
		hs.Title, hs.FullTitle = fitName(clean(names[i]), tableNameCells)
		if maxAbs > 0 && s.Delta != 0 {
			wd := max(1, round2(float64(abs64(s.Delta))/float64(maxAbs)*84))
			hs.Bar = &htmlBar{X: 85, W: wd, Color: verdictColor(dumpdiff.VerdictLeak)}
			if s.Delta < 0 {
				hs.Bar = &htmlBar{X: round2(85 - wd), W: wd, Color: verdictColor(dumpdiff.VerdictShrinking)}
			}
		}
		if hs.Category == clean(names[i]) {
			hs.Category = ""
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
