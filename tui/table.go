package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Column describes one column of a Table. Cells are produced on demand for
// the visible rows only, so a table of 100 000 items renders as fast as one
// of 20.
type Column struct {
	Title string
	// Width is the column's width in cells; 0 gives the column whatever the
	// fixed columns leave (one such column per table).
	Width int
	// Right aligns the column to the right (numbers).
	Right bool
	// Cell returns the text of item i, already safe to print.
	Cell func(i int) string
	// Paint, when set, styles item i's padded cell (badges, signs); see painter.
	Paint func(i int, cell string) string
	// Less orders items when this column is the sort key; nil means the
	// column is not sortable. Ties fall back to the item order.
	Less func(a, b int) bool
}

// TableKeyMap are the table's navigation keys.
type TableKeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// DefaultTableKeyMap takes the navigation keys of DefaultKeyMap.
func DefaultTableKeyMap() TableKeyMap { return tableKeyMap(DefaultKeyMap()) }

// tableKeyMap takes the table's keys from k.
func tableKeyMap(k KeyMap) TableKeyMap {
	return TableKeyMap{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// Table is a scrolling, filterable, sortable list of items drawn in columns,
// in the shape of bubbles' table but lazy: it holds item indices, not rows.
type Table struct {
	KeyMap TableKeyMap
	Styles Styles

	cols    []Column
	n       int
	match   func(i int) bool
	view    []int // visible items: filtered, then sorted
	sortCol int   // -1: item order
	reverse bool  // the sort (or item order) backwards
	cursor  int   // index into view
	offset  int   // first visible row
	width   int
	height  int // including the header line
}

// TableOption configures a new Table.
type TableOption func(*Table)

// WithColumns sets the columns and the number of items.
func WithColumns(cols []Column, n int) TableOption {
	return func(t *Table) { t.cols, t.n = cols, n }
}

// WithSize sets the table's width and height (header included).
func WithSize(w, h int) TableOption {
	return func(t *Table) { t.width, t.height = w, h }
}

// WithStyles sets the styles.
func WithStyles(s Styles) TableOption {
	return func(t *Table) { t.Styles = s }
}

// NewTable returns a table showing every item in item order.
func NewTable(opts ...TableOption) Table {
	t := Table{KeyMap: DefaultTableKeyMap(), Styles: DefaultStyles(), sortCol: -1}
	for _, o := range opts {
		o(&t)
	}
	t.rebuild()
	return t
}

// Reset replaces the columns, the items and the filter, and sorts by the
// column titled sortTitle ("" or a column that is gone: item order), in one
// pass over the items rather than one per setter. The cursor goes to the top.
func (t *Table) Reset(cols []Column, n int, sortTitle string, match func(i int) bool) {
	t.cols, t.n, t.match = cols, n, match
	t.sortCol = t.sortIndex(slices.IndexFunc(cols, func(c Column) bool { return sortTitle != "" && c.Title == sortTitle }))
	t.cursor, t.offset = 0, 0
	t.rebuild()
}

// SetFilter shows only the items match accepts; nil shows all. The cursor
// goes to the top.
func (t *Table) SetFilter(match func(i int) bool) {
	t.match = match
	t.cursor, t.offset = 0, 0
	t.rebuild()
}

// SortTitle returns the sort column's title, "" for item order.
func (t Table) SortTitle() string {
	if t.sortCol < 0 {
		return ""
	}
	return t.cols[t.sortCol].Title
}

// Reversed reports whether the order is reversed.
func (t Table) Reversed() bool { return t.reverse }

// Reverse turns the order around, keeping the selected item under the
// cursor. It lasts across sorts and new items until turned back.
func (t *Table) Reverse() {
	sel := t.Selected()
	t.reverse = !t.reverse
	slices.Reverse(t.view)
	t.Select(sel)
}

// Next moves the cursor to the next shown item after it (before it when
// back is set) that want accepts, wrapping around; it reports whether one
// was found and whether the search wrapped.
func (t *Table) Next(want func(i int) bool, back bool) (found, wrapped bool) {
	n := len(t.view)
	if n == 0 {
		return false, false
	}
	step := 1
	if back {
		step = -1
	}
	for k := 1; k <= n; k++ {
		r := t.cursor + step*k
		r = ((r % n) + n) % n
		if want(t.view[r]) {
			wrapped = (step > 0 && r <= t.cursor) || (step < 0 && r >= t.cursor)
			t.cursor = r
			t.clamp()
			return true, wrapped
		}
	}
	return false, false
}

// SortColumn returns the sort column, -1 for item order.
func (t Table) SortColumn() int { return t.sortCol }

// SetSort sorts by column c (-1 for item order), keeping the selected item
// under the cursor.
func (t *Table) SetSort(c int) {
	sel := t.Selected()
	t.sortCol = t.sortIndex(c)
	t.rebuild()
	t.Select(sel)
}

// sortIndex is c when column c can sort, else -1 (item order).
func (t Table) sortIndex(c int) int {
	if c < 0 || c >= len(t.cols) || t.cols[c].Less == nil {
		return -1
	}
	return c
}

// CycleSort moves the sort key to the next sortable column, then back to item order.
func (t *Table) CycleSort() {
	for c := t.sortCol + 1; c < len(t.cols); c++ {
		if t.cols[c].Less != nil {
			t.SetSort(c)
			return
		}
	}
	t.SetSort(-1)
}

func (t *Table) rebuild() {
	t.view = t.view[:0]
	for i := range t.n {
		if t.match == nil || t.match(i) {
			t.view = append(t.view, i)
		}
	}
	if t.sortCol >= 0 {
		// Ties go by item order, so no two items compare equal and the
		// faster unstable sort gives the one order a stable sort would.
		less := t.cols[t.sortCol].Less
		slices.SortFunc(t.view, func(a, b int) int {
			switch {
			case less(a, b):
				return -1
			case less(b, a):
				return 1
			}
			return a - b
		})
	}
	if t.reverse {
		slices.Reverse(t.view)
	}
	t.clamp()
}

// Len is the number of items shown (after the filter).
func (t Table) Len() int { return len(t.view) }

// Items returns the items shown, in display order.
func (t Table) Items() []int { return t.view }

// Cursor is the cursor's row among the shown items.
func (t Table) Cursor() int { return t.cursor }

// Selected is the item under the cursor, -1 when nothing is shown.
func (t Table) Selected() int {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		return -1
	}
	return t.view[t.cursor]
}

// Select moves the cursor to item i when it is shown.
func (t *Table) Select(i int) {
	if j := slices.Index(t.view, i); j >= 0 {
		t.cursor = j
		t.clamp()
	}
}

// SetSize sets the table's width and height (header included).
func (t *Table) SetSize(w, h int) {
	t.width, t.height = w, h
	t.clamp()
}

func (t Table) rows() int { return max(t.height-1, 1) }

// MoveUp moves the cursor up n rows.
func (t *Table) MoveUp(n int) { t.cursor -= n; t.clamp() }

// MoveDown moves the cursor down n rows.
func (t *Table) MoveDown(n int) { t.cursor += n; t.clamp() }

// GotoTop moves the cursor to the first row.
func (t *Table) GotoTop() { t.cursor = 0; t.clamp() }

// GotoBottom moves the cursor to the last row.
func (t *Table) GotoBottom() { t.cursor = len(t.view) - 1; t.clamp() }

// clamp keeps the cursor on a row and the cursor's row on screen.
func (t *Table) clamp() {
	t.cursor = max(min(t.cursor, len(t.view)-1), 0)
	r := t.rows()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+r {
		t.offset = t.cursor - r + 1
	}
	t.offset = max(min(t.offset, len(t.view)-r), 0)
}

// Update moves the cursor on navigation keys and the mouse wheel.
func (t Table) Update(msg tea.Msg) (Table, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, t.KeyMap.Up):
			t.MoveUp(1)
		case key.Matches(msg, t.KeyMap.Down):
			t.MoveDown(1)
		case key.Matches(msg, t.KeyMap.PageUp):
			t.MoveUp(t.rows())
		case key.Matches(msg, t.KeyMap.PageDown):
			t.MoveDown(t.rows())
		case key.Matches(msg, t.KeyMap.Top):
			t.GotoTop()
		case key.Matches(msg, t.KeyMap.Bottom):
			t.GotoBottom()
		}
	case tea.MouseWheelMsg:
		t.MoveDown(wheelRows(msg))
	}
	return t, nil
}

