package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// checkSelfContained fails when page could make a network request: no
// external scripts, style sheets, images, fonts or imports, and a
// Content-Security-Policy that forbids them anyway and lets only the page's
// own inline script run (by its hash, never 'unsafe-inline').
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"<link", "<img", "<iframe", "@import", "url(", "src=", "href=\"http", "href=\"//"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: not self-contained", bad)
		}
	}
	// The only absolute URL allowed is the SVG namespace name, which is never fetched.
	for _, m := range regexp.MustCompile(`https?://[^"\s<]+`).FindAllString(page, -1) {
		if m != "http://www.w3.org/2000/svg" {
			t.Errorf("page mentions URL %s", m)
		}
	}
	csp := cspRE.FindString(page)
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" `+csp) || csp == "" {
		t.Fatalf("page has no Content-Security-Policy forbidding network requests")
	}
	// Every script is either the data of the flame graph, which never runs,
	// or inline code the policy names by its hash.
	for _, m := range regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1) {
		switch attrs, code := m[1], m[2]; {
		case attrs == ` type="application/json" id="flame-data"`:
		case attrs != "":
			t.Errorf("page has a <script%s>: want inline scripts only", attrs)
		case !strings.Contains(html.UnescapeString(csp), "'"+cspHash(code)+"'"):
			t.Errorf("the Content-Security-Policy %s does not allow the page's script (%s)", csp, cspHash(code))
		}
	}
}

