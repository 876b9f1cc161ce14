package tui

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// BuildFlame sums the growing sites (value above 0) into one tree from the
// outermost frame inward, under a root named "all": the data of an icicle
// graph of growth. Nodes carry cum, self and the verdicts beneath, and
// children are ranked as in the call tree, leaking growth first. Shrinking
// sites are left out: a width cannot be negative.
func BuildFlame(sites []TreeSite) *CallNode {
	root := &trie{}
	for _, s := range sites {
		if !(s.Value > 0) {
			continue
		}
		root.value += s.Value
		root.sites++
		root.verdicts.add(s.Verdict)
		if s.Verdict == dumpdiff.VerdictLeak {
			root.leakValue += s.Value
		}
		root.add(s.Frames, true, true, s)
	}
	return &CallNode{Name: "all", Value: root.value, Self: root.self, LeakValue: root.leakValue,
		Sites: root.sites, Verdicts: root.verdicts, Children: root.nodes()}
}

// flameSpan is one frame drawn on one row of the icicle: cells [x0, x1).
// A span with more set stands for the children of parent too narrow to
// draw, together.
type flameSpan struct {
	x0, x1 int
	node   *CallNode
	parent int // index of the parent's span in the row above, -1 on the top row
	more   bool
}

// layoutFlame places root across width cells and its descendants below it,
// depth rows at most. A child gets the cells its share of the parent's value
// rounds to; children narrower than one cell go into one "…" span, which is
// not descended. Only what is drawn is visited, so the cost is bounded by
// the screen, not by the number of stacks.
func layoutFlame(root *CallNode, width, depth int) [][]flameSpan {
	if root == nil || !(root.Value > 0) || width <= 0 || depth <= 0 {
		return nil
	}
	rows := [][]flameSpan{{{x0: 0, x1: width, node: root, parent: -1}}}
	for d := 1; d < depth; d++ {
		var row []flameSpan
		for pi, p := range rows[d-1] {
			if p.more || len(p.node.Children) == 0 {
				continue
			}
			scale := float64(p.x1-p.x0) / p.node.Value
			pos := float64(p.x0)
			moreFrom, moreTo := -1, -1
			flush := func() {
				if moreFrom >= 0 && moreTo > moreFrom {
					row = append(row, flameSpan{x0: moreFrom, x1: moreTo, node: p.node, parent: pi, more: true})
				}
				moreFrom, moreTo = -1, -1
			}
			for _, c := range p.node.Children {
				start := int(math.Round(pos))
				pos += c.Value * scale
				end := min(int(math.Round(pos)), p.x1)
				if end-start < 1 || (moreFrom >= 0 && end-start < 2) {
					// Too narrow to name: it joins the "…" of its
					// siblings (a lone cell beside one stays with it).
					if moreFrom < 0 {
						moreFrom = start
					}
					moreTo = end
					continue
				}
				flush()
				row = append(row, flameSpan{x0: start, x1: end, node: c, parent: pi})
			}
			flush()
		}
		if len(row) == 0 {
			break
		}
		rows = append(rows, row)
	}
	return rows
}

// FlameKeyMap are the flame graph's keys.
type FlameKeyMap struct {
	Up, Down, Left, Right, Zoom key.Binding
}

// flameKeyMap takes the flame graph's keys from k: arrows or hjkl, enter.
func flameKeyMap(k KeyMap) FlameKeyMap {
	return FlameKeyMap{
		Up:    withHelp(k.Up, "↑", "caller"),
		Down:  withHelp(k.Down, "↓", "callee"),
		Left:  withHelp(k.Collapse, "←", "left"),
		Right: key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→", "right")),
		Zoom:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "zoom")),
	}
}

// Flame is the flame graph screen: an icicle of growth per lifecycle (the
// widest frame on top, what it calls below, each as wide as its growth),
// coloured by the worst verdict beneath, with a selected frame and a zoom.
type Flame struct {
	KeyMap FlameKeyMap
	// styles are the explorer's, shared rather than copied: the root
	// model, copied on every message, must stay small enough for the stack.
	styles *Styles

	root   *CallNode
	unit   string
	suffix string
	// zoom is the path from root to the frame drawn full width; path from
	// there to the selected frame (path[0] is the zoomed frame).
	zoom []*CallNode
	path []*CallNode
	// zooms are the lengths zoom had before each enter, for esc.
	zooms  []int
	total  int // the sites in view, growing or not
	width  int
	height int
}