// View renders the header and the visible rows, exactly width × height.
func (t Table) View() string {
	return renderTable(t.cols, t.view, t.cursor, t.offset, t.sortCol, t.reverse, t.width, t.height, t.Styles)
}

// colWidths gives each column its width: the flexible column takes the rest.
func colWidths(cols []Column, width int) []int {
	ws := make([]int, len(cols))
	used, flex := 2, -1 // the cursor marker and its space
	for i, c := range cols {
		if c.Width == 0 {
			flex = i
			continue
		}
		ws[i] = c.Width
		used += c.Width + 1
	}
	if flex >= 0 {
		ws[flex] = max(width-used, 1)
	}
	return ws
}

// renderTable draws a table: a header, then rows[offset:] up to the height.
func renderTable(cols []Column, items []int, cursor, offset, sortCol int, reverse bool, width, height int, st Styles) string {
	ws := colWidths(cols, width)
	lines := make([]string, 0, height)
	var hb strings.Builder
	hb.WriteString("  ")
	for c, col := range cols {
		title := col.Title
		switch {
		case c == sortCol && reverse, sortCol < 0 && reverse && c == 0:
			// Reversed item order shows on the first column, the rank.
			title += "▴"
		case c == sortCol:
			title += "▾"
		}
		hb.WriteString(pad(title, ws[c], col.Right))
		if c < len(cols)-1 {
			hb.WriteByte(' ')
		}
	}
	lines = append(lines, st.Header.Render(hb.String()))
	// When the fixed columns fit, every row is built exactly width cells
	// wide and needs no measuring, which keeps large tables fast.
	exact := 2 + len(cols) - 1
	for _, w := range ws {
		exact += w
	}
	for r := offset; r < len(items) && len(lines) < height; r++ {
		i := items[r]
		var b strings.Builder
		if r == cursor {
			b.WriteString("› ")
		} else {
			b.WriteString("  ")
		}
		for c, col := range cols {
			cell := pad(col.Cell(i), ws[c], col.Right)
			if col.Paint != nil {
				cell = col.Paint(i, cell)
			}
			b.WriteString(cell)
			if c < len(cols)-1 {
				b.WriteByte(' ')
			}
		}
		line := b.String()
		if exact != width {
			line = fitWidth(line, width)
		}
		if r == cursor {
			line = st.Selected.Render(ansi.Strip(line))
		}
		lines = append(lines, line)
	}
	if exact == width {
		blank := strings.Repeat(" ", width)
		lines[0] = fitWidth(lines[0], width)
		for len(lines) < height {
			lines = append(lines, blank)
		}
		return strings.Join(lines[:height], "\n")
	}
	return fit(lines, width, height)
}
