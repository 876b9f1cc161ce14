package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap holds every key binding of the explorer. It is what the footer and
// the ? help show, so the two never disagree with Update.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back                              key.Binding
	Filter, Sort, Metric, GroupBy           key.Binding
	Verdict, Reverse, NextLeak, PrevLeak    key.Binding
	Tree, Toggle, Collapse, Flame           key.Binding
	Pair, BasePrev, BaseNext                key.Binding
	TargetPrev, TargetNext, PickPair        key.Binding
	SetBase, SetTarget                      key.Binding
	Export, Help, Quit                      key.Binding
}

// DefaultKeyMap returns the keys of issue 5: arrows or j/k, pgup/pgdn, g/G,
// enter, esc, /, s, m, c, t, p with [ ] { }, e, ? and q; and of issue 16:
// v (verdict filter), r (reverse), n/N (next/previous leak), f (flame graph).
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:         b([]string{"up", "k"}, "↑/k", "up"),
		Down:       b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:     b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "ctrl+f", "space"}, "pgdn", "page down"),
		Top:        b([]string{"g", "home"}, "g", "first"),
		Bottom:     b([]string{"G", "end"}, "G", "last"),
		Open:       b([]string{"enter"}, "enter", "detail"),
		Back:       b([]string{"esc", "backspace"}, "esc", "back"),
		Filter:     b([]string{"/"}, "/", "filter"),
		Sort:       b([]string{"s"}, "s", "sort"),
		Verdict:    b([]string{"v"}, "v", "verdict"),
		Reverse:    b([]string{"r"}, "r", "reverse"),
		NextLeak:   b([]string{"n"}, "n", "next leak"),
		PrevLeak:   b([]string{"N"}, "N", "previous leak"),
		Metric:     b([]string{"m"}, "m", "metric"),
		GroupBy:    b([]string{"c"}, "c", "group by"),
		Tree:       b([]string{"t"}, "t", "call tree"),
		Flame:      b([]string{"f"}, "f", "flame graph"),
		Toggle:     b([]string{"enter", "right", "l"}, "enter/→", "expand/collapse"),
		Collapse:   b([]string{"left", "h"}, "←", "collapse"),
		Pair:       b([]string{"p"}, "p", "pair mode"),
		BasePrev:   b([]string{"["}, "[", "base −1"),
		BaseNext:   b([]string{"]"}, "]", "base +1"),
		TargetPrev: b([]string{"{"}, "{", "target −1"),
		TargetNext: b([]string{"}"}, "}", "target +1"),
		PickPair:   b([]string{"P"}, "P", "pick pair"),
		SetBase:    b([]string{"b"}, "b", "set base"),
		SetTarget:  b([]string{"t"}, "t", "set target"),
		Export:     b([]string{"e"}, "e", "export"),
		Help:       b([]string{"?"}, "?", "help"),
		Quit:       b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// screenKeys adapts a screen's bindings to help.KeyMap.
type screenKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (s screenKeys) ShortHelp() []key.Binding  { return s.short }
func (s screenKeys) FullHelp() [][]key.Binding { return s.full }

// wheelRows is how many rows one notch of the mouse wheel moves a cursor:
// three, as in most terminal programs; negative up, 0 for a sideways wheel.
func wheelRows(msg tea.MouseWheelMsg) int {
	switch msg.Button {
	case tea.MouseWheelUp:
		return -3
	case tea.MouseWheelDown:
		return 3
	}
	return 0
}
