package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// This file builds the HTML report's flame graph of growth: an icicle whose
// root is every growing site together, whose rows are the frames of their
// stacks from the outermost caller in, and whose widths are the growth per
// lifecycle of the sites beneath. The page draws it with flame.js from the
// compact data built here.

// Caps on what the page embeds, so that a series of tens of thousands of
// sites still makes a page of a few hundred kilobytes that draws at once: a
// frame narrower than flameMinShare of the growth (under a pixel at
// desktop width) is folded into its caller, and at most flameMaxNodes
// frames are kept, the widest first.
const (
	flameMaxNodes = 3000
	flameMinShare = 0.001
)

// flameData is the flame graph as the page's script reads it (JSON).
type flameData struct {
	// Strings holds every name and label once; nodes refer to them by index.
	Strings []string `json:"s"`
	// Nodes are in depth-first order, each caller's callees widest first:
	// [name, label, parent, growth, leak growth, verdict, details], where
	// name, label and details index Strings, verdict indexes Colors, and
	// the root (index 0) is its own parent.
	Nodes [][7]float64 `json:"n"`
	// Colors are the verdicts' colours, in Verdicts order.
	Colors []string `json:"c"`
	// Kept and Total count the frames drawn and the frames there were.
	Kept  int `json:"-"`
	Total int `json:"-"`
}

// flameNode is a frame of the growth tree.
type flameNode struct {
	name    string
	depth   int
	growth  float64 // of the growing sites beneath
	leak    float64 // of the leaking sites beneath
	self    float64 // of the sites whose innermost frame this is
	stats   flameStats
	callees []int32 // kept callees, by index into the kept frames
}

// flameStats are the verdicts of the growing sites beneath a frame.
type flameStats struct {
	growth [8]float64 // by index into Verdicts
	sites  [8]int
}

func (st *flameStats) add(v int, growth float64) {
	st.growth[v] += growth
	st.sites[v]++
}

// verdictIndex is v's index in Verdicts; noise's for a verdict not listed.
func verdictIndex(v dumpdiff.Verdict) int {
	if i := slices.Index(Verdicts, v); i >= 0 {
		return i
	}
	return slices.Index(Verdicts, dumpdiff.VerdictNoise)
}

// dominant is the verdict holding most of the growth beneath a frame.
func (st *flameStats) dominant() int {
	best := 0
	for v := range st.growth {
		if st.growth[v] > st.growth[best] {
			best = v
		}
	}
	return best
}

// describe reads "3 sites: 1 leak, 2 noise".
func (st *flameStats) describe() string {
	total := 0
	var parts []string
	for v, n := range st.sites {
		if n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, Verdicts[v]))
		}
	}
	return fmt.Sprintf("%d site%s: %s", total, plural(total), strings.Join(parts, ", "))
}

// flameBuilder makes the growth tree from the growing sites sorted by their
// stacks read from the outermost frame, so that the sites beneath a frame
// come one after the other: a frame is complete, and kept or dropped, as
// soon as a site outside it comes. Only the open path and the kept frames
// are ever held, so a series of tens of thousands of sites with deep stacks
// costs a sort, not a tree of every frame. Frames are named by number while
// the tree is built, so the sort compares numbers, not long C++ names.
type flameBuilder struct {
	names []string // by name number
	// min is the growth, and minLeak the leak growth, that keeps a frame.
	min, minLeak float64
	open         []flameNode // the path of the current site, root first
	openIDs      []int32     // their name numbers, the root's -1
	kept         []flameNode
	frames       int // frames made, kept or not
}

// flameStack is a growing site: its growth, verdict and stack as name
// numbers, outermost first.
type flameStack struct {
	growth  float64
	verdict dumpdiff.Verdict
	ids     []int32
}

// stacks numbers the names of the growing sites' frames and returns their
// stacks, outermost frame first; a site without frames is its title. Each
// site is taken whole once (res.Site), so a streamed result never holds
// every site's frames at once.
func (b *flameBuilder) stacks(res *dumpdiff.TrendResult, growing []int) []flameStack {
	number := map[string]int32{}
	id := func(name string) int32 {
		n, ok := number[name]
		if !ok {
			n = int32(len(b.names))
			number[name] = n
			b.names = append(b.names, name)
		}
		return n
	}
	out := make([]flameStack, len(growing))
	for i, g := range growing {
		s := res.Site(g)
		ids := make([]int32, max(1, len(s.Frames)))
		if len(s.Frames) == 0 {
			ids[0] = id(s.ShownTitle())
		}
		for k, f := range s.Frames {
			ids[len(s.Frames)-1-k] = id(frameName(f))
		}
		out[i] = flameStack{s.Growth, s.Verdict, ids}
	}
	return out
}

