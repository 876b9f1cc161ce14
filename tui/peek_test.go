package tui

import (
	"fmt"
	"testing"
)

func TestPeek(t *testing.T) {
	m := New(newFake(), Options{Title: "go-lifecycle"})
	m.SetSize(80, 24)
	m = drain(t, m, m.Init())
	fmt.Println(m.Render())
}
