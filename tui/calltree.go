package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// TreeSite is one ranked site as the call tree sees it: its stack, innermost
// first, the engine's value for it (growth per lifecycle, or a pair delta)
// and its verdict ("" in a pair diff, which has none).
type TreeSite struct {
	Frames  []dumpdiff.Frame
	Value   float64
	Verdict dumpdiff.Verdict
}

// verdictIndex is v's place in dumpdiff.Verdicts, -1 for none.
func verdictIndex(v dumpdiff.Verdict) int {
	for i, x := range dumpdiff.Verdicts {
		if x == v {
			return i
		}
	}
	return -1
}

// Tally counts sites by verdict, in the order of dumpdiff.Verdicts.
type Tally [8]int

// add counts one site of verdict v.
func (t *Tally) add(v dumpdiff.Verdict) {
	if i := verdictIndex(v); i >= 0 && i < len(t) {
		t[i]++
	}
}

// Of is the number of sites of verdict v.
func (t Tally) Of(v dumpdiff.Verdict) int {
	if i := verdictIndex(v); i >= 0 && i < len(t) {
		return t[i]
	}
	return 0
}

// String lists the verdicts present, leaks first: "1 leak, 3 noise"; "" for none.
func (t Tally) String() string {
	var parts []string
	for i, n := range t {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+string(dumpdiff.Verdicts[i]))
		}
	}
	return strings.Join(parts, ", ")
}

// CallNode is one frame of a call tree with the sums of the values of the
// sites whose stacks pass through it along this path. Sums are the only
// arithmetic here: every value is the engine's.
type CallNode struct {
	Name string
	// Value is the cumulative growth (pprof's cum): every site beneath.
	Value float64
	// Self is the growth of the sites that allocate in this frame (pprof's
	// flat): their stacks end here. Always 0 among callers, whose paths
	// lead away from the allocations.
	Self float64
	// LeakValue is the part of Value from sites whose verdict is leak; the
	// children are ranked by it first.
	LeakValue float64
	Sites     int
	Verdicts  Tally
	Children  []*CallNode
}

// Leaks is the number of leaking sites beneath the node.
func (n *CallNode) Leaks() int { return n.Verdicts.Of(dumpdiff.VerdictLeak) }

// CallTree is the neighbourhood of one frame: who calls it (walking outward,
// towards main) and what it calls (walking inward, towards the allocation).
type CallTree struct {
	Focus     string
	Value     float64 // sum over every site whose stack holds Focus
	Self      float64 // sum over the sites that allocate in Focus itself
	LeakValue float64
	Sites     int
	Verdicts  Tally
	Callers   []*CallNode
	Callees   []*CallNode
}

// frameName is the key and label of a frame in the tree: its function, or
// its module when the frame was not symbolised.
func frameName(f dumpdiff.Frame) string {
	if f.Function != "" {
		return f.Function
	}
	if f.Module != "" {
		return f.Module
	}
	return "?"
}

// BuildCallTree aggregates sites around the frame named focus. A site counts
// once, at its innermost occurrence of focus, so recursion does not double it.
// Children are ranked by leaking growth, then by cumulative growth, largest
// first, then by name: a leak under a frame stands above a larger sum of
// noisy slopes beside it.
func BuildCallTree(sites []TreeSite, focus string) CallTree {
	t := CallTree{Focus: focus}
	callers := &trie{}
	callees := &trie{}
	for _, s := range sites {
		at := slices.IndexFunc(s.Frames, func(f dumpdiff.Frame) bool { return frameName(f) == focus })
		if at < 0 {
			continue
		}
		t.Value += s.Value
		t.Sites++
		t.Verdicts.add(s.Verdict)
		if s.Verdict == dumpdiff.VerdictLeak {
			t.LeakValue += s.Value
		}
		if at == 0 {
			t.Self += s.Value
		}
		callers.add(s.Frames[at+1:], false, false, s)
		callees.add(s.Frames[:at], true, true, s)
	}
	t.Callers = callers.nodes()
	t.Callees = callees.nodes()
	return t
}

// trie accumulates paths while the tree is built.
type trie struct {
	kids      map[string]*trie
	value     float64
	self      float64
	leakValue float64
	sites     int
	verdicts  Tally
}

// add walks path (backwards when reverse is set, so callees go from the
// focus inward) adding s along it; when self is set the path ends at the
// site's allocation, which the last node keeps as its self value.
func (t *trie) add(path []dumpdiff.Frame, reverse, self bool, s TreeSite) {
	leak := s.Verdict == dumpdiff.VerdictLeak
	vi := verdictIndex(s.Verdict)
	counted := vi >= 0 && vi < len(t.verdicts)
	for j := range path {
		if reverse {
			j = len(path) - 1 - j
		}
		name := frameName(path[j])
		if t.kids == nil {
			t.kids = map[string]*trie{}
		}
		k := t.kids[name]
		if k == nil {
			k = &trie{}
			t.kids[name] = k
		}
		k.value += s.Value
		k.sites++
		if counted {
			k.verdicts[vi]++
		}
		if leak {
			k.leakValue += s.Value
		}
		t = k
	}
	if self && len(path) > 0 {
		t.self += s.Value
	}
}

