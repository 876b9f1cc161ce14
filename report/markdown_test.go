package report

import (
	"bytes"
	"strings"
	"testing"
)

// mdTableRows returns the table lines of a Markdown document split into
// cells the way GFM does: on "|" not preceded by a backslash.
func mdTableRows(t *testing.T, doc string) [][]string {
	t.Helper()
	var rows [][]string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		var cells []string
		var cur strings.Builder
		for i := 1; i < len(line); i++ {
			c := line[i]
			if c == '|' && line[i-1] != '\\' {
				cells = append(cells, strings.TrimSpace(cur.String()))
				cur.Reset()
				continue
			}
			cur.WriteByte(c)
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestWriteTrendMarkdown(t *testing.T) {
	res := handTrend()
	var buf bytes.Buffer
	if err := WriteTrendMarkdown(&buf, res); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{
		"### dumpdiff trend: inuse\\_space (bytes)",
		"- **Series:** 4 snapshots, pprof, lifecycles 0–3: heap.0.pb.gz … heap.3.pb.gz",
		"- **Total growth:** +4.0 MiB/lifecycle",
		"- **Leak floor:** +1.6 KiB/lc (0.01% of the median total); slower trends are creep",
		"- **Sites:** 4 of 9 (grouped by stack)",
		"- **Verdicts of the 4 shown:** 2 leak, 1 plateau, 1 noise",
		"| 1 | **leak** | +4.0 MiB | +12.0 MiB | 1.00 | ▁▃▅█ | `main.(*Op).Open` | `op.go:42` |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %q in:\n%s", want, doc)
		}
	}
	rows := mdTableRows(t, doc)
	if got, want := len(rows), 2+len(res.Sites); got != want {
		t.Fatalf("got %d table rows, want %d:\n%s", got, want, doc)
	}
	for i, r := range rows {
		if len(r) != 8 {
			t.Errorf("row %d: got %d cells, want 8: %q", i, len(r), r)
		}
	}
	// The pipe inside a code span is escaped so it does not split the cell.
	if got, want := rows[3][6], "`std::map<int, std::string>::insert\\|x`"; got != want {
		t.Errorf("site with a pipe: got %s, want %s", got, want)
	}
	if strings.Contains(doc, "\x1b") {
		t.Errorf("control character reached the Markdown")
	}
}

func TestMarkdownWithoutFrames(t *testing.T) {
	res := handTrend()
	res.Sites = res.Sites[3:] // only the NMT-like category site
	var buf bytes.Buffer
	if err := WriteTrendMarkdown(&buf, res); err != nil {
		t.Fatal(err)
	}
	want := "| # | verdict | growth/lifecycle | total growth | r² | trend | site |\n|--:|:--|--:|--:|--:|:--|:--|\n| 4 | noise | -700 B | -2.4 KiB | 0.40 | █▂▅▁ | `Other` |\n"
	if !strings.HasSuffix(buf.String(), want) {
		t.Errorf("got:\n%s\nwant it to end with:\n%s", buf.String(), want)
	}
}

func TestWriteCompareMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCompareMarkdown(&buf, handCompare()); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{
		"- **Base:** `a.pb.gz` (10.0 MiB)",
		"- **Delta:** +4.0 MiB",
		"| 1 | grown | 4.0 MiB | 8.0 MiB | +4.0 MiB | +100.0% | `main.leak` | `main.go:5` |",
		"| 2 | new | 0 B | 2.9 KiB | +2.9 KiB | new | `f(a, b)\\|g` |  |",
		"| 3 | shrunk | 4.9 KiB | 1000 B | -3.9 KiB | -80.0% |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %q in:\n%s", want, doc)
		}
	}
}

func TestMdCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "`plain`"},
		{"a|b", "`a\\|b`"},
		{"has `tick`", "`` has `tick` ``"},
		{"`edge", "`` `edge ``"},
		{"x``y", "```x``y```"},
		{"", ""},
		{"bell\a", "`bell\uFFFD`"},
	} {
		if got := mdCode(tc.in); got != tc.want {
			t.Errorf("mdCode(%q): got %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestTrendMarkdownVerdictsUncut: with every site shown, the verdict count
// is the series'.
func TestTrendMarkdownVerdictsUncut(t *testing.T) {
	res := handTrend()
	res.SiteCount = len(res.Sites)
	var buf bytes.Buffer
	if err := WriteTrendMarkdown(&buf, res); err != nil {
		t.Fatal(err)
	}
	if want := "- **Verdicts:** 2 leak, 1 plateau, 1 noise\n"; !strings.Contains(buf.String(), want) {
		t.Errorf("missing %q in:\n%s", want, buf.String())
	}
}
