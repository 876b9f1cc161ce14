package report

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// This file writes the sites of a JSON trend or compare by hand: with
// --top 0 a large series has hundreds of thousands of sites and gigabytes of
// JSON, which encoding/json's reflection writes ten times slower. The bytes
// are exactly encoding/json's (an Encoder with SetIndent("    ", "  ") and
// SetEscapeHTML(false), on jsonTrendSite and jsonPairSite): a test holds
// the two to each other.

// appendTrendSiteJSON appends one trend site, as an element of "sites".
func appendTrendSiteJSON(b []byte, s dumpdiff.TrendSite) []byte {
	b = appendSiteHead(b, s.Rank, s.Key, s.Title, s.Frames, s.Category)
	b = append(b, ",\n      \"values\": "...)
	if len(s.Values) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, "[\n"...)
		for i, v := range s.Values {
			b = append(b, "        "...)
			b = strconv.AppendInt(b, v, 10)
			if i < len(s.Values)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "      ]"...)
	}
	b = appendFloatField(b, "growth_per_lifecycle", s.Growth)
	b = append(b, ",\n      \"total_growth\": "...)
	b = strconv.AppendInt(b, s.TotalGrowth, 10)
	b = appendFloatField(b, "r2", s.R2)
	b = appendFloatField(b, "mk_p", s.MKP)
	b = appendFloatField(b, "monotonic", s.Monotonic)
	b = append(b, ",\n      \"verdict\": "...)
	b = appendJSONString(b, string(s.Verdict))
	return append(b, "\n    }"...)
}

// appendPairSiteJSON appends one compare site, as an element of "sites".
func appendPairSiteJSON(b []byte, s dumpdiff.PairSite) []byte {
	b = appendSiteHead(b, s.Rank, s.Key, s.Title, s.Frames, s.Category)
	for _, f := range []struct {
		name string
		v    int64
	}{{"base", s.Base}, {"target", s.Target}, {"delta", s.Delta}} {
		b = append(b, ",\n      \""...)
		b = append(b, f.name...)
		b = append(b, "\": "...)
		b = strconv.AppendInt(b, f.v, 10)
	}
	b = appendFloatField(b, "delta_pct", s.DeltaPct)
	b = append(b, ",\n      \"status\": "...)
	b = appendJSONString(b, string(s.Status))
	return append(b, "\n    }"...)
}

// appendSiteHead appends the fields both kinds of site start with, from
// the opening brace to the category.
func appendSiteHead(b []byte, rank int, key, title string, frames []dumpdiff.Frame, category string) []byte {
	b = append(b, "{\n      \"rank\": "...)
	b = strconv.AppendInt(b, int64(rank), 10)
	b = append(b, ",\n      \"key\": "...)
	b = appendJSONString(b, key)
	b = append(b, ",\n      \"title\": "...)
	b = appendJSONString(b, title)
	b = append(b, ",\n      \"frames\": "...)
	if len(frames) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, "[\n"...)
		for i, f := range frames {
			b = append(b, "        {\n          \"function\": "...)
			b = appendJSONString(b, f.Function)
			b = append(b, ",\n          \"file\": "...)
			b = appendJSONString(b, f.File)
			b = append(b, ",\n          \"line\": "...)
			b = strconv.AppendInt(b, f.Line, 10)
			b = append(b, ",\n          \"module\": "...)
			b = appendJSONString(b, f.Module)
			b = append(b, "\n        }"...)
			if i < len(frames)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "      ]"...)
	}
	b = append(b, ",\n      \"category\": "...)
	return appendJSONString(b, category)
}

func appendFloatField(b []byte, name string, v float64) []byte {
	b = append(b, ",\n      \""...)
	b = append(b, name...)
	b = append(b, "\": "...)
	return appendJSONFloat(b, v)
}

// appendJSONFloat appends v as jsonFloat writes it.
func appendJSONFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return append(b, "null"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendFloat(b, v, 'f', 0, 64)
	case math.Abs(v) < 1e21 && math.Abs(v) >= 1e-6:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendJSONString appends s quoted as encoding/json quotes it without
// HTML escaping (\", \\, the named control escapes, \u00XX for the other
// controls, \ufffd for invalid UTF-8, U+2028 and U+2029 escaped), and with
// EscapeJSON's escapes for the characters Clean refuses. Runs of plain
// ASCII, nearly all of a site's names, are found eight bytes at a time.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && plainASCII8(s[i:i+8]) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		case unsafeRune(r):
			b = append(b, s[start:i]...)
			b = appendJSONEscape(b, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainASCII8 reports whether eight bytes need no escape in a JSON string:
// none is a control, '"', '\\' or outside ASCII (the word tricks of Bit
// Twiddling Hacks: a byte below n, a byte equal to zero).
func plainASCII8(s string) bool {
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - ones*0x20) &^ x
	q := x ^ ones*'"'
	bs := x ^ ones*'\\'
	bad := (below | (q-ones)&^q | (bs-ones)&^bs | x) & highs
	return bad == 0
}
