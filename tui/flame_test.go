package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// TestBuildFlame checks the sums of the flame graph: growing sites only,
// cum and self per node, children ranked leaks first.
func TestBuildFlame(t *testing.T) {
	root := BuildFlame([]TreeSite{
		{Frames: frames("alloc", "open", "main"), Value: 1, Verdict: dumpdiff.VerdictLeak},
		{Frames: frames("open", "main"), Value: 2, Verdict: dumpdiff.VerdictNoise},
		{Frames: frames("fill", "pool", "main"), Value: 5, Verdict: dumpdiff.VerdictNoise},
		{Frames: frames("trim", "main"), Value: -3, Verdict: dumpdiff.VerdictShrinking},
		{Frames: frames("idle", "main"), Value: 0, Verdict: dumpdiff.VerdictSteady},
	})
	var b strings.Builder
	dumpTree(&b, []*CallNode{root}, 0)
	want := `all 8/3
  main 8/3
    open 3/2
      alloc 1/1
    pool 5/1
      fill 5/1
`
	if got := b.String(); got != want {
		t.Errorf("flame:\ngot\n%s\nwant\n%s", got, want)
	}
	open := root.Children[0].Children[0]
	if open.Self != 2 || open.Leaks() != 1 || worstVerdict(open.Verdicts) != dumpdiff.VerdictLeak {
		t.Errorf("open: got self %g, %d leaks, colour %q; want 2, 1, leak", open.Self, open.Leaks(), worstVerdict(open.Verdicts))
	}
}

// TestLayoutFlame lays out a frame with one wide child and a thousand
// narrow ones: the narrow ones share one "…" span, spans never overlap or
// leave their parent, and the top row spans the width.
func TestLayoutFlame(t *testing.T) {
	var sites []TreeSite
	sites = append(sites, TreeSite{Frames: frames("big", "main"), Value: 1000})
	for i := range 1000 {
		sites = append(sites, TreeSite{Frames: frames(fmt.Sprintf("small%d", i), "main"), Value: 1})
	}
	rows := layoutFlame(BuildFlame(sites), 80, 10)
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3 (all, main, callees)", len(rows))
	}
	if s := rows[0][0]; s.x0 != 0 || s.x1 != 80 {
		t.Errorf("top: got [%d,%d), want [0,80)", s.x0, s.x1)
	}
	row := rows[2]
	if len(row) != 2 || row[0].node.Name != "big" || !row[1].more {
		t.Fatalf("callees: got %d spans, want big and one …", len(row))
	}
	if row[0].x0 != 0 || row[0].x1 != 40 || row[1].x0 != 40 || row[1].x1 != 80 {
		t.Errorf("callees: got [%d,%d) [%d,%d), want [0,40) [40,80)", row[0].x0, row[0].x1, row[1].x0, row[1].x1)
	}
	for d, r := range rows {
		for i, s := range r {
			if s.x1 <= s.x0 || (i > 0 && s.x0 < r[i-1].x1) {
				t.Errorf("row %d span %d: got [%d,%d) after %d", d, i, s.x0, s.x1, r[max(i-1, 0)].x1)
			}
			if d > 0 {
				p := rows[d-1][s.parent]
				if s.x0 < p.x0 || s.x1 > p.x1 {
					t.Errorf("row %d span %d: got [%d,%d) outside its parent [%d,%d)", d, i, s.x0, s.x1, p.x0, p.x1)
				}
			}
		}
	}
}