// add puts a site on the open path: frames past the part it shares with
// the path are closed, its own are opened, and its growth counts in each.
func (b *flameBuilder) add(st flameStack) {
	shared := 0
	for shared < len(st.ids) && shared+1 < len(b.openIDs) && b.openIDs[shared+1] == st.ids[shared] {
		shared++
	}
	for len(b.open) > shared+1 {
		b.close()
	}
	for d := shared; d < len(st.ids); d++ {
		b.open = append(b.open, flameNode{name: b.names[st.ids[d]], depth: d + 1})
		b.openIDs = append(b.openIDs, st.ids[d])
		b.frames++
	}
	v, leak := verdictIndex(st.verdict), 0.0
	if st.verdict == dumpdiff.VerdictLeak {
		leak = st.growth
	}
	for i := range b.open {
		n := &b.open[i]
		n.growth += st.growth
		n.leak += leak
		n.stats.add(v, st.growth)
	}
	b.open[len(b.open)-1].self += st.growth
}

// close completes the innermost open frame: kept as a callee of its caller
// when wide enough, else folded into it (its growth is counted there).
func (b *flameBuilder) close() {
	n := b.open[len(b.open)-1]
	b.open, b.openIDs = b.open[:len(b.open)-1], b.openIDs[:len(b.openIDs)-1]
	if n.growth < b.min && !(b.minLeak > 0 && n.leak >= b.minLeak) && len(b.open) > 0 {
		return
	}
	b.kept = append(b.kept, n)
	if len(b.open) > 0 {
		caller := &b.open[len(b.open)-1]
		caller.callees = append(caller.callees, int32(len(b.kept)-1))
	}
}

// buildFlameTree returns the kept frames of the growing sites' tree, the
// root last, and how many frames the tree had. Sites that do not grow
// (plateaus, steady and shrinking sites) take no width.
func buildFlameTree(res *dumpdiff.TrendResult) (kept []flameNode, frames int) {
	var growing []int
	var total, leak float64
	for i := range res.Sites {
		if s := &res.Sites[i]; s.Growth > 0 {
			growing = append(growing, i)
			total += s.Growth
			if s.Verdict == dumpdiff.VerdictLeak {
				leak += s.Growth
			}
		}
	}
	if len(growing) == 0 {
		return nil, 0
	}
	b := &flameBuilder{min: total * flameMinShare, minLeak: leak * flameMinShare,
		open: []flameNode{{name: "all growth"}}, openIDs: []int32{-1}}
	stacks := b.stacks(res, growing)
	slices.SortStableFunc(stacks, func(x, y flameStack) int { return slices.Compare(x.ids, y.ids) })
	for _, st := range stacks {
		b.add(st)
	}
	for len(b.open) > 0 {
		b.close()
	}
	return b.kept, b.frames + 1
}

// capFrames keeps at most flameMaxNodes frames, the widest (by share of the
// growth or of the leak growth); a callee is never wider than its caller,
// so what is kept still hangs from the root.
func capFrames(nodes []flameNode) []bool {
	root := nodes[len(nodes)-1]
	share := func(n flameNode) float64 {
		s := n.growth / root.growth
		if root.leak > 0 {
			s = math.Max(s, n.leak/root.leak)
		}
		return s
	}
	order := make([]int, len(nodes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(share(nodes[b]), share(nodes[a])); c != 0 {
			return c
		}
		return cmp.Compare(nodes[a].depth, nodes[b].depth)
	})
	keep := make([]bool, len(nodes))
	for _, i := range order[:min(len(order), flameMaxNodes)] {
		keep[i] = true
	}
	return keep
}

// flameGraph lays the growing sites of res out for the page: the kept
// frames in depth-first order, each caller's callees widest first (then by
// name), with their names interned. It returns nil when no site grows.
func flameGraph(res *dumpdiff.TrendResult) *flameData {
	unit := res.Metric.Unit
	nodes, frames := buildFlameTree(res)
	if len(nodes) == 0 {
		return nil
	}
	keep := capFrames(nodes)
	d := &flameData{Total: frames}
	for _, v := range Verdicts {
		d.Colors = append(d.Colors, verdictColor(v))
	}
	index := map[string]int{}
	intern := func(s string) float64 {
		i, ok := index[s]
		if !ok {
			i = len(d.Strings)
			index[s] = i
			d.Strings = append(d.Strings, s)
		}
		return float64(i)
	}
	var walk func(n, parent int)
	walk = func(n, parent int) {
		node := nodes[n]
		at := len(d.Nodes)
		if parent < 0 {
			parent = at
		}
		details := FormatSignedQuantity(node.growth, unit) + "/lc"
		if node.self > 0 {
			details += " · self " + FormatSignedQuantity(node.self, unit) + "/lc"
		}
		details += " · " + node.stats.describe()
		name := clean(node.name)
		d.Nodes = append(d.Nodes, [7]float64{
			intern(name), intern(WithoutParams(name)), float64(parent),
			round1(node.growth), round1(node.leak), float64(node.stats.dominant()), intern(details),
		})
		cs := slices.DeleteFunc(slices.Clone(node.callees), func(c int32) bool { return !keep[c] })
		slices.SortFunc(cs, func(a, b int32) int {
			if c := cmp.Compare(nodes[b].growth, nodes[a].growth); c != 0 {
				return c
			}
			return strings.Compare(nodes[a].name, nodes[b].name)
		})
		for _, c := range cs {
			walk(int(c), at)
		}
	}
	walk(len(nodes)-1, -1)
	d.Kept = len(d.Nodes)
	return d
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
