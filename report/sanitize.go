package report

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// replacement stands in for every unsafe character of an untrusted name.
const replacement = '\uFFFD'

// Clean is the one sanitiser of untrusted text: every name read from a dump
// or the file system (a symbol, file, module, category, metric, series or
// snapshot path) and every error line that may quote one goes through it
// before it is shown, in every output format, on stderr and in the TUI, so
// they all agree on what a name shows as. Each character that one of the
// rules below refuses becomes U+FFFD, and so does invalid UTF-8:
//
//   - isControl: C0 and C1 controls and DEL, so every escape sequence
//     introducer (a name cannot move the cursor, recolour the screen or
//     retitle the terminal);
//   - isLineBreak: line and paragraph separators (a name stays on its line);
//   - isBidiControl: bidirectional overrides and isolates (a name cannot
//     reorder the text around it);
//   - isInvisible: zero-width and other invisible format characters (two
//     different names cannot look identical).
//
// The common case, a clean name, costs one scan and no allocation.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || unsafeRune(r) {
			b.WriteRune(replacement)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			for _, r := range s[i:] {
				if r == utf8.RuneError || unsafeRune(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}

// clean is Clean inside the package.
func clean(s string) string { return Clean(s) }

// unsafeRune reports whether any rule of Clean refuses r.
func unsafeRune(r rune) bool {
	return isControl(r) || isLineBreak(r) || isBidiControl(r) || isInvisible(r)
}

// isControl: C0 (tab, newline and ESC included), DEL and C1 (CSI U+009B).
func isControl(r rune) bool { return unicode.IsControl(r) }

// isLineBreak: the Unicode line and paragraph separators, which some
// terminals and editors break a line at.
func isLineBreak(r rune) bool { return r == '\u2028' || r == '\u2029' }

// isBidiControl: the marks, embeddings, overrides and isolates that reorder
// the text around them ("f\u202Eevil" shows as "flive").
func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// isInvisible: characters that take no room or show nothing: the format
// characters (zero-width space, joiners, word joiner, byte order mark, soft
// hyphen, invisible operators, tags), the other default-ignorable code points
// (Hangul fillers, combining grapheme joiner) and variation selectors.
func isInvisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// csvText is Clean for a text cell of a CSV file, with the formula rule on
// top (defuseFormula).
func csvText(s string) string { return defuseFormula(Clean(s)) }

// defuseFormula prefixes a cell that a spreadsheet would run as a formula
// with a single quote, as OWASP recommends against CSV injection: a cell
// starting with "=", "+", "-", "@", a tab or a carriage return. The quote
// makes the spreadsheet show the cell as text; a program reading the CSV sees
// it and can strip it.
func defuseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// EscapeJSON is the JSON form of Clean: JSON keeps names exact, so instead of
// being replaced, the characters Clean refuses are written as \uXXXX escapes
// in encoded JSON (encoding/json escapes only the controls and U+2028/2029).
// The decoded value is the same; printed raw on a terminal, the document can
// neither reorder nor hide text. Outside strings JSON is ASCII, so every
// such character found is inside a string.
func EscapeJSON(b []byte) []byte {
	start := 0
	for start < len(b) && b[start] < utf8.RuneSelf {
		start++
	}
	if start == len(b) {
		return b
	}
	var out []byte
	i := 0 // b[:i] is in out already
	for j := start; j < len(b); {
		r, n := utf8.DecodeRune(b[j:])
		if r < utf8.RuneSelf || !unsafeRune(r) {
			j += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[i:j]...)
		out = appendJSONEscape(out, r)
		j += n
		i = j
	}
	if out == nil {
		return b
	}
	return append(out, b[i:]...)
}

// appendJSONEscape writes r as \uXXXX, or as a surrogate pair above U+FFFF.
func appendJSONEscape(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	put := func(b []byte, u rune) []byte {
		return append(b, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
	}
	if r > 0xffff {
		r1, r2 := utf16.EncodeRune(r)
		return put(put(b, r1), r2)
	}
	return put(b, r)
}
