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

// TestCallTreeSelfAndVerdicts checks pprof's flat and cum per node and the
// verdict tallies beneath each node.
func TestCallTreeSelfAndVerdicts(t *testing.T) {
	sites := []TreeSite{
		{Frames: frames("alloc", "open", "main"), Value: 1, Verdict: dumpdiff.VerdictLeak},
		{Frames: frames("open", "main"), Value: 2, Verdict: dumpdiff.VerdictNoise},
		{Frames: frames("fill", "pool", "open", "main"), Value: 5, Verdict: dumpdiff.VerdictNoise},
		{Frames: frames("fill", "pool", "open", "main"), Value: 3, Verdict: dumpdiff.VerdictPlateau},
	}
	tr := BuildCallTree(sites, "main")
	if tr.Self != 0 || tr.Value != 11 || tr.LeakValue != 1 || tr.Verdicts.String() != "1 leak, 1 plateau, 2 noise" {
		t.Errorf("focus: got self %g cum %g leak %g %q, want 0 11 1 \"1 leak, 1 plateau, 2 noise\"", tr.Self, tr.Value, tr.LeakValue, tr.Verdicts)
	}
	open := tr.Callees[0]
	if open.Name != "open" || open.Self != 2 || open.Value != 11 || open.Leaks() != 1 {
		t.Errorf("open: got %s self %g cum %g leaks %d, want open self 2 cum 11 leaks 1", open.Name, open.Self, open.Value, open.Leaks())
	}
	// alloc (1, a leak) stands above pool (8, no leak).
	if got := []string{open.Children[0].Name, open.Children[1].Name}; got[0] != "alloc" || got[1] != "pool" {
		t.Errorf("open's children: got %v, want [alloc pool] (leaking growth first)", got)
	}
	if fill := open.Children[1].Children[0]; fill.Self != 8 || fill.Value != 8 || fill.Verdicts.Of(dumpdiff.VerdictNoise) != 1 {
		t.Errorf("fill: got self %g cum %g, %q; want self 8 cum 8, 1 noise", fill.Self, fill.Value, fill.Verdicts)
	}
	// Callers hold no allocation: their self stays 0.
	if c := BuildCallTree(sites, "pool").Callers[0]; c.Name != "open" || c.Self != 0 || c.Value != 8 {
		t.Errorf("pool's caller: got %s self %g cum %g, want open self 0 cum 8", c.Name, c.Self, c.Value)
	}
}

// TestCallTreeLeakAboveNoise opens the call tree of run_lifecycle on two
// real jemalloc series of low signal: on churn-256k (a leak of 280 KB per
// lifecycle under default sampling beside 56 churning sites) the leak's
// caller leak_sessions comes first, above refill_site; on c-restart the
// leaks' task_open above task_process's noise. (In both the leak's sum is
// also the larger; TestCallTreeSelfAndVerdicts has a noise sum that is not.)
func TestCallTreeLeakAboveNoise(t *testing.T) {
	for _, tc := range []struct {
		glob, leak, noise string
	}{
		{churnGlob, "leak_sessions", "refill_site"},
		{cRestartGlob, "task_open", "task_process"},
	} {
		m := started(t, symbolizedSeries(t, tc.glob), Options{}, 100, 30)
		sites, suffix := m.sites.TreeSites()
		tr := BuildCallTree(sites, "run_lifecycle")
		if suffix != "/lc" || len(tr.Callees) < 2 {
			t.Fatalf("%s: got %d callees of run_lifecycle, want at least 2", tc.glob, len(tr.Callees))
		}
		leak, noise := -1, -1
		for i, n := range tr.Callees {
			switch n.Name {
			case tc.leak:
				leak = i
			case tc.noise:
				noise = i
			}
		}
		if leak != 0 || noise < 0 {
			t.Errorf("%s: got %s at %d and %s at %d, want the leak's caller first", tc.glob, tc.leak, leak, tc.noise, noise)
		}
		if n := tr.Callees[0]; n.Leaks() < 1 {
			t.Errorf("%s: got %d leaks under %s, want 1 or more", tc.glob, n.Leaks(), n.Name)
		}
		// The flame graph ranks the same way: the leak's caller is the
		// first (leftmost) frame under run_lifecycle.
		n := BuildFlame(sites)
		for n != nil && n.Name != "run_lifecycle" && len(n.Children) > 0 {
			n = n.Children[0]
		}
		if n == nil || n.Name != "run_lifecycle" || n.Children[0].Name != tc.leak {
			t.Errorf("%s: the flame graph's first path does not lead through run_lifecycle to %s", tc.glob, tc.leak)
		}
	}
}
