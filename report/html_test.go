package report

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// checkSelfContained fails when page could make a network request: no
// external scripts, style sheets, images, fonts or imports, and a
// Content-Security-Policy that forbids them anyway.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=\"http", "href=\"//"} {
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
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src 'none'`) {
		t.Errorf("page has no Content-Security-Policy forbidding network requests")
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

// chromiumPath finds a Chromium to drive, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("headless browser test: chromium is not installed (apt-get install chromium)")
	return ""
}

// artifactDir is where tests keep files for people to look at: $DUMPDIFF_ARTIFACTS
// when set, else the test's temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("DUMPDIFF_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// runChromium runs headless Chromium on the file page with extra arguments
// and returns its standard output.
func runChromium(t *testing.T, page string, args ...string) []byte {
	t.Helper()
	bin := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--window-size=1200,1600",
	}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// checkRenderedTrend loads the HTML report of res in headless Chromium,
// checks the rendered DOM holds the ranked table and the charts, and keeps a
// screenshot in the artefact directory.
func checkRenderedTrend(t *testing.T, name string, res *dumpdiff.TrendResult, opts HTMLOptions) {
	t.Helper()
	chromiumPath(t)
	dir := artifactDir(t)
	page := filepath.Join(dir, name+".html")
	if err := WriteFileAtomic(page, func(w io.Writer) error { return WriteTrendHTML(w, res, opts) }); err != nil {
		t.Fatal(err)
	}
	shot, pdf := filepath.Join(dir, name+".png"), filepath.Join(dir, name+".pdf")
	dom := renderPage(t, page, shot, pdf)
	tbody := between(dom, `<table id="sites">`, `</table>`)
	if got, want := strings.Count(tbody, "<tr>")-1, len(res.Sites); got != want {
		t.Errorf("rendered table: got %d site rows, want %d", got, want)
	}
	nCharts := opts.Charts
	if nCharts == 0 {
		nCharts = defaultCharts
	}
	nCharts = min(nCharts, len(res.Sites))
	if got, want := strings.Count(dom, `<svg class="line-chart"`), 1+nCharts; got != want {
		t.Errorf("rendered DOM: got %d line charts, want %d", got, want)
	}
	if got, want := strings.Count(dom, "<circle "), len(res.Snapshots)*(1+nCharts); got != want {
		t.Errorf("rendered DOM: got %d chart points, want %d", got, want)
	}
	if len(res.Sites) > 0 && !strings.Contains(dom, ">"+htmlEscape(clean(siteTitle(res.Sites[0].Title, res.Sites[0].Key, res.Sites[0].Frames)))+"</a>") {
		t.Errorf("rendered DOM lacks the top site %q", res.Sites[0].Title)
	}
}

// renderPage loads page in headless Chromium once: it returns the rendered
// DOM, keeps a screenshot at shot, and prints the page (with its print style
// sheet) to the PDF at pdf.
func renderPage(t *testing.T, page, shot, pdf string) string {
	t.Helper()
	dom := string(runChromium(t, page, "--dump-dom", "--screenshot="+shot, "--hide-scrollbars",
		"--print-to-pdf="+pdf, "--no-pdf-header-footer"))
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 10_000 {
		t.Fatalf("screenshot %s: %v (size %d), want a rendered page", shot, err, sizeOf(fi))
	}
	t.Logf("screenshot: %s", shot)
	if data, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) || len(data) < 10_000 {
		t.Errorf("print to PDF %s: %v (%d bytes), want a PDF", pdf, err, len(data))
	}
	return dom
}

func TestTrendHTMLInChromium(t *testing.T) {
	checkRenderedTrend(t, "hand-trend", handTrend(), HTMLOptions{})
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

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
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

// checkRenderedCompare loads the compare page in headless Chromium, checks
// the rendered table, and keeps a screenshot.
func checkRenderedCompare(t *testing.T, name string, res *dumpdiff.CompareResult) {
	t.Helper()
	chromiumPath(t)
	dir := artifactDir(t)
	page := filepath.Join(dir, name+".html")
	if err := WriteFileAtomic(page, func(w io.Writer) error { return WriteCompareHTML(w, res, HTMLOptions{}) }); err != nil {
		t.Fatal(err)
	}
	dom := renderPage(t, page, filepath.Join(dir, name+".png"), filepath.Join(dir, name+".pdf"))
	tbody := between(dom, `<table id="sites">`, `</table>`)
	if got, want := strings.Count(tbody, "<tr>")-1, len(res.Sites); got != want {
		t.Errorf("rendered table: got %d site rows, want %d", got, want)
	}
	nonzero := 0
	for _, s := range res.Sites {
		if s.Delta != 0 {
			nonzero++
		}
	}
	if got := strings.Count(dom, `<svg class="delta-bar"`); got != nonzero {
		t.Errorf("rendered DOM: got %d delta bars, want %d", got, nonzero)
	}
}

// TestHTMLHiddenSingular: one site cut by --top reads "1 more site".
func TestHTMLHiddenSingular(t *testing.T) {
	res := realTrend(t, dumpdiff.Options{Top: 20})
	if res.SiteCount != 21 {
		t.Fatalf("got %d sites, want 21", res.SiteCount)
	}
	var buf bytes.Buffer
	if err := WriteTrend(&buf, res, FormatHTML, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "1 more site not shown") {
		t.Errorf("got no %q in the page", "1 more site not shown")
	}
}