// NewFlame returns the flame graph of root (BuildFlame), of total sites in
// view, with the widest top frame selected.
func NewFlame(root *CallNode, total int, unit, suffix string, km FlameKeyMap, st Styles) Flame {
	f := Flame{KeyMap: km, styles: &st, root: root, unit: unit, suffix: suffix, total: total,
		zoom: []*CallNode{root}, path: []*CallNode{root}}
	if len(root.Children) > 0 {
		f.path = append(f.path, root.Children[0])
	}
	return f
}

// SetSize sets the screen size.
func (f *Flame) SetSize(w, h int) { f.width, f.height = w, h }

// Selected returns the selected frame's name, "" on the root.
func (f Flame) Selected() string {
	if len(f.zoom) == 1 && len(f.path) == 1 {
		return ""
	}
	return f.path[len(f.path)-1].Name
}

// Zoomed reports whether a frame other than the root is drawn full width.
func (f Flame) Zoomed() bool { return len(f.zooms) > 0 }

// Unzoom goes back to the previous zoom, the zoomed frame selected.
func (f *Flame) Unzoom() {
	if len(f.zooms) == 0 {
		return
	}
	prev := f.zooms[len(f.zooms)-1]
	f.zooms = f.zooms[:len(f.zooms)-1]
	f.path = slices.Clone(f.zoom[prev-1:])
	f.zoom = f.zoom[:prev]
}

// chrome is the number of lines above the icicle: title, selected frame, zoom path.
const flameChrome = 3

func (f Flame) rows() int { return max(f.height-flameChrome, 1) }

// offset is the first depth drawn: the selected frame stays on screen.
func (f Flame) offset() int { return max(len(f.path)-f.rows(), 0) }

// layout lays out every row from the zoomed frame down to the last one on
// screen; View draws those from offset on.
func (f Flame) layout() [][]flameSpan {
	return layoutFlame(f.zoom[len(f.zoom)-1], f.width, f.offset()+f.rows())
}

// Update moves the selection: up to the caller, down to the widest callee,
// left and right to the next frame drawn on the same row; enter zooms.
func (f Flame) Update(msg tea.Msg) (Flame, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return f, nil
	}
	sel := f.path[len(f.path)-1]
	switch {
	case key.Matches(k, f.KeyMap.Up):
		if len(f.path) > 1 {
			f.path = f.path[:len(f.path)-1]
		}
	case key.Matches(k, f.KeyMap.Down):
		if c := f.firstDrawnChild(); c != nil {
			f.path = append(f.path[:len(f.path):len(f.path)], c)
		}
	case key.Matches(k, f.KeyMap.Left), key.Matches(k, f.KeyMap.Right):
		f.step(key.Matches(k, f.KeyMap.Right))
	case key.Matches(k, f.KeyMap.Zoom):
		if len(f.path) > 1 {
			f.zooms = append(f.zooms[:len(f.zooms):len(f.zooms)], len(f.zoom))
			f.zoom = append(f.zoom[:len(f.zoom):len(f.zoom)], f.path[1:]...)
			f.path = []*CallNode{sel}
			if c := f.firstDrawnChild(); c != nil {
				f.path = append(f.path, c)
			}
		}
	}
	return f, nil
}

// firstDrawnChild is the selected frame's first callee wide enough to be
// drawn (a leak narrower than a cell ranks first but shows only as "…"),
// or its first callee when none is; nil for a frame that calls nothing.
func (f Flame) firstDrawnChild() *CallNode {
	sel := f.path[len(f.path)-1]
	if len(sel.Children) == 0 {
		return nil
	}
	d := len(f.path) - 1
	rows := layoutFlame(f.zoom[len(f.zoom)-1], f.width, d+2)
	if at := f.selectedSpan(rows); at >= 0 && d+1 < len(rows) {
		for _, s := range rows[d+1] {
			if s.parent == at && !s.more {
				return s.node
			}
		}
	}
	return sel.Children[0]
}

// step moves the selection to the next named frame on its row, rightwards
// or leftwards, across parents.
func (f *Flame) step(right bool) {
	rows := f.layout()
	d := len(f.path) - 1
	if d >= len(rows) {
		return
	}
	row := rows[d]
	at := f.selectedSpan(rows)
	if at < 0 {
		return
	}
	for i := at; ; {
		if right {
			i++
		} else {
			i--
		}
		if i < 0 || i >= len(row) {
			return
		}
		if !row[i].more {
			f.path = pathOf(rows, d, i)
			return
		}
	}
}

// selectedSpan is the index of the selected frame's span on its row, -1
// when it is too narrow to be drawn.
func (f Flame) selectedSpan(rows [][]flameSpan) int {
	d := len(f.path) - 1
	if d >= len(rows) {
		return -1
	}
	for i, s := range rows[d] {
		if s.more || s.node != f.path[d] {
			continue
		}
		// A frame's span sits under its parent's: one node, one span.
		if j, p := s.parent, d-1; p < 0 || (rows[p][j].node == f.path[p]) {
			return i
		}
	}
	return -1
}

