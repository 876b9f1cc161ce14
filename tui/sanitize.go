package tui

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replacement stands in for every control character of an untrusted name.
const replacement = '\uFFFD'

// clean makes an untrusted string from a dump (a symbol, file or module name)
// safe to print: control characters (C0, C1, DEL, so every escape sequence
// introducer), bidirectional overrides and invalid UTF-8 become U+FFFD, so a
// name can neither move the cursor, recolour the screen nor reorder text.
// The common case, a clean name, costs one scan and no allocation.
func clean(s string) string {
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

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}
