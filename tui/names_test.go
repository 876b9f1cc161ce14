package tui

import (
	"fmt"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

func TestShortName(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"main.registerMetrics", 30, "main.registerMetrics"},
		{"ChunkPool::allocate(unsigned long, AllocFailStrategy::AllocFailEnum)", 27, "ChunkPool::allocate(…)"},
		{"Arena::grow(unsigned long, AllocFailStrategy::AllocFailEnum) const", 20, "Arena::grow(…)"},
		{"runtime/pprof.(*profileBuilder).appendLocsForStack", 27, "runtime/…appendLocsForStack"},
		{"runtime/pprof.(*profileBuilder).emitLocation", 27, "runtime/pprof.…emitLocation"},
		{"std::_Hashtable<std::string, std::pair<std::string const, int>>::_M_insert_unique_node(unsigned long, unsigned long, std::__detail::_Hash_node<std::pair<std::string const, int>, true>*, unsigned long)", 40,
			"std::_Hashtable…_M_insert_unique_node(…)"},
		{"PhaseIdealLoop::build_and_optimize()", 20, "PhaseIdeal…ptimize()"},
		{"abcdefghijklmnopqrstuvwxyz", 11, "abcde…vwxyz"},
		{"abc", 1, "a"},
	}
	for _, tt := range tests {
		got := shortName(tt.in, tt.w)
		if got != tt.want {
			t.Errorf("shortName(%q, %d): got %q, want %q", tt.in, tt.w, got, tt.want)
		}
		if w := strWidth(got); w > tt.w {
			t.Errorf("shortName(%q, %d): got %d cells", tt.in, tt.w, w)
		}
	}
}

// TestSiteNames: the sites table names same-titled sites the way the
// terminal table and the exports do (dumpdiff.DistinctTitles), and only
// when the sites are whole stacks.
func TestSiteNames(t *testing.T) {
	sites := []dumpdiff.TrendSite{
		{Site: dumpdiff.Site{Title: "ChunkPool::allocate", Frames: frames("ChunkPool::allocate", "Arena::grow", "PhaseIdealLoop::optimize", "Compile::Optimize")}},
		{Site: dumpdiff.Site{Title: "ChunkPool::allocate", Frames: frames("ChunkPool::allocate", "Arena::grow", "PhaseChaitin::Register_Allocate", "Compile::Code_Gen")}},
		{Site: dumpdiff.Site{Title: "ChunkPool::allocate", Frames: frames("ChunkPool::allocate", "Node::clone")}},
		{Site: dumpdiff.Site{Title: "main.leak", Frames: frames("main.leak", "main.open", "main.main")}},
	}
	res := &dumpdiff.TrendResult{ResultHeader: dumpdiff.ResultHeader{GroupBy: dumpdiff.GroupByStack}, Sites: sites}
	got := siteNames(res)
	want := dumpdiff.DistinctTitles(res.Len(), res.SiteAt)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want the table's %q", got, want)
	}
	if got[1] != "ChunkPool::allocate ← Arena::grow ← PhaseChaitin::Register_Allocate" || got[3] != "main.leak" {
		t.Errorf("got %q", got)
	}
	cell := siteCell(sites[1].Title, got[1], "", sites[1].Frames, 70)
	if cell != "ChunkPool::allocate ← Arena::grow ← PhaseChaitin::Register_Allocate" {
		t.Errorf("siteCell: got %q", cell)
	}
	// Cut the way the HTML report cuts it, while each caller keeps 16 cells.
	if cell, want := siteCell(sites[1].Title, got[1], "", sites[1].Frames, 62), report.ShortTitle(got[1], 62); cell != want || cell == got[1] {
		t.Errorf("siteCell at 62 cells: got %q, want %q", cell, want)
	}
	// Callers cut to a few cells say nothing: the title shows alone.
	if cell := siteCell(sites[1].Title, got[1], "", sites[1].Frames, 40); cell != "ChunkPool::allocate" {
		t.Errorf("siteCell at 40 cells: got %q, want the title alone", cell)
	}
	// The unique site shows its first caller as context.
	if cell := siteCell(sites[3].Title, got[3], "", sites[3].Frames, 60); cell != "main.leak ← main.open" {
		t.Errorf("siteCell of a unique site: got %q", cell)
	}
	res.GroupBy = dumpdiff.GroupByFunction
	if got := siteNames(res); got != nil {
		t.Errorf("by function: got %q, want none", got)
	}
}