// TestFlameScreen walks the flame graph of the fake: f opens it from the
// sites, arrows move between callers, callees and neighbours, enter zooms
// and esc zooms out, then goes back; t opens the call tree of the frame.
func TestFlameScreen(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	m = press(t, m, "f")
	if m.Screen() != "flame" || m.flame.Selected() != "main.main" {
		t.Fatalf("f: got screen %s on %q, want flame on main.main", m.Screen(), m.flame.Selected())
	}
	steps := []struct{ key, want string }{
		{"j", "main.runLifecycle"}, {"j", "main.(*task).open"}, {"j", "main.(*leakyOperator).open"},
		{"l", "main.(*sessionTable).add"}, {"l", "main.(*sessionTable).add"}, {"h", "main.(*leakyOperator).open"},
		{"k", "main.(*task).open"},
	}
	for _, s := range steps {
		m = press(t, m, s.key)
		if got := m.flame.Selected(); got != s.want {
			t.Errorf("%s: got %q, want %q", s.key, got, s.want)
		}
	}
	m = press(t, m, "enter")
	v := plain(m)
	if !m.flame.Zoomed() || !strings.Contains(v, "zoom: main.main › main.runLifecycle › main.(*task).open") {
		t.Errorf("enter: not zoomed into main.(*task).open:\n%s", v)
	}
	if !strings.Contains(v, "\n›main.(*leakyOperator).open") {
		t.Errorf("enter: want the leak selected under the zoomed frame:\n%s", v)
	}
	m = press(t, m, "t")
	if m.Screen() != "tree" || m.tree.tree.Focus != "main.(*leakyOperator).open" {
		t.Errorf("t: got %s focused on %q, want the tree of the selected frame", m.Screen(), m.tree.tree.Focus)
	}
	m = press(t, m, "esc")
	if m.Screen() != "flame" {
		t.Errorf("esc from its tree: got %s, want flame", m.Screen())
	}
	m = press(t, m, "esc")
	if m.flame.Zoomed() || m.flame.Selected() != "main.(*task).open" {
		t.Errorf("esc: got zoomed %v on %q, want zoomed out onto main.(*task).open", m.flame.Zoomed(), m.flame.Selected())
	}
	m = press(t, m, "esc")
	if m.Screen() != "sites" {
		t.Errorf("esc: got %s, want sites", m.Screen())
	}
	// The filter narrows the flame graph: no growing site, and it says so.
	m = press(t, m, "/")
	m = typeText(t, m, "trim")
	m = press(t, m, "enter", "f")
	if !strings.Contains(plain(m), "no site grows in view") {
		t.Errorf("flame of a shrinking site: want the empty message in\n%s", plain(m))
	}
}

// TestFlameThousandsOfStacks draws 100 000 stacks on 80 columns: every
// row fits, and frames too narrow to name show as "…".
func TestFlameThousandsOfStacks(t *testing.T) {
	m := started(t, bigFake(100_000), Options{}, 80, 24)
	m = press(t, m, "f", "j", "j", "j")
	v := ansi.Strip(m.Render())
	if !strings.Contains(v, "…") {
		t.Errorf("want aggregated frames (…) in\n%s", v)
	}
	for i, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w != 80 {
			t.Errorf("line %d: got width %d, want 80", i, w)
		}
	}
}

// TestFlameDownSkipsNarrowLeak moves down from a frame whose first callee (a
// leak, ranked first) is too narrow to draw: the selection goes to the
// widest callee drawn, not into the "…".
func TestFlameDownSkipsNarrowLeak(t *testing.T) {
	root := BuildFlame([]TreeSite{
		{Frames: frames("tiny", "main"), Value: 1, Verdict: dumpdiff.VerdictLeak},
		{Frames: frames("wide", "main"), Value: 1000, Verdict: dumpdiff.VerdictNoise},
	})
	f := NewFlame(root, 2, "bytes", "/lc", flameKeyMap(DefaultKeyMap()), plainStyles())
	f.SetSize(40, 10)
	if got := root.Children[0].Children[0].Name; got != "tiny" {
		t.Fatalf("main's first callee: got %s, want the leak, tiny", got)
	}
	f, _ = f.Update(keyMsg("down"))
	if got := f.Selected(); got != "wide" {
		t.Errorf("down: got %q, want wide (tiny is narrower than a cell)", got)
	}
}