// pathOf is the path from the zoomed frame to span i of row d.
func pathOf(rows [][]flameSpan, d, i int) []*CallNode {
	p := make([]*CallNode, d+1)
	for ; d >= 0; d-- {
		p[d] = rows[d][i].node
		i = rows[d][i].parent
	}
	return p
}

// Position names the selected frame's share of the growth shown.
func (f Flame) Position() string {
	sel := f.path[len(f.path)-1]
	top := f.zoom[len(f.zoom)-1]
	p := fmt.Sprintf("depth %d", len(f.zoom)+len(f.path)-2)
	if top.Value > 0 {
		p += fmt.Sprintf(" · %.1f%% of the width", 100*sel.Value/top.Value)
	}
	return f.styles.Subtle.Render(p)
}

// View renders the flame graph, exactly width × height.
func (f Flame) View() string {
	return renderFlame(f, f.width, f.height, *f.styles)
}

func renderFlame(f Flame, width, height int, st Styles) string {
	sel := f.path[len(f.path)-1]
	top := f.zoom[len(f.zoom)-1]
	title := st.Section.Render("Flame graph of growth") + st.Subtle.Render(fmt.Sprintf(" · %d of %s growing, %s in all",
		f.root.Sites, pluralN(f.total), formatGrowth(f.root.Value, f.unit, f.suffix)))
	info := st.Title.Render(shortName(clean(sel.Name), max(width/2, 12))) + st.Subtle.Render(" · cum ") + formatGrowth(sel.Value, f.unit, f.suffix) +
		st.Subtle.Render(" · self ") + formatGrowth(sel.Self, f.unit, f.suffix) + st.Subtle.Render(" · "+pluralN(sel.Sites))
	if t := sel.Verdicts.String(); t != "" {
		info += st.Subtle.Render(": " + t)
	}
	crumbs := "zoom: none (enter zooms into the selected frame)"
	if len(f.zoom) > 1 {
		names := make([]string, 0, len(f.zoom))
		for _, n := range f.zoom[1:] {
			names = append(names, shortName(clean(n.Name), 32))
		}
		crumbs = "zoom: " + strings.Join(names, " › ") + " (esc zooms out)"
	}
	lines := []string{title, info, st.Subtle.Render(crumbs)}
	if !(top.Value > 0) {
		lines = append(lines, "", "  "+st.Subtle.Render("no site grows in view: the flame graph draws growth only"))
		return fit(lines, width, height)
	}
	rows := f.layout()
	selDepth, selSpan := len(f.path)-1, f.selectedSpan(rows)
	paint := flamePainters(st)
	for d := f.offset(); d < len(rows); d++ {
		row := rows[d]
		if len(lines) >= height {
			break
		}
		var b strings.Builder
		x := 0
		for i, s := range row {
			if s.x0 > x {
				b.WriteString(strings.Repeat(" ", s.x0-x))
			}
			w := s.x1 - s.x0
			label := "…"
			if !s.more {
				label = shortName(clean(s.node.Name), max(w-1, 1))
			}
			// A bar starts each frame, so frames part without colour;
			// the selected one starts with the cursor's marker.
			edge := "│"
			if d == selDepth && i == selSpan {
				edge = "›"
			}
			cell := edge + pad(label, w-1, false)
			switch {
			case d == selDepth && i == selSpan:
				cell = st.Selected.Render(cell)
			case s.more:
				cell = st.Subtle.Render(cell)
			default:
				cell = paintOr(paint[worstVerdict(s.node.Verdicts)], cell)
			}
			b.WriteString(cell)
			x = s.x1
		}
		lines = append(lines, b.String())
	}
	return fit(lines, width, height)
}

// worstVerdict is the first verdict present beneath a node in the order of
// dumpdiff.Verdicts (leak, creep, plateau, new, …): what colours its frame.
func worstVerdict(t Tally) dumpdiff.Verdict {
	for i, n := range t {
		if n > 0 && i < len(dumpdiff.Verdicts) {
			return dumpdiff.Verdicts[i]
		}
	}
	return ""
}

// flamePainters paints frames by verdict: the flame styles, else the
// verdicts' own colours reversed.
func flamePainters(st Styles) map[dumpdiff.Verdict]func(string) string {
	out := map[dumpdiff.Verdict]func(string) string{}
	for v, s := range st.Flame {
		out[v] = painter(s)
	}
	return out
}
