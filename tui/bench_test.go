package tui

import (
	"fmt"
	"strings"
	"testing"

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
