package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// drain runs cmd and feeds its message back to the model, as the program
// would, following commands until none is left (at most a few rounds).
func drain(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for range 10 {
		if cmd == nil {
			return m
		}
		msg := cmd()
		if msg == nil {
			return m
		}
		if _, ok := msg.(tea.QuitMsg); ok {
			return m
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				m = drain(t, m, c)
			}
			return m
		}
		m, cmd = m.update(msg)
	}
	return m
}