func TestWriteTrendHTML(t *testing.T) {
	res := handTrend()
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, res, HTMLOptions{Charts: 2}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	checkSelfContained(t, page)
	for _, want := range []string{
		"<title>dumpdiff trend report: inuse_space (bytes)</title>",
		"@media print",
		// Names from the dump are escaped, not markup.
		"std::map&lt;int, std::string&gt;::insert|x",
		`<a href="#site-1">main.(*Op).Open</a>`,
		"5 more sites not shown",
		`>leak</span>`,
		// The leak floor, stated under the title.
		`<p class="sub">leak floor &#43;1.6 KiB/lc (0.01% of the median total); slower trends are creep</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "\x1b") {
		t.Errorf("control character reached the page")
	}
	if got, want := strings.Count(page, `class="line-chart"`), 1+2; got != want {
		t.Errorf("got %d line charts, want %d (total + 2 sites)", got, want)
	}
	if got, want := strings.Count(page, `<svg class="spark"`), len(res.Sites); got != want {
		t.Errorf("got %d sparklines, want %d", got, want)
	}
}

func TestLineChart(t *testing.T) {
	c := lineChart([]int64{4 * mib, 8 * mib, 12 * mib, 16 * mib}, []int{0, 1, 2, 3}, "bytes", 560, 200, "#000", "x")
	var labels []string
	for _, tk := range c.YTicks {
		labels = append(labels, tk.Label)
	}
	if got, want := strings.Join(labels, ","), "0,5 MiB,10 MiB,15 MiB,20 MiB"; got != want {
		t.Errorf("y ticks: got %s, want %s", got, want)
	}
	// The first point sits at 4/20 of the plot height, the last at 16/20.
	h := c.Bottom - c.Top
	if got, want := c.Points[0].Y, round2(c.Bottom-h*4/20); got != want {
		t.Errorf("first point y: got %v, want %v", got, want)
	}
	if got, want := c.Points[3].Y, round2(c.Bottom-h*16/20); got != want {
		t.Errorf("last point y: got %v, want %v", got, want)
	}
	if got, want := c.Points[3].X, c.Right; got != want {
		t.Errorf("last point x: got %v, want %v", got, want)
	}
	if got, want := c.Points[1].Title, "lifecycle 1: 8.0 MiB"; got != want {
		t.Errorf("tooltip: got %q, want %q", got, want)
	}
	// Flat, empty and tiny series do not divide by zero.
	for _, values := range [][]int64{{0, 0, 0}, {5, 5}, {}, {7}, {-3, 2}} {
		c := lineChart(values, nil, "count", 100, 100, "#000", "x")
		for _, p := range c.Points {
			if p.Y < c.Top-0.01 || p.Y > c.Bottom+0.01 || p.X < c.Left-0.01 || p.X > c.Right+0.01 {
				t.Errorf("values %v: point %+v outside the plot", values, p)
			}
		}
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestWriteCompareHTML(t *testing.T) {
	res := handCompare()
	var buf bytes.Buffer
	if err := WriteCompareHTML(&buf, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	checkSelfContained(t, page)
	for _, want := range []string{
		"<title>dumpdiff compare report: inuse_space (bytes)</title>",
		`<td class="status-new">new</td>`,
		"<code>f(a, b)|g</code>",
		">&#43;4.0 MiB<", // the Delta card
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The largest change fills half the bar box; growth goes right, shrinkage left.
	if !strings.Contains(page, `<rect x="85" y="2" width="84" height="10"`) {
		t.Errorf("the largest growth does not fill the right half of its bar")
	}
	if !strings.Contains(page, `<rect x="84" y="2" width="1" height="10"`) {
		t.Errorf("a small shrinkage is not drawn as a 1-unit bar to the left")
	}
}

// TestHTMLHiddenSingular: one site cut by --top reads "1 more site".
func TestHTMLHiddenSingular(t *testing.T) {
	res := realTrend(t, dumpdiff.Options{Top: 20})
	if res.SiteCount != 21 {
		t.Fatalf("got %d sites, want 21", res.SiteCount)
	}
	var buf bytes.Buffer
	if err := Write(&buf, res, FormatHTML, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "1 more site not shown") {
		t.Errorf("got no %q in the page", "1 more site not shown")
	}
}

// TestTrendHTMLHeader: the header says where the report came from (build,
// command line, directory, the snapshots' own times and pid, when it was
// made) and has a legend line for each verdict shown and each statistic.
func TestTrendHTMLHeader(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, handTrend(), HTMLOptions{Provenance: handProvenance()}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	checkSelfContained(t, page)
	header := between(page, "<header>", "</header>")
	for _, want := range []string{
		"<dt>Command</dt><dd><code>dumpdiff trend --format html -o leak.html series/</code></dd>",
		"<dt>Directory</dt><dd><code>/incidents/42/series</code></dd>",
		"<dt>Snapshots</dt><dd>taken 2025-03-01 10:00:00 → 10:45:00 UTC · pid 4242</dd>",
		"<dt>Report</dt><dd>made 2025-03-01 11:00:00 UTC by dumpdiff v1.2.3 (git 0123456789ab, 2025-03-01T09:00:00Z)</dd>",
		`<span class="count">×2</span></span><span class="meaning">` + VerdictMeaning(dumpdiff.VerdictLeak) + "</span>",
		`<span class="count">×1</span></span><span class="meaning">` + VerdictMeaning(dumpdiff.VerdictPlateau) + "</span>",
		`<span class="term">MK p</span>`,
	} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q", want)
		}
	}
	// Only the verdicts of the sites shown have a line.
	if strings.Contains(header, VerdictMeaning(dumpdiff.VerdictCreep)) {
		t.Errorf("header explains creep, which no site shown has")
	}
	if got, want := strings.Count(header, `<span class="term">`)-len(legendVerdicts(handTrend().Sites)), len(trendStatistics); got != want {
		t.Errorf("legend: got %d statistics, want %d", got, want)
	}
	// The snapshots table has their times and pids.
	if !strings.Contains(page, "<td>2025-03-01 10:45:00 UTC</td><td class=\"num\">4242</td>") {
		t.Errorf("snapshots table lacks the last snapshot's time and pid")
	}

	// Without provenance nothing of it shows: a library user's page, and
	// one whose snapshots record no time or pid.
	res := handTrend()
	for i := range res.Snapshots {
		res.Snapshots[i].Time, res.Snapshots[i].PID = time.Time{}, 0
	}
	buf.Reset()
	if err := WriteTrendHTML(&buf, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `class="prov"`) || strings.Contains(buf.String(), "<th>Taken</th>") {
		t.Errorf("a page without provenance shows a provenance list or a Taken column")
	}
}

// TestTimeSpanAndProcesses: the header's summary of the snapshots' own
// times and pids.
func TestTimeSpanAndProcesses(t *testing.T) {
	at := func(day, h, m, s int) dumpdiff.SnapshotInfo {
		return dumpdiff.SnapshotInfo{Time: time.Date(2025, 3, day, h, m, s, 0, time.FixedZone("CET", 3600))}
	}
	tests := []struct {
		snaps []dumpdiff.SnapshotInfo
		want  string
	}{
		{nil, ""},
		{[]dumpdiff.SnapshotInfo{{}, {}}, ""},
		{[]dumpdiff.SnapshotInfo{at(1, 10, 0, 0), at(1, 11, 30, 0)}, "2025-03-01 09:00:00 → 10:30:00 UTC"},
		{[]dumpdiff.SnapshotInfo{at(2, 0, 30, 0), at(1, 23, 0, 0)}, "2025-03-01 22:00:00 → 23:30:00 UTC"},
		{[]dumpdiff.SnapshotInfo{at(1, 10, 0, 0), {}, at(2, 10, 0, 0)}, "2025-03-01 09:00:00 → 2025-03-02 09:00:00 UTC"},
		{[]dumpdiff.SnapshotInfo{at(1, 10, 0, 0), at(1, 10, 0, 0)}, "2025-03-01 09:00:00 UTC"},
	}
	for _, tt := range tests {
		if got := timeSpan(tt.snaps); got != tt.want {
			t.Errorf("timeSpan(%v): got %q, want %q", tt.snaps, got, tt.want)
		}
	}
	pids := func(ps ...int) []dumpdiff.SnapshotInfo {
		var out []dumpdiff.SnapshotInfo
		for _, p := range ps {
			out = append(out, dumpdiff.SnapshotInfo{PID: p})
		}
		return out
	}
	for _, tt := range []struct {
		snaps []dumpdiff.SnapshotInfo
		want  string
	}{
		{pids(0, 0), ""},
		{pids(7, 7, 0), "pid 7"},
		{pids(1, 2, 1), "2 processes: pids 1, 2"},
		{pids(1, 2, 3, 4, 5, 6, 7, 8), "8 processes: pids 1, 2, 3, 4, 5, 6, …"},
	} {
		if got := processes(tt.snaps); got != tt.want {
			t.Errorf("processes(%v): got %q, want %q", tt.snaps, got, tt.want)
		}
	}
}

// cxxTrend is a trend of C++ sites with long signatures: one allocating
// function reached from two callers, and a noise site.
func cxxTrend() *dumpdiff.TrendResult {
	res := handTrend()
	alloc := "ChunkPool::allocate(unsigned long, AllocFailStrategy::AllocFailEnum)"
	grow := "Arena::grow(unsigned long, AllocFailStrategy::AllocFailEnum)"
	long := "std::_Hashtable<std::string, std::pair<std::string const, int>>::_M_insert_unique_node(unsigned long, unsigned long, std::__detail::_Hash_node<std::pair<std::string const, int>, true>*, unsigned long)"
	frames := func(fs ...string) []dumpdiff.Frame {
		var out []dumpdiff.Frame
		for _, f := range fs {
			out = append(out, dumpdiff.Frame{Function: f, Module: "libjvm.so"})
		}
		return out
	}
	site := func(rank int, v dumpdiff.Verdict, growth float64, fs []dumpdiff.Frame) dumpdiff.TrendSite {
		vals := []int64{0, int64(growth), int64(2 * growth), int64(3 * growth)}
		return dumpdiff.TrendSite{Site: dumpdiff.Site{Rank: rank, Key: fmt.Sprint(rank), Title: fs[0].Function, Frames: fs}, Values: vals,
			Growth: growth, TotalGrowth: vals[3], R2: 1, MKP: 0.01, Monotonic: 1, Verdict: v}
	}
	res.Sites = []dumpdiff.TrendSite{
		site(1, dumpdiff.VerdictLeak, 4*mib, frames(long, "Compile::Optimize()", "main")),
		site(2, dumpdiff.VerdictLeak, 2*mib, frames(alloc, grow, "PhaseIdealLoop::build_and_optimize()", "Compile::Optimize()", "main")),
		site(3, dumpdiff.VerdictNoise, 1*mib, frames(alloc, grow, "PhaseChaitin::Register_Allocate()", "Compile::Code_Gen()", "main")),
		site(4, dumpdiff.VerdictShrinking, -1*mib, frames("free_list", "main")),
	}
	res.SiteCount = len(res.Sites)
	return res
}

// TestTrendHTMLShortNames: long C++ names are shortened the way the
// explorer shortens them, with the whole name on hover.
func TestTrendHTMLShortNames(t *testing.T) {
	res := cxxTrend()
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(buf.String())
	long := res.Sites[0].Frames[0].Function
	for _, want := range []string{
		// The table: the parameters go first.
		`<code title="` + long + `"><a href="#site-1">std::_Hashtable<std::string, std::pair<std::string const, int>>::_M_insert_unique_node(…)</a></code>`,
		// Two sites of one function: the callers that tell them apart.
		`<code title="ChunkPool::allocate(unsigned long, AllocFailStrategy::AllocFailEnum) ← … ← PhaseIdealLoop::build_and_optimize()"><a href="#site-2">ChunkPool::allocate(…) ← … ← PhaseIdealLoop::build_and_optimize()</a>`,
		// A chart's title is narrower.
		`<code title="ChunkPool::allocate(unsigned long, AllocFailStrategy::AllocFailEnum) ← … ← PhaseChaitin::Register_Allocate()">ChunkPool::allocate(…) ← … ← PhaseChaitin::Register_Allocate()</code>`,
		// A frame of a stack: whole when it fits, with its full name on hover when cut.
		`<li>Arena::grow(unsigned long, AllocFailStrategy::AllocFailEnum) <span class="where">libjvm.so</span></li>`,
		`<li><span title="` + long + `">` + ShortName(long, frameNameCells) + `</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestShortTitle(t *testing.T) {
	alloc := "ChunkPool::allocate(unsigned long, AllocFailStrategy::AllocFailEnum)"
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"main.leak", 20, "main.leak"},
		{alloc, 40, "ChunkPool::allocate(…)"},
		{alloc + " ← … ← PhaseIdealLoop::build_and_optimize()", 65, "ChunkPool::allocate(…) ← … ← PhaseIdealLoop::build_and_optimize()"},
		{alloc + " ← … ← PhaseIdealLoop::build_and_optimize()", 60, "ChunkPool::allocate(…) ← … ← PhaseIdeal…build_and_optimize()"},
		{alloc + " ← … ← PhaseIdealLoop::build_and_optimize(Node*, int)", 50, "ChunkPool::allocate(…) ← … ← PhaseIdeal…ptimize(…)"},
		{"runtime/pprof.(*profileBuilder).appendLocsForStack ← runtime/pprof.(*profileBuilder).build", 50, "runtime/ppro…appendLocsForStack ← runtime/pp…build"},
	}
	for _, tt := range tests {
		got := ShortTitle(tt.in, tt.w)
		if got != tt.want {
			t.Errorf("ShortTitle(%q, %d): got %q, want %q", tt.in, tt.w, got, tt.want)
		}
		if cellWidth(got) > tt.w {
			t.Errorf("ShortTitle(%q, %d): got %d cells", tt.in, tt.w, cellWidth(got))
		}
	}
}

