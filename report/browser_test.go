package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/internal/atomicfile"
)

// Tests that look at the HTML report in a real browser: headless Chromium
// lays the page out at a desktop width and at the width of a printed A4
// page, and a measuring script reports what it drew. Screenshots, the
// measured pages and a PDF print stay in $DUMPDIFF_ARTIFACTS when it is set.

const (
	desktopWidth = 1280
	// printWidth is an A4 page less the report's 14 mm margins, at 96 dpi.
	printWidth = 688
)

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

// runChromium runs headless Chromium on the file page in a window width
// pixels wide, with extra arguments, and returns its standard output.
func runChromium(t *testing.T, page string, width int, args ...string) []byte {
	t.Helper()
	bin := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--hide-scrollbars",
		"--window-size=" + strconv.Itoa(width) + ",1800",
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

// measureScript runs after the page's own script and writes what the
// browser laid out into a <pre> that --dump-dom then shows: the page's
// scroll and client widths (a wider scroll width is horizontal overflow),
// the elements whose right edge passes the window, the flame graph's boxes,
// whether its controls show, and the page's visible text.
const measureScript = `(function () {
  var de = document.documentElement, vw = de.clientWidth, over = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1) over.push(el.tagName.toLowerCase() + "." + el.className + " right " + Math.round(r.right));
  });
  var controls = document.querySelector("#flame .controls");
  var boxes = function () { return document.querySelectorAll(".flame-graph .fn").length; };
  var m = {
    scrollWidth: Math.max(de.scrollWidth, document.body.scrollWidth), clientWidth: vw,
    overflowing: over.slice(0, 20), flameBoxes: boxes(),
    flameControls: !!(controls && controls.offsetParent), text: document.body.innerText
  };
  // Use the flame graph as a person would: hover over the last frame it
  // lists (a leaf), click it, press Escape, tick "leaks only".
  var all = document.querySelectorAll(".flame-graph .fn"), first = null;
  all.forEach(function (b) {
    if (!first || +b.getAttribute("data-node") > +first.getAttribute("data-node")) first = b;
  });
  if (first) {
    m.clicked = +first.getAttribute("data-node");
    var info = document.querySelector(".flame-info");
    first.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
    m.hoverInfo = info.textContent;
    m.hoverTitle = first.title;
    first.click();
    m.zoomBoxes = boxes();
    m.zoomResetEnabled = !document.querySelector(".flame-reset").disabled;
    document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape"}));
    m.unzoomBoxes = boxes();
    document.querySelector(".flame-leaks").click();
    m.leakBoxes = boxes();
    m.leakInfo = info.textContent;
  }
  var pre = document.createElement("pre");
  pre.id = "dumpdiff-measure";
  pre.textContent = JSON.stringify(m);
  document.body.appendChild(pre);
})();`

// browserView is what measureScript reports about a page at one width.
type browserView struct {
	DOM           string   `json:"-"`
	ScrollWidth   int      `json:"scrollWidth"`
	ClientWidth   int      `json:"clientWidth"`
	Overflowing   []string `json:"overflowing"`
	FlameBoxes    int      `json:"flameBoxes"`
	FlameControls bool     `json:"flameControls"`
	Text          string   `json:"text"`
	// After hovering over the flame graph's last frame (Clicked), clicking
	// it, pressing Escape and ticking "leaks only".
	Clicked          int    `json:"clicked"`
	HoverInfo        string `json:"hoverInfo"`
	HoverTitle       string `json:"hoverTitle"`
	ZoomBoxes        int    `json:"zoomBoxes"`
	ZoomResetEnabled bool   `json:"zoomResetEnabled"`
	UnzoomBoxes      int    `json:"unzoomBoxes"`
	LeakBoxes        int    `json:"leakBoxes"`
	LeakInfo         string `json:"leakInfo"`
}

// checkFlameInteraction checks what the flame graph did when used: a hover
// names the frame in full, a click zooms into it (its callers and itself
// only, as it is a leaf; zoom-out enabled), Escape restores the whole
// graph, and "leaks only" draws only the frames with leak growth (d is the
// graph's data).
func checkFlameInteraction(t *testing.T, name string, width int, v browserView, d *flameData) {
	t.Helper()
	if v.Clicked <= 0 || v.Clicked >= len(d.Nodes) {
		t.Errorf("%s at %d px: the measuring script clicked frame %d of %d", name, width, v.Clicked, len(d.Nodes))
		return
	}
	full := d.Strings[int(d.Nodes[v.Clicked][0])]
	if !strings.HasPrefix(v.HoverInfo, full+" — ") || !strings.HasPrefix(v.HoverTitle, full+" — ") {
		t.Errorf("%s at %d px: hovering over %q shows %q (title %q), want its full name and details", name, width, full, v.HoverInfo, v.HoverTitle)
	}
	depth := 0
	for n := v.Clicked; n != 0; n = int(d.Nodes[n][2]) {
		depth++
	}
	if v.ZoomBoxes != depth+1 || !v.ZoomResetEnabled {
		t.Errorf("%s at %d px: clicking %q drew %d frames (zoom-out enabled: %v), want its %d callers and itself", name, width, full, v.ZoomBoxes, v.ZoomResetEnabled, depth)
	}
	if v.UnzoomBoxes != v.FlameBoxes {
		t.Errorf("%s at %d px: Escape drew %d frames, want the %d of the whole graph", name, width, v.UnzoomBoxes, v.FlameBoxes)
	}
	leaky := 0
	for _, n := range d.Nodes {
		if n[4] > 0 {
			leaky++
		}
	}
	if leaky > 0 && v.LeakBoxes > leaky || leaky == 0 && !strings.HasPrefix(v.LeakInfo, "No leaking site grows") {
		t.Errorf("%s at %d px: leaks only drew %d frames (%q), want at most the %d with leak growth", name, width, v.LeakBoxes, v.LeakInfo, leaky)
	}
}

// cspRE matches the report's Content-Security-Policy.
var cspRE = regexp.MustCompile(`content="default-src 'none'; style-src 'unsafe-inline'(?:; script-src '[^']*')?"`)

// viewInChromium lays the report page out at width and measures it. With
// print set, the page's print style sheet applies on screen, as when it is
// printed (Chromium cannot emulate print media from the command line). The
// measured copy of the page allows its own script and the measuring one.
// With pdf set, the same Chromium run also prints the page to that file
// (after the measuring script ran), and checks a PDF came out: each run
// of Chromium costs seconds of the test suite.
func viewInChromium(t *testing.T, dir, name, page string, width int, print bool, pdf string) browserView {
	t.Helper()
	csp := cspRE.FindString(page)
	if csp == "" {
		t.Fatalf("%s: no Content-Security-Policy to extend", name)
	}
	scripts := "'" + cspHash(measureScript) + "'"
	if strings.Contains(page, "<script>") {
		scripts += " '" + flameScriptHash + "'"
	}
	measured := strings.Replace(page, csp, `content="default-src 'none'; style-src 'unsafe-inline'; script-src `+scripts+`"`, 1)
	measured = strings.Replace(measured, "</body>", "<script>"+measureScript+"</script>\n</body>", 1)
	if print {
		measured = strings.Replace(measured, "@media print {", "@media all {", 1)
	}
	suffix := "-" + strconv.Itoa(width)
	file := filepath.Join(dir, name+suffix+".html")
	if err := os.WriteFile(file, []byte(measured), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, name+suffix+".png")
	args := []string{"--dump-dom", "--screenshot=" + shot}
	if pdf != "" {
		args = append(args, "--print-to-pdf="+pdf, "--no-pdf-header-footer")
	}
	dom := string(runChromium(t, file, width, args...))
	if pdf != "" {
		checkPDF(t, pdf)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Fatalf("screenshot %s: %v, want a rendered page", shot, err)
	}
	t.Logf("screenshot: %s", shot)
	raw := between(dom, `<pre id="dumpdiff-measure">`, `</pre>`)
	v := browserView{DOM: dom}
	if err := json.Unmarshal([]byte(html.UnescapeString(strings.TrimPrefix(raw, `<pre id="dumpdiff-measure">`))), &v); err != nil {
		t.Fatalf("%s at %d px: the measuring script reported nothing readable (%v): did a script fail?", name, width, err)
	}
	if v.ScrollWidth > v.ClientWidth {
		t.Errorf("%s at %d px: the page is %d px wide, overflowing the window; wide elements: %s",
			name, width, v.ScrollWidth, strings.Join(v.Overflowing, "; "))
	}
	return v
}

func cspHash(script string) string {
	sum := sha256.Sum256([]byte(script))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// checkPDF checks that Chromium printed a PDF to pdf.
func checkPDF(t *testing.T, pdf string) {
	t.Helper()
	if data, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) || len(data) < 10_000 {
		t.Errorf("print to PDF %s: %v (%d bytes), want a PDF", pdf, err, len(data))
	}
}

// checkRenderedTrend writes the HTML report of res, lays it out in
// headless Chromium at desktop and print width, and checks at each what the
// report promises: no horizontal overflow, the legend, a table row per site,
// a chart of each site that matters, the flame graph drawn by its script
// (its controls only on screen), the top site by name; and prints the page
// to a PDF.
func checkRenderedTrend(t *testing.T, name string, res *dumpdiff.TrendResult, opts HTMLOptions, wantText ...string) {
	t.Helper()
	chromiumPath(t)
	dir := artifactDir(t)
	var buf bytes.Buffer
	if err := WriteTrendHTML(&buf, res, opts); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, name+".html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shown := res.Sites
	if opts.Top > 0 {
		shown = shown[:min(opts.Top, len(shown))]
	}
	shown = shown[:min(maxTableRows, len(shown))]
	charts := len(chartSites(shown, chartCount(opts.Charts), res.Floor.PerLifecycle))
	flame := flameGraph(res)
	for _, width := range []int{desktopWidth, printWidth} {
		pdf := ""
		if width == desktopWidth {
			pdf = filepath.Join(dir, name+".pdf")
		}
		v := viewInChromium(t, dir, name, buf.String(), width, width == printWidth, pdf)
		tbody := between(v.DOM, `<table id="sites"`, `</table>`)
		if got, want := strings.Count(tbody, "<tr>")-1, len(shown); got != want {
			t.Errorf("%s at %d px: got %d site rows, want %d", name, width, got, want)
		}
		if got, want := strings.Count(v.DOM, `<svg class="line-chart"`), 1+charts; got != want {
			t.Errorf("%s at %d px: got %d line charts, want %d", name, width, got, want)
		}
		if got, want := strings.Count(v.DOM, "<circle "), len(res.Snapshots)*(1+charts); got != want {
			t.Errorf("%s at %d px: got %d chart points, want %d", name, width, got, want)
		}
		switch {
		case flame == nil && v.FlameBoxes != 0:
			t.Errorf("%s at %d px: got %d flame graph boxes, want none (no site grows)", name, width, v.FlameBoxes)
		case flame != nil && v.FlameBoxes < 2:
			t.Errorf("%s at %d px: got %d flame graph boxes, want the root and the growing frames", name, width, v.FlameBoxes)
		case flame != nil && v.FlameControls != (width == desktopWidth):
			t.Errorf("%s at %d px: flame graph controls shown: %v, want them on screen only", name, width, v.FlameControls)
		case flame != nil:
			checkFlameInteraction(t, name, width, v, flame)
		}
		want := append([]string{"Sites ranked by growth per lifecycle", "Snapshots"}, wantText...)
		for _, lv := range legendVerdicts(shown) {
			want = append(want, lv.Meaning)
		}
		if len(shown) > 0 {
			title, _ := fitName(clean(dumpdiff.DistinctTitles(len(shown), func(i int) dumpdiff.Site { return shown[i].Site })[0]), tableNameCells)
			want = append(want, title)
		}
		for _, w := range want {
			if !strings.Contains(v.Text, w) {
				t.Errorf("%s at %d px: the page does not show %q", name, width, w)
			}
		}
	}
}

func TestTrendHTMLInChromium(t *testing.T) {
	t.Parallel() // each drives Chromium, mostly waiting on it
	checkRenderedTrend(t, "hand-trend", handTrend(), HTMLOptions{Provenance: handProvenance()},
		"dumpdiff trend --format html -o leak.html series/", "/incidents/42/series", "Growth by call path",
		"taken 2025-03-01 10:00:00 → 10:45:00 UTC · pid 4242", "made 2025-03-01 11:00:00 UTC by dumpdiff v1.2.3")
}

// checkRenderedCompare lays the compare page out at desktop and print
// width and checks the rendered table and its bars.
func checkRenderedCompare(t *testing.T, name string, res *dumpdiff.CompareResult) {
	t.Helper()
	chromiumPath(t)
	dir := artifactDir(t)
	var buf bytes.Buffer
	if err := WriteCompareHTML(&buf, res, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, name+".html")
	if err := atomicfile.Write(page, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		t.Fatal(err)
	}
	nonzero := 0
	for _, s := range res.Sites {
		if s.Delta != 0 {
			nonzero++
		}
	}
	for _, width := range []int{desktopWidth, printWidth} {
		pdf := ""
		if width == desktopWidth {
			pdf = filepath.Join(dir, name+".pdf")
		}
		v := viewInChromium(t, dir, name, buf.String(), width, width == printWidth, pdf)
		tbody := between(v.DOM, `<table id="sites"`, `</table>`)
		if got, want := strings.Count(tbody, "<tr>")-1, len(res.Sites); got != want {
			t.Errorf("%s at %d px: got %d site rows, want %d", name, width, got, want)
		}
		if got := strings.Count(v.DOM, `<svg class="delta-bar"`); got != nonzero {
			t.Errorf("%s at %d px: got %d delta bars, want %d", name, width, got, nonzero)
		}
	}
}