// nodes converts the children to ranked CallNodes; sorting here keeps map
// order out of the output.
func (t *trie) nodes() []*CallNode {
	out := make([]*CallNode, 0, len(t.kids))
	for name, k := range t.kids {
		out = append(out, &CallNode{Name: name, Value: k.value, Self: k.self, LeakValue: k.leakValue,
			Sites: k.sites, Verdicts: k.verdicts, Children: k.nodes()})
	}
	slices.SortFunc(out, compareNodes)
	return out
}

// compareNodes ranks nodes: leaking growth, then growth, largest first,
// then by name.
func compareNodes(a, b *CallNode) int {
	if c := cmp.Compare(b.LeakValue, a.LeakValue); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Value, a.Value); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// treeRow is one line of the flattened tree.
type treeRow struct {
	id      string // path of names from the section, unique per row
	node    *CallNode
	depth   int
	section string // set on the section title rows
}

// Tree is the call tree screen's component: an expandable outline of a
// CallTree with a cursor.
type Tree struct {
	KeyMap KeyMap
	Styles Styles
	tree   CallTree
	unit   string
	suffix string // "/lc" for growth, "" for deltas
	open   map[string]bool
	rows   []treeRow
	cursor int
	offset int
	width  int
	height int
}

// NewTree returns a tree screen for t, with the heaviest caller chain open.
func NewTree(t CallTree, unit, suffix string, km KeyMap, st Styles) Tree {
	m := Tree{KeyMap: km, Styles: st, tree: t, unit: unit, suffix: suffix, open: map[string]bool{}}
	id := "callers"
	for nodes := t.Callers; len(nodes) > 0; nodes = nodes[0].Children {
		id += "\x00" + nodes[0].Name
		m.open[id] = true
	}
	m.flatten()
	if len(t.Callers) > 0 {
		m.cursor = 1 // the first caller, not the section title
	}
	return m
}

// Position says which row the cursor is on and the verdicts of the sites
// beneath it.
func (m Tree) Position() string {
	p := fmt.Sprintf("row %d of %d", m.cursor+1, len(m.rows))
	if m.cursor < len(m.rows) {
		if n := m.rows[m.cursor].node; n != nil {
			if t := n.Verdicts.String(); t != "" {
				p += " · beneath: " + t
			}
		}
	}
	return m.Styles.Subtle.Render(p)
}

func (m *Tree) flatten() {
	m.rows = m.rows[:0]
	var walk func(id string, nodes []*CallNode, depth int)
	walk = func(id string, nodes []*CallNode, depth int) {
		for _, n := range nodes {
			nid := id + "\x00" + n.Name
			m.rows = append(m.rows, treeRow{id: nid, node: n, depth: depth})
			if m.open[nid] {
				walk(nid, n.Children, depth+1)
			}
		}
	}
	m.rows = append(m.rows, treeRow{section: "callers"})
	walk("callers", m.tree.Callers, 1)
	m.rows = append(m.rows, treeRow{section: "callees"})
	walk("callees", m.tree.Callees, 1)
	m.clamp()
}

// SetSize sets the screen size.
func (m *Tree) SetSize(w, h int) { m.width, m.height = w, h; m.clamp() }

func (m Tree) body() int { return max(m.height-3, 1) }

func (m *Tree) clamp() {
	m.cursor = max(min(m.cursor, len(m.rows)-1), 0)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+m.body() {
		m.offset = m.cursor - m.body() + 1
	}
	m.offset = max(min(m.offset, len(m.rows)-m.body()), 0)
}

// Toggle opens or closes the node under the cursor.
func (m *Tree) Toggle() {
	if len(m.rows) == 0 {
		return
	}
	r := m.rows[m.cursor]
	if r.node == nil || len(r.node.Children) == 0 {
		return
	}
	m.open[r.id] = !m.open[r.id]
	m.flatten()
}

// Collapse closes the node under the cursor, or moves to its parent.
func (m *Tree) Collapse() {
	if len(m.rows) == 0 {
		return
	}
	r := m.rows[m.cursor]
	if r.node == nil {
		return
	}
	if m.open[r.id] {
		m.open[r.id] = false
		m.flatten()
		return
	}
	parent := r.id[:strings.LastIndexByte(r.id, 0)]
	for i, x := range m.rows {
		if x.id == parent {
			m.cursor = i
			m.clamp()
			return
		}
	}
}

// Selected returns the frame name under the cursor, "" on a section title.
func (m Tree) Selected() string {
	if len(m.rows) == 0 {
		return ""
	}
	if r := m.rows[m.cursor]; r.node != nil {
		return r.node.Name
	}
	return ""
}

