package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// newInput returns the footer's text input: a steady cursor, so no timer
// runs and screens stay stable.
func newInput() textinput.Model {
	in := textinput.New()
	is := in.Styles()
	is.Cursor.Blink = false
	in.SetStyles(is)
	return in
}

// inputWidth is the prompts' input width on a terminal w cells wide.
func inputWidth(w int) int { return max(w-8, 10) }

// hintView renders key, description pairs as the footer's short help, in
// the styles st, at most width cells wide. The help model is made here
// rather than kept in each prompt: the root model is copied on every
// message, and must stay small enough to live on the stack.
func hintView(st Styles, width int, pairs ...string) string {
	h := newHelp(st)
	h.SetWidth(width)
	var bs []key.Binding
	for i := 0; i+1 < len(pairs); i += 2 {
		bs = append(bs, key.NewBinding(key.WithKeys(pairs[i]), key.WithHelp(pairs[i], pairs[i+1])))
	}
	return h.ShortHelpView(bs)
}

// newHelp returns a help model in the styles st for hint lines.
func newHelp(st Styles) help.Model {
	h := help.New()
	h.Styles = st.Help
	return h
}

// PromptKeyMap are a prompt's keys: accept the input, or leave it.
type PromptKeyMap struct {
	Accept, Cancel key.Binding
}

// DefaultFilterKeyMap are the filter prompt's keys: enter keeps the
// filter, esc clears it.
func DefaultFilterKeyMap() PromptKeyMap {
	return PromptKeyMap{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
	}
}

// Filter is the sites screen's filter: a regular expression over site names
// and stacks, typed in the footer and compiled as the user types, and a
// verdict: "verdict:leak" (or "status:grown" in pair mode) among the words
// typed, or what v chose.
type Filter struct {
	KeyMap PromptKeyMap
	Styles Styles

	input textinput.Model
	width int
	re    *regexp.Regexp
	class string
	err   string
}

// Class returns the verdict (or status) the filter asks for, "" for any.
func (f Filter) Class() string { return f.class }

// SetClass sets the verdict the filter asks for, "" for any, keeping the
// expression.
func (f *Filter) SetClass(c string) { f.class = c }

// text is the filter as typed: the verdict word, then the expression.
func (f Filter) text() string {
	var parts []string
	if f.class != "" {
		parts = append(parts, classWord+f.class)
	}
	if f.re != nil {
		parts = append(parts, f.re.String())
	}
	return strings.Join(parts, " ")
}

// classWord and statusWord start the filter's verdict word.
const (
	classWord  = "verdict:"
	statusWord = "status:"
)

// NewFilter returns an empty, closed filter prompt.
func NewFilter(st Styles) Filter {
	return Filter{KeyMap: DefaultFilterKeyMap(), Styles: st, input: newInput()}
}

// Regexp returns the filter in force, nil for none.
func (f Filter) Regexp() *regexp.Regexp { return f.re }

// Err says why the expression typed last does not compile, "" when it does.
func (f Filter) Err() string { return f.err }

// SetWidth fits the prompt to a footer w cells wide.
func (f *Filter) SetWidth(w int) {
	f.input.SetWidth(inputWidth(w))
	f.width = w
}

// Focus opens the prompt on the filter in force.
func (f *Filter) Focus() tea.Cmd {
	f.input.Reset()
	f.input.Prompt = "/"
	f.input.SetValue(f.text())
	return f.input.Focus()
}

// Blur closes the prompt, keeping the filter.
func (f *Filter) Blur() { f.input.Blur() }

// Clear drops the filter.
func (f *Filter) Clear() { f.re, f.class, f.err = nil, "", "" }

// Update edits the expression. A key press that changed it compiles it
// (moving the cursor does not): a bad expression keeps the last good filter
// and Err says why.
func (f Filter) Update(msg tea.Msg) (Filter, tea.Cmd) {
	var cmd tea.Cmd
	before := f.input.Value()
	f.input, cmd = f.input.Update(msg)
	if _, ok := msg.(tea.KeyPressMsg); ok && f.input.Value() != before {
		f.set(f.input.Value())
	}
	return f, cmd
}

// set reads the typed text: a verdict:NAME (or status:NAME) word and, in
// what is left, the expression. A verdict that does not exist is an error
// like a bad expression: the last good filter stays.
func (f *Filter) set(text string) {
	class, expr := "", text
	for _, w := range []string{classWord, statusWord} {
		at := strings.Index(expr, w)
		if at < 0 || (at > 0 && expr[at-1] != ' ') {
			continue
		}
		end := at + len(w)
		for end < len(expr) && expr[end] != ' ' {
			end++
		}
		class = expr[at+len(w) : end]
		expr = strings.TrimSpace(expr[:at] + expr[end:])
		if !knownClass(class) {
			f.err = fmt.Sprintf("bad filter: no verdict %q (%s)", class, classList())
			return
		}
		break
	}
	var re *regexp.Regexp
	if expr != "" {
		var err error
		if re, err = regexp.Compile(expr); err != nil {
			f.err = "bad filter: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")
			return
		}
	}
	f.re, f.class, f.err = re, class, ""
}

// classList names the verdicts a filter may ask for.
func classList() string {
	var vs []string
	for _, v := range dumpdiff.Verdicts {
		vs = append(vs, string(v))
	}
	for _, s := range pairStatuses {
		if !slices.Contains(vs, string(s)) {
			vs = append(vs, string(s))
		}
	}
	return strings.Join(vs, ", ")
}

