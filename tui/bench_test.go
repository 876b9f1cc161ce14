package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// bigFake is a fake engine with n sites.
func bigFake(n int) *fakeEngine {
	f := newFake()
	base := f.trend.Sites[0]
	sites := make([]dumpdiff.TrendSite, n)
	for i := range sites {
		s := base
		s.Rank = i + 1
		s.Key = fmt.Sprintf("site-%06d", i)
		s.Title = fmt.Sprintf("pkg%d.(*T%d).method%d", i%97, i%1013, i)
		s.Frames = frames(s.Title, fmt.Sprintf("pkg%d.caller%d", i%97, i%31), "main.run", "main.main")
		s.Growth = float64(n - i)
		// One site in 50 leaks; the rest spread over other verdicts.
		s.Verdict = []dumpdiff.Verdict{dumpdiff.VerdictNoise, dumpdiff.VerdictPlateau, dumpdiff.VerdictSteady, dumpdiff.VerdictCreep, dumpdiff.VerdictNew}[i%5]
		if i%50 == 7 {
			s.Verdict = dumpdiff.VerdictLeak
		}
		sites[i] = s
	}
	f.trend.Sites = sites
	f.trend.SiteCount = n
	return f
}

// BenchmarkKeypressToView measures one cursor move and the render that
// follows it, with 100 000 sites in the table.
func BenchmarkKeypressToView(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	down, up := keyMsg("down"), keyMsg("up")
	b.ResetTimer()
	for i := range b.N {
		k := down
		if i/40%2 == 1 {
			k = up
		}
		m, _ = m.update(k)
		_ = m.View()
	}
}

// BenchmarkFilterKeystroke measures one filter keystroke over 100 000
// sites (titles and stack keys) and the render that follows: plain text,
// then a real regular expression.
func BenchmarkFilterKeystroke(b *testing.B) {
	for _, tc := range []struct{ name, prefix string }{{"text", "method1"}, {"regexp", "method1.*"}} {
		b.Run(tc.name, func(b *testing.B) {
			m := started(b, bigFake(100_000), Options{}, 160, 48)
			m = press(b, m, "/")
			m = typeText(b, m, tc.prefix)
			b.ResetTimer()
			for i := range b.N {
				k := "7"
				if i%2 == 1 {
					k = "backspace"
				}
				m, _ = m.update(keyMsg(k))
				_ = m.View()
			}
		})
	}
}

// BenchmarkSortKey measures one s press (a stable sort of 100 000 sites)
// and the render that follows.
func BenchmarkSortKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	b.ResetTimer()
	for range b.N {
		m, _ = m.update(keyMsg("s"))
		_ = m.View()
	}
}

// TestBigTableRanks checks that the last of 100 000 ranks shows whole.
func TestBigTableRanks(t *testing.T) {
	m := started(t, bigFake(100_000), Options{}, 80, 24)
	m = press(t, m, "G")
	if v := plain(m); !strings.Contains(v, "› 100000 ") {
		t.Errorf("last row: want rank 100000 whole in\n%s", v)
	}
}

// BenchmarkCallTreeKey measures what Update does when t asks for the call
// tree of a frame all 100 000 sites pass through (main.run): collect the
// sites in view and start the command. The UI stays responsive meanwhile.
func BenchmarkCallTreeKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	b.ResetTimer()
	for range b.N {
		t, _ := m.openTree("main.run")
		_ = t.View()
	}
}

// BenchmarkCallTreeBuild measures the command: summing the 100 000 stacks
// into the tree of main.run, then showing it.
func BenchmarkCallTreeBuild(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	t, cmd := m.openTree("main.run")
	b.ResetTimer()
	for range b.N {
		_ = t.onTree(cmd().(treeMsg)).View()
	}
}

// BenchmarkDetailKey measures enter (the detail of the selected site) and
// its render with 100 000 sites.
func BenchmarkDetailKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	enter := keyMsg("enter")
	b.ResetTimer()
	for range b.N {
		d, _ := m.update(enter)
		_ = d.View()
	}
}