// Update handles movement and expansion.
func (m Tree) Update(msg tea.Msg) (Tree, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.KeyMap.Up):
			m.cursor--
		case key.Matches(msg, m.KeyMap.Down):
			m.cursor++
		case key.Matches(msg, m.KeyMap.PageUp):
			m.cursor -= m.body()
		case key.Matches(msg, m.KeyMap.PageDown):
			m.cursor += m.body()
		case key.Matches(msg, m.KeyMap.Top):
			m.cursor = 0
		case key.Matches(msg, m.KeyMap.Bottom):
			m.cursor = len(m.rows) - 1
		case key.Matches(msg, m.KeyMap.Toggle):
			m.Toggle()
		case key.Matches(msg, m.KeyMap.Collapse):
			m.Collapse()
		}
	case tea.MouseWheelMsg:
		m.cursor += wheelRows(msg)
	}
	m.clamp()
	return m, nil
}

// View renders the tree screen, exactly width × height.
func (m Tree) View() string {
	return renderTree(m.tree, m.rows, m.open, m.cursor, m.offset, m.unit, m.suffix, m.width, m.height, m.Styles)
}

func renderTree(t CallTree, rows []treeRow, open map[string]bool, cursor, offset int, unit, suffix string, width, height int, st Styles) string {
	valW := 14
	// Self (pprof's flat) gives way first on a narrow screen: cum says
	// where the growth is, the leak count what it is.
	selfW := valW
	if width < 72 {
		selfW = 0
	}
	sitesW := 17
	if width < 56 {
		sitesW = 9
	}
	focus := pluralN(t.Sites) + " through it"
	if n := t.Verdicts.Of(dumpdiff.VerdictLeak); n > 0 {
		focus += fmt.Sprintf(" (%s)", pluralLeaks(n))
	}
	focus += ", self " + formatGrowth(t.Self, unit, suffix) + ", cum " + formatGrowth(t.Value, unit, suffix)
	lines := []string{
		st.Section.Render("Call tree of ") + st.Title.Render(clean(t.Focus)),
		st.Subtle.Render(focus),
		st.Header.Render(fitWidth(treeColumns(width, selfW, valW, sitesW), width)),
	}
	for r := offset; r < len(rows) && len(lines) < height; r++ {
		row := rows[r]
		mark := "  "
		if r == cursor {
			mark = "› "
		}
		var line string
		if row.node == nil {
			title := "callers  (who calls it, outward)"
			n := len(t.Callers)
			if row.section == "callees" {
				title, n = "callees  (what it calls, inward)", len(t.Callees)
			}
			if n == 0 {
				title += "  none"
			}
			line = mark + st.Section.Render(title)
		} else {
			n := row.node
			icon := "  "
			if len(n.Children) > 0 {
				icon = "▸ "
				if open[row.id] {
					icon = "▾ "
				}
			}
			// Deep chains indent by two cells a level, then by one past
			// the eighth level, up to a third of the width, so names
			// keep their room.
			d := row.depth - 1
			indent := strings.Repeat(" ", min(2*min(d, 8)+max(d-8, 0), width/3))
			nameW := max(width-2-len(indent)-2-1-valW-sitesW-treeGap(selfW), 8)
			var b strings.Builder
			b.WriteString(mark + indent + icon + pad(shortName(clean(n.Name), nameW), nameW, false) + " ")
			if selfW > 0 {
				self := ""
				if strings.HasPrefix(row.id, "callees\x00") {
					self = formatGrowth(n.Self, unit, suffix)
				}
				b.WriteString(pad(self, selfW, true) + " ")
			}
			b.WriteString(pad(formatGrowth(n.Value, unit, suffix), valW, true))
			b.WriteString(st.Subtle.Render(pad(sitesCell(n, sitesW), sitesW, true)))
			line = b.String()
		}
		lines = append(lines, selectRow(line, r == cursor, width, st))
	}
	return fit(lines, width, height)
}

// treeGap is the room the self column takes with its separator.
func treeGap(selfW int) int {
	if selfW == 0 {
		return 0
	}
	return selfW + 1
}

// treeColumns is the heading over the tree's numbers, right-aligned as
// they are.
func treeColumns(width, selfW, valW, sitesW int) string {
	h := ""
	if selfW > 0 {
		h += pad("self", selfW, true) + " "
	}
	h += pad("cum", valW, true) + pad("sites", sitesW, true)
	return strings.Repeat(" ", max(width-strWidth(h), 0)) + h
}

// sitesCell counts the sites beneath a node and how many of them leak:
// "1 leak of 12", "12 sites", or "12 (1L)" when room is short.
func sitesCell(n *CallNode, w int) string {
	leaks := n.Leaks()
	if w < 17 {
		if leaks > 0 {
			return fmt.Sprintf("%d (%dL)", n.Sites, leaks)
		}
		return strconv.Itoa(n.Sites)
	}
	if leaks > 0 {
		return fmt.Sprintf("%s of %d", pluralLeaks(leaks), n.Sites)
	}
	return pluralN(n.Sites)
}

func pluralLeaks(n int) string {
	if n == 1 {
		return "1 leak"
	}
	return strconv.Itoa(n) + " leaks"
}