// View renders the prompt's two footer lines: the input, then the error or
// the keys.
func (f Filter) View() string {
	if f.err != "" {
		return f.input.View() + "\n" + f.Styles.Error.Render(clean(f.err))
	}
	return f.input.View() + "\n" + hintView(f.Styles, f.width, f.KeyMap.Accept.Help().Key, f.KeyMap.Accept.Help().Desc,
		f.KeyMap.Cancel.Help().Key, f.KeyMap.Cancel.Help().Desc, "regexp", "over names and stacks", "verdict:leak", "by verdict")
}

// ExportKeyMap are the export prompt's keys.
type ExportKeyMap struct {
	Prev, Next key.Binding // step through the formats
	// Choose picks a format and goes on: one binding per format, in the
	// order of the prompt (the formats' first letters).
	Choose             []key.Binding
	Accept             key.Binding // go on; in the name, write
	Cancel, CancelName key.Binding
}

// DefaultExportKeyMap returns ←/→ (tab) to step, a format's first letter
// (j c m h p t) to choose it, enter to go on and esc (or q, before the
// name) to cancel.
func DefaultExportKeyMap() ExportKeyMap {
	b := key.NewBinding
	km := ExportKeyMap{
		Prev:       b(key.WithKeys("left", "shift+tab")),
		Next:       b(key.WithKeys("right", "tab")),
		Accept:     b(key.WithKeys("enter")),
		Cancel:     b(key.WithKeys("esc", "q")),
		CancelName: b(key.WithKeys("esc")),
	}
	for _, f := range exportFormats {
		km.Choose = append(km.Choose, b(key.WithKeys(string(f[0]))))
	}
	return km
}

// Export is the export prompt: a format, then a file name.
type Export struct {
	KeyMap ExportKeyMap
	Styles Styles

	input  textinput.Model
	width  int
	format int    // index into exportFormats
	dir    string // where a bare file name goes, "" for the working directory
}

// NewExport returns a closed export prompt with JSON chosen, writing bare
// file names into dir ("" for the working directory).
func NewExport(st Styles, dir string) Export {
	return Export{KeyMap: DefaultExportKeyMap(), Styles: st, input: newInput(), dir: dir}
}

// SetWidth fits the prompt to a footer w cells wide.
func (e *Export) SetWidth(w int) {
	e.input.SetWidth(inputWidth(w))
	e.width = w
}

// Format returns the chosen format.
func (e Export) Format() ExportFormat { return exportFormats[e.format] }

// UpdateFormat steps through or chooses the format; done is set when a key
// chose it (j, c, m or enter) and the name comes next.
func (e Export) UpdateFormat(msg tea.KeyPressMsg) (_ Export, done bool) {
	n := len(exportFormats)
	switch {
	case key.Matches(msg, e.KeyMap.Prev):
		e.format = (e.format + n - 1) % n
	case key.Matches(msg, e.KeyMap.Next):
		e.format = (e.format + 1) % n
	case key.Matches(msg, e.KeyMap.Accept):
		done = true
	default:
		for i, b := range e.KeyMap.Choose {
			if key.Matches(msg, b) && i < n {
				e.format, done = i, true
			}
		}
	}
	return e, done
}

// FocusName opens the file name input on stem plus the format's extension.
func (e *Export) FocusName(stem string) tea.Cmd {
	e.input.Reset()
	e.input.Prompt = "file: "
	e.input.SetValue(stem + e.Format().ext())
	e.input.CursorEnd()
	return e.input.Focus()
}

// Blur closes the file name input.
func (e *Export) Blur() { e.input.Blur() }

// Name returns the file name typed, "" for none.
func (e Export) Name() string { return e.input.Value() }

// Path is the file to write: the name typed, with ~/ expanded (no shell
// reads the prompt) and made absolute; "" when no name was typed.
func (e Export) Path() string {
	path := strings.TrimSpace(e.input.Value())
	if path == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	if e.dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(e.dir, path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path
}

// where says where the name typed will be written: the whole path when the
// directory is known, else that it is the working directory.
func (e Export) where() string {
	path := strings.TrimSpace(e.input.Value())
	switch {
	case path == "":
		return "type a file name"
	case filepath.IsAbs(path) || strings.HasPrefix(path, "~/"):
		return "written atomically"
	case e.dir != "":
		return "→ " + filepath.Join(e.dir, path)
	}
	return "→ in the working directory"
}

// Update edits the file name.
func (e Export) Update(msg tea.Msg) (Export, tea.Cmd) {
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	return e, cmd
}

// FormatView renders the format choice's two footer lines.
func (e Export) FormatView() string {
	var opts []string
	for i, f := range exportFormats {
		s := "[" + string(f[0]) + "]" + string(f[1:])
		if i == e.format {
			s = e.Styles.Selected.Render(s)
		}
		opts = append(opts, s)
	}
	line := e.Styles.Prompt.Render("export as ") + strings.Join(opts, " ")
	return line + "\n" + hintView(e.Styles, e.width, "enter", "next", "esc", "cancel", "letter or ←/→", "choose")
}

// View renders the file name's two footer lines: the name, then where it
// will be written.
func (e Export) View() string {
	return e.input.View() + "\n" + hintView(e.Styles, e.width, "enter", "write", "esc", "cancel") +
		e.Styles.Subtle.Render("  "+clean(e.where()))
}