// TestChartSites: leaks first as ranked, then plateaus and creeps, then the
// largest other changes; never a flat site, nor one that moved less than
// the floor.
func TestChartSites(t *testing.T) {
	site := func(v dumpdiff.Verdict, values ...int64) dumpdiff.TrendSite {
		return dumpdiff.TrendSite{Verdict: v, Values: values}
	}
	sites := []dumpdiff.TrendSite{
		site(dumpdiff.VerdictLeak, 0, 10, 20),       // 0
		site(dumpdiff.VerdictLeak, 0, 1, 2),         // 1: a leak under the floor still charts
		site(dumpdiff.VerdictCreep, 0, 50, 60),      // 2
		site(dumpdiff.VerdictNoise, 0, 900, 0),      // 3
		site(dumpdiff.VerdictPlateau, 0, 40, 40),    // 4
		site(dumpdiff.VerdictSteady, 500, 500, 500), // 5: flat
		site(dumpdiff.VerdictNoise, 5, 0, 5),        // 6: under the floor
		site(dumpdiff.VerdictGone, 300, 300, 0),     // 7
		site(dumpdiff.VerdictPlateau, 0, 200, 200),  // 8
	}
	if got, want := fmt.Sprint(chartSites(sites, 12, 10)), "[0 1 8 4 2 3 7]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(chartSites(sites, 3, 10)), "[0 1 8]"; got != want {
		t.Errorf("capped at 3: got %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(chartSites(sites, 12, 0)), "[0 1 8 4 2 3 7 6]"; got != want {
		t.Errorf("no floor: got %s, want %s", got, want)
	}
}

