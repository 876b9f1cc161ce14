package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

func frames(names ...string) []dumpdiff.Frame {
	out := make([]dumpdiff.Frame, len(names))
	for i, n := range names {
		out[i] = dumpdiff.Frame{Function: n}
	}
	return out
}

// dumpTree prints nodes as an indented outline: "name value/sites".
func dumpTree(b *strings.Builder, nodes []*CallNode, depth int) {
	for _, n := range nodes {
		fmt.Fprintf(b, "%s%s %g/%d\n", strings.Repeat("  ", depth), n.Name, n.Value, n.Sites)
		dumpTree(b, n.Children, depth+1)
	}
}

func TestBuildCallTree(t *testing.T) {
	sites := []TreeSite{
		{Frames: frames("alloc", "open", "task", "main"), Value: 4},
		{Frames: frames("alloc", "register", "open", "task", "main"), Value: 1},
		{Frames: frames("buf", "process", "task", "main"), Value: -2},
		// Recursion: open appears twice; the site counts once, at the innermost.
		{Frames: frames("alloc", "open", "open", "main"), Value: 8},
		// An unsymbolised frame is named by its module.
		{Frames: []dumpdiff.Frame{{Function: "open"}, {Module: "libjvm.so"}}, Value: 0.5},
		{Frames: frames("other"), Value: 100},
	}
	tr := BuildCallTree(sites, "open")
	if tr.Value != 13.5 || tr.Sites != 4 {
		t.Errorf("focus: got %g over %d sites, want 13.5 over 4", tr.Value, tr.Sites)
	}
	var b strings.Builder
	b.WriteString("callers\n")
	dumpTree(&b, tr.Callers, 1)
	b.WriteString("callees\n")
	dumpTree(&b, tr.Callees, 1)
	want := `callers
  open 8/1
    main 8/1
  task 5/2
    main 5/2
  libjvm.so 0.5/1
callees
  alloc 12/2
  register 1/1
    alloc 1/1
`
	if got := b.String(); got != want {
		t.Errorf("tree:\ngot\n%s\nwant\n%s", got, want)
	}
	// A frame no site holds gives an empty tree.
	if e := BuildCallTree(sites, "nowhere"); e.Sites != 0 || len(e.Callers) != 0 || len(e.Callees) != 0 {
		t.Errorf("absent focus: got %+v, want an empty tree", e)
	}
}