func TestSiteCellCategory(t *testing.T) {
	fs := frames("ChunkPool::allocate(unsigned long, AllocFailStrategy::AllocFailEnum)", "[java]")
	tests := []struct {
		title, cat string
		w          int
		want       string
	}{
		{"Unsafe_AllocateMemory0", "Other", 40, "Unsafe_AllocateMemory0  [Other]"},
		// The category goes before the name is cut.
		{"Unsafe_AllocateMemory0", "Other", 27, "Unsafe_AllocateMemory0"},
		{"[Native Memory Tracking: not in Details]", "Native Memory Tracking", 60, "[Native Memory Tracking: not in Details]"},
		{fs[0].Function, "Arena Chunk", 40, "ChunkPool::allocate(…)  [Arena Chunk]"},
	}
	for _, tt := range tests {
		if got := siteCell(tt.title, "", tt.cat, fs, tt.w); got != tt.want {
			t.Errorf("siteCell(%q, %q, %d): got %q, want %q", tt.title, tt.cat, tt.w, got, tt.want)
		}
	}
}

func TestSiteCellCallerBeforeCategory(t *testing.T) {
	fs := frames("Arena::grow(unsigned long, AllocFailStrategy::AllocFailEnum)", "Arena::Amalloc(unsigned long)", "PhaseCFG::insert_goto_at(unsigned int, unsigned int)")
	// Same-named sites: the callers that tell them apart win over the category.
	if got, want := siteCell(fs[0].Function, fs[0].Function+" ← … ← "+fs[2].Function, "Arena Chunk", fs, 40), "Arena::grow(…) ← … ← PhaseCFG:…oto_at(…)"; got != want {
		t.Errorf("distinguishing caller: got %q, want %q", got, want)
	}
	// A unique site: the category first, the caller if room is left.
	if got, want := siteCell(fs[0].Function, fs[0].Function, "Arena Chunk", fs, 40), "Arena::grow(…)  [Arena Chunk]"; got != want {
		t.Errorf("context caller: got %q, want %q", got, want)
	}
	// The engine's title for a placeholder frame already names its caller.
	pl := frames("[java]", "[Other]")
	if got, want := siteCell("[java] ← [Other]", "[java] ← [Other]", "Other", pl, 40), "[java] ← [Other]"; got != want {
		t.Errorf("placeholder: got %q, want %q", got, want)
	}
	// A title that merely contains the caller's name still shows the caller.
	lo := frames("leaky_operator_open", "operator_open")
	if got, want := siteCell("leaky_operator_open", "leaky_operator_open", "", lo, 60), "leaky_operator_open ← operator_open"; got != want {
		t.Errorf("caller inside the title: got %q, want %q", got, want)
	}
}

// TestSiteCellOutermostCaller fits a name with several callers into a cell
// too narrow for them all: the title and the outermost caller (the one
// that tells the site apart) show, rather than the title alone, which two
// sites would share.
func TestSiteCellOutermostCaller(t *testing.T) {
	name := "ChunkPool::allocate ← Arena::grow ← Arena::Arealloc ← Node_Array::grow"
	title := "ChunkPool::allocate"
	frames := frames(title, "Arena::grow", "Arena::Arealloc", "Node_Array::grow")
	for _, tt := range []struct {
		w    int
		want string
	}{
		{80, name},
		{48, "ChunkPool::allocate ← … ← Node_Array::grow"},
		{30, "ChunkPool::allocate"},
	} {
		if got := siteCell(title, name, "", frames, tt.w); got != tt.want {
			t.Errorf("width %d: got %q, want %q", tt.w, got, tt.want)
		}
	}
	if got := outermostOnly("f ← … ← g"); got != "" {
		t.Errorf("outermostOnly of a name with one caller shown: got %q, want none", got)
	}
}
