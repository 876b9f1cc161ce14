package report

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClean checks each rule of the sanitiser on the characters it names:
// the case a rule exists for, and its neighbours that must stay.
func TestClean(t *testing.T) {
	cases := []struct {
		rule, in, want string
	}{
		{"clean name", "ok::name(int) const", "ok::name(int) const"},
		{"clean non-ASCII", "größe·Σ日本", "größe·Σ日本"},
		{"control: CSI", "evil\x1b[31mname", "evil\uFFFD[31mname"},
		{"control: OSC retitle", "x\x1b]0;pwned\x07y", "x\uFFFD]0;pwned\uFFFDy"},
		{"control: newline, CR, tab", "a\nb\rc\td", "a\uFFFDb\uFFFDc\uFFFDd"},
		{"control: C1 CSI", "c1\u009b31m", "c1\uFFFD31m"},
		{"control: DEL", "del\x7f", "del\uFFFD"},
		{"line break: U+2028, U+2029", "a\u2028b\u2029c", "a\uFFFDb\uFFFDc"},
		{"bidi: RLO", "f\u202eevil", "f\uFFFDevil"},
		{"bidi: isolates, marks", "\u2066a\u2069\u200e\u200f\u061c", "\uFFFDa\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"invisible: zero-width space", "leak\u200b", "leak\uFFFD"},
		{"invisible: ZWNJ, ZWJ", "a\u200cb\u200dc", "a\uFFFDb\uFFFDc"},
		{"invisible: word joiner", "a\u2060b", "a\uFFFDb"},
		{"invisible: BOM", "\ufefftitle", "\uFFFDtitle"},
		{"invisible: soft hyphen", "mal\u00adloc", "mal\uFFFDloc"},
		{"invisible: invisible times", "a\u2062b", "a\uFFFDb"},
		{"invisible: tag character", "flag\U000E0041", "flag\uFFFD"},
		{"invisible: Hangul filler", "a\u3164b", "a\uFFFDb"},
		{"invisible: variation selector", "a\ufe0fb", "a\uFFFDb"},
		{"invalid UTF-8", "bad\xffutf8\xc3", "bad\uFFFDutf8\uFFFD"},
		{"replacement stays", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("%s: Clean(%q) = %q, want %q", c.rule, c.in, got, c.want)
		}
		if got := Clean(Clean(c.in)); got != c.want {
			t.Errorf("%s: Clean is not idempotent: got %q", c.rule, got)
		}
	}
}

// TestCleanLookAlikes: names that differ only by an invisible character must
// not print the same.
func TestCleanLookAlikes(t *testing.T) {
	for _, inv := range []string{"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\u034f"} {
		a, b := "leaky_operator_open", "leaky_"+inv+"operator_open"
		if Clean(a) == Clean(b) {
			t.Errorf("%q and %q print alike: %q", a, b, Clean(b))
		}
	}
}

// TestCleanNoAllocation: the common clean name is returned as is.
func TestCleanNoAllocation(t *testing.T) {
	s := strings.Repeat("main.(*leakyOperator).open ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Errorf("got %v allocations for a clean name, want 0", n)
	}
}

// FuzzClean: whatever the input, the output is valid UTF-8 with no character
// a rule refuses, and cleaning twice changes nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b]0;t\x07", "a\u200bb", "\xff", "f\u202ee"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if unsafeRune(r) {
				t.Fatalf("Clean(%q) = %q keeps %U", s, got, r)
			}
		}
		if Clean(got) != got {
			t.Fatalf("Clean(%q) is not idempotent", s)
		}
	})
}

// TestDefuseFormula: cells a spreadsheet would evaluate get a leading quote,
// as OWASP recommends; others are left alone.
func TestDefuseFormula(t *testing.T) {
	cases := []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"main.leak", "main.leak"},
		{"a=b", "a=b"},
		{"", ""},
		{"'quoted", "'quoted"},
	}
	for _, c := range cases {
		if got := defuseFormula(c.in); got != c.want {
			t.Errorf("defuseFormula(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// In a CSV cell the tab is cleaned first, so the cell no longer starts
	// a formula; the formula rule still holds for what Clean leaves.
	if got := csvText("\t=1"); got != "\uFFFD=1" {
		t.Errorf("csvText(tab formula) = %q, want %q", got, "\uFFFD=1")
	}
	if got := csvText("=cmd\x1b"); got != "'=cmd\uFFFD" {
		t.Errorf("csvText = %q, want %q", got, "'=cmd\uFFFD")
	}
}

// TestEscapeJSON: the characters Clean refuses are escaped in encoded JSON,
// which still decodes to the exact name.
func TestEscapeJSON(t *testing.T) {
	names := []string{"plain", "rtl\u202eevil", "zw\u200bj\ufeff", "c1\u009b31m", "tag\U000E0041", "esc\x1b]0;t\x07", "größe"}
	enc, err := json.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	got := EscapeJSON(enc)
	for _, r := range string(got) {
		if r >= 0x80 && unsafeRune(r) {
			t.Errorf("EscapeJSON left %U raw in %s", r, got)
		}
	}
	if !strings.Contains(string(got), `rtl\u202eevil`) || !strings.Contains(string(got), `tag\udb40\udc41`) || !strings.Contains(string(got), "größe") {
		t.Errorf("got %s, want \\u escapes for the unsafe characters only", got)
	}
	var back []string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	for i := range names {
		if back[i] != names[i] {
			t.Errorf("decoded %q, want %q", back[i], names[i])
		}
	}
	clean := []byte(`{"a":"größe"}`)
	if got := EscapeJSON(clean); &got[0] != &clean[0] {
		t.Errorf("a clean document was copied")
	}
}
