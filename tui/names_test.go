package tui

import (
	"fmt"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
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

func TestDistinguishingCallers(t *testing.T) {
	type site struct {
		title  string
		frames []dumpdiff.Frame
	}
	sites := []site{
		{"ChunkPool::allocate", frames("ChunkPool::allocate", "Arena::grow", "PhaseIdealLoop::optimize", "Compile::Optimize")},
		{"ChunkPool::allocate", frames("ChunkPool::allocate", "Arena::grow", "PhaseChaitin::Register_Allocate", "Compile::Code_Gen")},
		{"ChunkPool::allocate", frames("ChunkPool::allocate", "Arena::grow", "PhaseIdealLoop::optimize", "Compile::Compile")},
		{"ChunkPool::allocate", frames("ChunkPool::allocate", "Node::clone")},
		{"main.leak", frames("main.leak", "main.open", "main.main")},
		{"main.alone", frames("main.alone")},
		// Same names all the way (keys differ by line or offset): the first caller.
		{"f", frames("f", "g")},
		{"f", frames("f", "g")},
	}
	got := distinguishingCallers(len(sites), func(i int) string { return sites[i].title }, func(i int) []dumpdiff.Frame { return sites[i].frames })
	want := []int32{3, 2, 3, 1, -1, 0, 1, 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	cell := siteCell(sites[1].title, "", sites[1].frames, int(got[1]), 60)
	if cell != "ChunkPool::allocate ← … ← PhaseChaitin::Register_Allocate" {
		t.Errorf("siteCell: got %q", cell)
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
		if got := siteCell(tt.title, tt.cat, fs, 0, tt.w); got != tt.want {
			t.Errorf("siteCell(%q, %q, %d): got %q, want %q", tt.title, tt.cat, tt.w, got, tt.want)
		}
	}
}

func TestSiteCellCallerBeforeCategory(t *testing.T) {
	fs := frames("Arena::grow(unsigned long, AllocFailStrategy::AllocFailEnum)", "Arena::Amalloc(unsigned long)", "PhaseCFG::insert_goto_at(unsigned int, unsigned int)")
	// Same-named sites: the caller that tells them apart wins over the category.
	if got, want := siteCell(fs[0].Function, "Arena Chunk", fs, 2, 40), "Arena::grow(…) ← … ← PhaseCFG:…oto_at(…)"; got != want {
		t.Errorf("distinguishing caller: got %q, want %q", got, want)
	}
	// A unique site: the category first, the caller if room is left.
	if got, want := siteCell(fs[0].Function, "Arena Chunk", fs, -1, 40), "Arena::grow(…)  [Arena Chunk]"; got != want {
		t.Errorf("context caller: got %q, want %q", got, want)
	}
	// The engine's title for a placeholder frame already names its caller.
	pl := frames("[java]", "[Other]")
	if got, want := siteCell("[java] ← [Other]", "Other", pl, -1, 40), "[java] ← [Other]"; got != want {
		t.Errorf("placeholder: got %q, want %q", got, want)
	}
	// A title that merely contains the caller's name still shows the caller.
	lo := frames("leaky_operator_open", "operator_open")
	if got, want := siteCell("leaky_operator_open", "", lo, -1, 60), "leaky_operator_open ← operator_open"; got != want {
		t.Errorf("caller inside the title: got %q, want %q", got, want)
	}
}