// TestFlameGraph: every growing site adds its growth along its stack,
// outermost first; the data the page reads lists callers before callees,
// the widest first, each as wide as its callees and its own growth.
func TestFlameGraph(t *testing.T) {
	res := cxxTrend()
	d := flameGraph(res)
	if d == nil {
		t.Fatal("no flame graph for growing sites")
	}
	type node struct {
		name, label   string
		parent        int
		growth, leak  float64
		color, detail string
	}
	var nodes []node
	for _, n := range d.Nodes {
		nodes = append(nodes, node{d.Strings[int(n[0])], d.Strings[int(n[1])], int(n[2]), n[3], n[4], d.Colors[int(n[5])], d.Strings[int(n[6])]})
	}
	if got, want := nodes[0].growth, float64(7*mib); got != want {
		t.Errorf("root: got %v growth, want %v (the growing sites' sum)", got, want)
	}
	if got, want := nodes[0].leak, float64(6*mib); got != want {
		t.Errorf("root: got %v leak growth, want %v", got, want)
	}
	if got, want := nodes[0].detail, "+7.0 MiB/lc · 3 sites: 2 leak, 1 noise"; got != want {
		t.Errorf("root details: got %q, want %q", got, want)
	}
	var path []string
	for i, n := range nodes {
		if i > 0 && n.parent >= i {
			t.Errorf("node %d (%s) comes before its caller %d", i, n.name, n.parent)
		}
		path = append(path, fmt.Sprintf("%d<%d %s %.0f", i, n.parent, n.label, n.growth/mib))
	}
	want := "0<0 all growth 7 1<0 main 7 2<1 Compile::Optimize() 6 " +
		"3<2 std::_Hashtable<std::string, std::pair<std::string const, int>>::_M_insert_unique_node(…) 4 " +
		"4<2 PhaseIdealLoop::build_and_optimize() 2 5<4 Arena::grow(…) 2 6<5 ChunkPool::allocate(…) 2 " +
		"7<1 Compile::Code_Gen() 1 8<7 PhaseChaitin::Register_Allocate() 1 9<8 Arena::grow(…) 1 10<9 ChunkPool::allocate(…) 1"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("nodes:\n got %s\nwant %s", got, want)
	}
	if nodes[7].color != verdictColor(dumpdiff.VerdictNoise) || nodes[1].color != verdictColor(dumpdiff.VerdictLeak) {
		t.Errorf("colours: Compile::Code_Gen %s, main %s; want noise's and leak's", nodes[7].color, nodes[1].color)
	}
	if nodes[6].detail != "+2.0 MiB/lc · self +2.0 MiB/lc · 1 site: 1 leak" {
		t.Errorf("leaf details: got %q", nodes[6].detail)
	}
	// The page gets it as JSON, escaped for a script element.
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	raw := between(buf.String(), `<script type="application/json" id="flame-data">`, "</script>")
	raw = strings.TrimPrefix(raw, `<script type="application/json" id="flame-data">`)
	var back flameData
	if err := json.Unmarshal([]byte(raw), &back); err != nil || len(back.Nodes) != len(d.Nodes) {
		t.Errorf("the page's flame data does not read back (%v): %.200s", err, raw)
	}
	if strings.Contains(raw, "<") {
		t.Errorf("the flame data holds a raw '<', which could end its script element")
	}
	// No site grows: no flame graph, no script.
	for i := range res.Sites {
		res.Sites[i].Growth = 0
	}
	if flameGraph(res) != nil {
		t.Errorf("a flame graph without growth")
	}
}