// BenchmarkResult measures the arrival of a 100 000-site trend in Update
// (columns, filter, selection) and the render that follows; the engine's
// work and the callers labelling run before, in the command.
func BenchmarkResult(b *testing.B) {
	f := bigFake(100_000)
	m := started(b, f, Options{}, 160, 48)
	msg := computeTrend(f, m.seq, m.asked.opts)()
	b.ResetTimer()
	for range b.N {
		r := m.onResult(msg.(resultMsg))
		_ = r.View()
	}
}

// BenchmarkSiteNames measures naming 100 000 sites that share 97 titles,
// in the command that computes a result.
func BenchmarkSiteNames(b *testing.B) {
	t := bigFake(100_000).trend
	for i := range t.Sites {
		t.Sites[i].Title = t.Sites[i].Frames[1].Function // 97×31 callers: big same-named groups
	}
	b.ResetTimer()
	for range b.N {
		siteNames(&t)
	}
}

// TestTableRendersVisibleRowsOnly counts the cells a render of a 100 000
// item table asks for: only the rows on screen.
func TestTableRendersVisibleRowsOnly(t *testing.T) {
	calls := 0
	col := Column{Title: "n", Cell: func(i int) string { calls++; return fmt.Sprint(i) }}
	tb := NewTable(WithColumns([]Column{col}, 100_000), WithSize(80, 24))
	tb.MoveDown(50_000)
	_ = tb.View()
	if calls != 23 {
		t.Errorf("rendering 23 rows of 100 000: got %d cell calls, want 23", calls)
	}
}

// BenchmarkFlameBuild measures the command f starts: summing the 100 000
// growing stacks into the flame graph, then showing it.
func BenchmarkFlameBuild(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	f, cmd := m.openFlame()
	b.ResetTimer()
	for range b.N {
		_ = f.onFlame(cmd().(flameMsg)).View()
	}
}

// BenchmarkFlameKey measures one key on the flame graph of 100 000 stacks
// (a step sideways among thousands of narrow frames, or down and up) and
// the render that follows.
func BenchmarkFlameKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	m = press(b, m, "f", "j", "j")
	keys := []tea.KeyPressMsg{keyMsg("right"), keyMsg("right"), keyMsg("left"), keyMsg("left"), keyMsg("down"), keyMsg("up")}
	b.ResetTimer()
	for i := range b.N {
		m, _ = m.update(keys[i%len(keys)])
		_ = m.View()
	}
}

// BenchmarkFlameZoom measures enter (zoom) and esc (back out) on the flame
// graph of 100 000 stacks, each with its render.
func BenchmarkFlameZoom(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	m = press(b, m, "f", "j", "j")
	keys := []tea.KeyPressMsg{keyMsg("enter"), keyMsg("esc")}
	b.ResetTimer()
	for i := range b.N {
		m, _ = m.update(keys[i%len(keys)])
		_ = m.View()
	}
}

// BenchmarkVerdictKey measures v (narrow 100 000 sites to the next verdict
// present, cycling back to all) and the render that follows.
func BenchmarkVerdictKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	b.ResetTimer()
	for range b.N {
		m, _ = m.update(keyMsg("v"))
		_ = m.View()
	}
}

// BenchmarkReverseKey measures r on 100 000 sites and the render.
func BenchmarkReverseKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	m = press(b, m, "s")
	b.ResetTimer()
	for range b.N {
		m, _ = m.update(keyMsg("r"))
		_ = m.View()
	}
}

// BenchmarkNextLeakKey measures n (the next of 2 000 leaks among 100 000
// sites, sorted by title so they are spread) and the render.
func BenchmarkNextLeakKey(b *testing.B) {
	m := started(b, bigFake(100_000), Options{}, 160, 48)
	m = press(b, m, "s", "s", "s", "s")
	b.ResetTimer()
	for range b.N {
		m, _ = m.update(keyMsg("n"))
		_ = m.View()
	}
}
