package tui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// TestRandomSessions drives the explorer through seeded random sessions —
// every key, resizes and the mouse wheel, on a fake engine and on real Go and
// NMT detail series — and checks after every step that nothing panicked and
// the view is exactly the terminal's size. Such sessions found a panic (a
// filtered table receiving a result with more sites) that no scripted test
// reached.
func TestRandomSessions(t *testing.T) {
	keys := strings.Fields(`j k down up pgdown pgup g G enter esc backspace / s m c t p [ ] { } P b e ? x ( ) . a l h left right ~ 1 v r n N f`)
	export := func(path string, _ ExportFormat, _ dumpdiff.Result) error {
		return fmt.Errorf("export to %s refused in this test", path)
	}
	engines := []func() Engine{
		func() Engine { return newFake() },
		func() Engine { return realSeries(t) },
		func() Engine { return cachedSeries(t, nmtDetailGlob) },
	}
	sizes := [][2]int{{80, 24}, {40, 8}, {160, 48}, {60, 12}}
	for run := range 200 {
		r := rand.New(rand.NewPCG(uint64(run), 7))
		sz := sizes[r.IntN(len(sizes))]
		var trail []string
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Errorf("run %d: panic %v after %v", run, e, trail)
				}
			}()
			m := started(t, engines[run%len(engines)](), Options{Export: export, Title: "series"}, sz[0], sz[1])
			for range 60 {
				switch x := r.IntN(40); {
				case x == 0:
					sz = sizes[r.IntN(len(sizes))]
					m, _ = m.update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
					trail = append(trail, fmt.Sprintf("size %dx%d", sz[0], sz[1]))
				case x == 1:
					m, _ = m.update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
					trail = append(trail, "wheel")
				default:
					k := keys[r.IntN(len(keys))]
					m = press(t, m, k)
					trail = append(trail, k)
				}
				if w, h := lipgloss.Size(m.Render()); w != sz[0] || h != sz[1] {
					t.Fatalf("run %d: got a %dx%d view, want %dx%d after %v", run, w, h, sz[0], sz[1], trail)
				}
			}
		}()
	}
}
