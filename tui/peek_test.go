package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

func TestPeek(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/pprof/go-lifecycle/*.pb.gz")
	s, err := dumpdiff.Load(paths, dumpdiff.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := New(s, Options{Title: "go-lifecycle"})
	m.SetSize(80, 24)
	m = drain(t, m, m.Init())
	fmt.Println(m.Render())
	m, _ = m.update(tea.KeyPressMsg{Code: tea.KeyEnter})
	fmt.Println(m.Render())
	m, _ = m.update(tea.KeyPressMsg{Code: 't', Text: "t"})
	fmt.Println(m.Render())
	_ = os.Stdout
}