// manySites is a trend of n sites with stacks like a large C++ service's:
// a few hundred functions, stacks 20 deep, one leak among noise.
func manySites(n int) *dumpdiff.TrendResult {
	res := handTrend()
	res.Sites = make([]dumpdiff.TrendSite, n)
	for i := range res.Sites {
		frames := make([]dumpdiff.Frame, 20)
		for k := range frames {
			frames[k] = dumpdiff.Frame{Function: fmt.Sprintf("ns%d::Service%d::handler_%d(std::vector<int> const&, unsigned long)", k, (i>>uint(k%12))%7, (i*(k+3))%97), Module: "libsvc.so"}
		}
		v := dumpdiff.VerdictNoise
		growth := float64(i%1000) * 3
		if i == 0 {
			v, growth = dumpdiff.VerdictLeak, 4*mib
		}
		res.Sites[i] = dumpdiff.TrendSite{Site: dumpdiff.Site{Rank: i + 1, Key: fmt.Sprint(i), Title: frames[0].Function, Frames: frames},
			Values: []int64{0, int64(growth), int64(2 * growth), int64(3 * growth)}, Growth: growth,
			TotalGrowth: int64(3 * growth), R2: 0.5, MKP: 0.2, Monotonic: 1, Verdict: v}
	}
	res.SiteCount = n
	return res
}

