package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replacement stands in for every control character of an untrusted name.
const replacement = '\uFFFD'

// Clean makes an untrusted string from a dump (a symbol, file or module name)
// safe to print: control characters (C0, C1, DEL, so every escape sequence
// introducer), bidirectional overrides, line and paragraph separators and
// invalid UTF-8 become U+FFFD, so a name can neither move the cursor,
// recolour the screen, break a line nor reorder text. Every output format and
// the TUI use it, so they agree on what a name shows as. The common case, a
// clean name, costs one scan and no allocation.
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

// Sanitize is Clean for plain text on a terminal or stderr, with '?' as the
// stand-in: "evil\x1b[31m" prints as "evil?[31m".
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unsafeRune(r) {
			return '?'
		}
		return r
	}, s)
}

// clean is Clean inside the package.
func clean(s string) string { return Clean(s) }

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}