// TestTrendHTMLManySites: a series of 50 000 sites makes a page of at most
// a couple of megabytes: the table is cut at maxTableRows, the flame graph
// at flameMaxNodes frames, and the page says so.
func TestTrendHTMLManySites(t *testing.T) {
	if testing.Short() {
		t.Skip("50 000 sites; skipped with -short")
	}
	res := manySites(50_000)
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if buf.Len() > 2<<20 {
		t.Errorf("page is %d bytes for 50 000 sites, want at most 2 MiB", buf.Len())
	}
	if got := strings.Count(page, `<svg class="spark"`); got != maxTableRows {
		t.Errorf("got %d table rows, want %d", got, maxTableRows)
	}
	for _, want := range []string{
		"The table lists the first 500 of these 50000 sites",
		"Frames under 0.1% of the growth are folded into their callers",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	d := flameGraph(res)
	if d.Kept > flameMaxNodes || d.Kept < 2 {
		t.Errorf("flame graph keeps %d frames, want 2 to %d", d.Kept, flameMaxNodes)
	}
	// The leak's whole stack is kept: it is most of the leak growth.
	if !strings.Contains(page, strings.TrimSuffix(WithoutParams(res.Sites[0].Frames[0].Function), "…)")) {
		t.Errorf("the flame data lacks the leak's innermost frame")
	}
	t.Logf("50 000 sites: page %d bytes, flame graph %d of %d frames", buf.Len(), d.Kept, d.Total)
}

func BenchmarkWriteTrendHTML(b *testing.B) {
	for _, n := range []int{1_000, 50_000} {
		res := manySites(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if err := WriteTrendHTML(&buf, res, HTMLOptions{}); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}

// TestTrendHTMLGolden holds the whole page of a C++ trend with its
// provenance (a fixed time, as SOURCE_DATE_EPOCH gives): a change to the
// page shows as a diff to review (go test ./report -update-tables).
func TestTrendHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, cxxTrend(), HTMLOptions{Provenance: handProvenance()}); err != nil {
		t.Fatal(err)
	}
	golden(t, "trend-html", buf.Bytes())
}

// TestHTMLStreamed: a streamed result, whose sites' names and stacks are
// made only when asked for (dumpdiff.Options.Stream), makes the same pages.
func TestHTMLStreamed(t *testing.T) {
	s := loadSeries(t, goSeries)
	page := func(stream bool, top int) string {
		res, err := s.Trend(dumpdiff.Options{Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteTrendHTML(&buf, res, HTMLOptions{Top: top}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, top := range []int{0, 3} {
		if whole, streamed := page(false, top), page(true, top); whole != streamed {
			t.Errorf("--top %d: the streamed result's page differs from the whole result's", top)
		}
	}
	comparePage := func(stream bool) string {
		res, err := s.Compare(0, s.Len()-1, dumpdiff.Options{Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteCompareHTML(&buf, res, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if whole, streamed := comparePage(false), comparePage(true); whole != streamed || !strings.Contains(whole, goLeak) {
		t.Errorf("the streamed pair diff's page differs from the whole one's, or lacks the leak")
	}
}
