package parsers

import (
	"bytes"
	"strings"
)

// This file reads the values of an NMT Details call site without regular
// expressions: the lines that every site ends with, as JDK 8 to 25 print
// them. A line in none of the usual shapes, or one whose numbers do not
// read, goes to parseSiteValuesSlow, the regular expressions that also
// name what is wrong; a test holds the two to the same result on every
// committed report.

// nmtCursor reads the pieces of an NMT value line from the front.
type nmtCursor struct{ b []byte }

// lit consumes s if the line continues with it.
func (c *nmtCursor) lit(s string) bool {
	if len(c.b) < len(s) || string(c.b[:len(s)]) != s {
		return false
	}
	c.b = c.b[len(s):]
	return true
}

// span consumes the longest run of bytes that in accepts.
func (c *nmtCursor) span(in func(byte) bool) []byte {
	i := 0
	for i < len(c.b) && in(c.b[i]) {
		i++
	}
	out := c.b[:i]
	c.b = c.b[i:]
	return out
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isHexByte(b byte) bool {
	return hexDigit[b] >= 0
}

// hex consumes hexadecimal digits, at least one.
func (c *nmtCursor) hex() bool { return len(c.span(isHexByte)) > 0 }

// amount consumes "<digits><unit>": "262144KB".
func (c *nmtCursor) amount() (digits, unit []byte, ok bool) {
	digits = c.span(isDigit)
	if len(digits) == 0 {
		return nil, nil, false
	}
	return digits, c.span(isLetter), true
}

// delta consumes " +8216KB" or " -32KB" when the line continues with one.
func (c *nmtCursor) delta() (digits, unit []byte) {
	b := c.b
	if len(b) < 3 || b[0] != ' ' || b[1] != '+' && b[1] != '-' || !isDigit(b[2]) {
		return nil, nil
	}
	c.b = b[2:]
	n := len(c.span(isDigit))
	return b[1 : 2+n], c.span(isLetter)
}

// count consumes " #1462", ", #1000" or " #13 +10" when the line continues
// with one.
func (c *nmtCursor) count() (digits, delta []byte) {
	save := c.b
	c.lit(",")
	if !c.lit(" #") {
		c.b = save
		return nil, nil
	}
	if digits = c.span(isDigit); len(digits) == 0 {
		c.b = save
		return nil, nil
	}
	// A count's delta has no unit: "+10" and no letters (whatever follows
	// must then be the closing parenthesis, which the caller checks).
	if b := c.b; len(b) > 2 && b[0] == ' ' && (b[1] == '+' || b[1] == '-') && isDigit(b[2]) {
		c.b = b[2:]
		delta = b[1 : 2+len(c.span(isDigit))]
	}
	return digits, delta
}

// nmtAmountOf converts an amount read by the cursor to bytes, and false
// when it is not in the report's scale or out of range (the slow path
// then says which).
func (p *nmtParser) nmtAmountOf(digits, unit []byte, isDelta bool) (int64, bool) {
	if string(unit) != p.unit && !(isDelta && len(unit) == 0) {
		return 0, false
	}
	neg := false
	if isDelta {
		neg = digits[0] == '-'
		digits = digits[1:]
	}
	n, ok := parseDecimal(digits)
	if !ok || n > (1<<62)/p.scale {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n * p.scale, true
}

// nmtCountOf converts a count and its delta.
func nmtCountOf(digits, delta []byte) (n, dn int64, ok bool) {
	if digits == nil {
		return 0, 0, true
	}
	if n, ok = parseDecimal(digits); !ok {
		return 0, 0, false
	}
	if delta != nil {
		if dn, ok = parseDecimal(delta[1:]); !ok {
			return 0, 0, false
		}
		if delta[0] == '-' {
			dn = -dn
		}
	}
	return n, dn, true
}

// pair reads an amount and its optional delta, in bytes.
func (p *nmtParser) pair(c *nmtCursor) (v, d int64, ok bool) {
	digits, unit, ok := c.amount()
	if !ok {
		return 0, 0, false
	}
	if v, ok = p.nmtAmountOf(digits, unit, false); !ok {
		return 0, 0, false
	}
	if dd, du := c.delta(); dd != nil {
		if d, ok = p.nmtAmountOf(dd, du, true); !ok {
			return 0, 0, false
		}
	}
	return v, d, true
}

// parseSiteValues reads a Details: value line: malloc sites
// "(malloc=…KB type=Other #13) (peak=…)", JDK 25's "((malloc=… tag=Other #13) (peak=…))",
// virtual memory sites "(reserved=…, committed=… Type=Thread Stack)" and
// detail.diff's "(mmap: reserved=… +…, committed=… +… Type=Thread Stack)".
func (p *nmtParser) parseSiteValues(s *nmtSite, t []byte) error {
	if bytes.HasPrefix(t, []byte("((")) {
		t = t[1:]
	}
	if p.siteValuesFast(s, t) {
		return nil
	}
	return p.parseSiteValuesSlow(s, string(t))
}

// siteValuesFast reads the usual shapes of a value line, and false for
// any other line or one whose numbers do not read.
func (p *nmtParser) siteValuesFast(s *nmtSite, t []byte) bool {
	switch {
	case bytes.HasPrefix(t, []byte("(malloc=")):
		return p.mallocSiteFast(s, t)
	case bytes.HasPrefix(t, []byte("(reserved=")):
		return p.mmapSiteFast(s, t, "(reserved=", false)
	case bytes.HasPrefix(t, []byte("(mmap: reserved=")):
		return p.mmapSiteFast(s, t, "(mmap: reserved=", true)
	}
	return p.untypedSiteFast(s, t)
}

// mallocSiteFast reads "(malloc=98306KB type=Other +81920KB #13 +10)" and
// the shorter forms, with the regular expression's choice of the type:
// the shortest text after "type=" or "tag=" that the delta, the count and
// ")" can follow.
func (p *nmtParser) mallocSiteFast(s *nmtSite, t []byte) bool {
	c := nmtCursor{t[len("(malloc="):]}
	digits, unit, ok := c.amount()
	if !ok {
		return false
	}
	v, ok := p.nmtAmountOf(digits, unit, false)
	if !ok {
		return false
	}
	var typ []byte
	if c.lit(", type=") || c.lit(" type=") || c.lit(", tag=") || c.lit(" tag=") {
		end := bytes.IndexAny(c.b, "#()")
		if end < 0 || end > 256 {
			return false
		}
		run := c.b[:end]
		found := false
		for k := 0; k <= len(run) && !found; k++ {
			rest := nmtCursor{c.b[k:]}
			if _, _, ok := p.mallocTail(&rest); ok {
				typ, c.b, found = run[:k], c.b[k:], true
			}
		}
		if !found {
			return false
		}
	}
	d, n, ok := p.mallocTail(&c)
	if !ok {
		return false
	}
	s.category = p.intern(bytes.TrimSpace(typ))
	s.setMalloc(v, d, n[0], n[1])
	return true
}

// mallocTail reads what follows a malloc amount and type: a delta, a
// count, then ")".
func (p *nmtParser) mallocTail(c *nmtCursor) (d int64, n [2]int64, ok bool) {
	if dd, du := c.delta(); dd != nil {
		if d, ok = p.nmtAmountOf(dd, du, true); !ok {
			return 0, n, false
		}
	}
	cd, cdd := c.count()
	if n[0], n[1], ok = nmtCountOf(cd, cdd); !ok || !c.lit(")") {
		return 0, n, false
	}
	return d, n, true
}

// mmapSiteFast reads "(reserved=262144KB, committed=262144KB Type=Java Heap)"
// or, with mmap set, "(mmap: reserved=29696KB +8192KB, committed=2352KB +836KB Type=Thread Stack)",
// where a ", …" may follow the type.
func (p *nmtParser) mmapSiteFast(s *nmtSite, t []byte, prefix string, mmap bool) bool {
	c := nmtCursor{t[len(prefix):]}
	r, dr, ok := p.pair(&c)
	if !ok || !c.lit(", committed=") {
		return false
	}
	cm, dc, ok := p.pair(&c)
	if !ok {
		return false
	}
	var typ []byte
	if c.lit(" Type=") || c.lit(" Tag=") || c.lit(" type=") || c.lit(" tag=") {
		end := bytes.IndexAny(c.b, "()")
		if end < 0 || c.b[end] != ')' {
			return false
		}
		typ = c.b[:end]
		if i := bytes.IndexByte(typ, ','); mmap && i >= 0 {
			typ = typ[:i]
		}
		c.b = c.b[len(typ):]
	}
	if mmap && len(c.b) > 0 && c.b[0] == ',' {
		end := bytes.IndexAny(c.b, "()")
		if end < 0 || c.b[end] != ')' {
			return false
		}
		c.b = c.b[end:]
	}
	if !c.lit(")") {
		return false
	}
	s.category = p.intern(bytes.TrimSpace(typ))
	s.vals.cur[nmtReserved], s.vals.delta[nmtReserved] = r, dr
	s.vals.cur[nmtMmapReserved], s.vals.delta[nmtMmapReserved] = r, dr
	s.vals.cur[nmtCommitted], s.vals.delta[nmtCommitted] = cm, dc
	s.vals.cur[nmtMmapCommitted], s.vals.delta[nmtMmapCommitted] = cm, dc
	return true
}

// untypedSiteFast reads a detail.diff malloc site printed without its
// type, "(26KB +11KB #19 +8)": its category is not printed, and it counts
// as unattributed.
func (p *nmtParser) untypedSiteFast(s *nmtSite, t []byte) bool {
	c := nmtCursor{t}
	if !c.lit("(") {
		return false
	}
	v, d, ok := p.pair(&c)
	if !ok {
		return false
	}
	cd, cdd := c.count()
	n, dn, ok := nmtCountOf(cd, cdd)
	if !ok || !c.lit(")") {
		return false
	}
	s.setMalloc(v, d, n, dn)
	return true
}

// parseSiteValuesSlow reads a value line with the regular expressions, and
// names what is wrong with one that does not read.
func (p *nmtParser) parseSiteValuesSlow(s *nmtSite, t string) error {
	if !strings.HasPrefix(t, "(") {
		t = "(" + t
	}
	switch {
	case strings.HasPrefix(t, "(malloc="):
		v, d, n, dn, typ, err := p.mallocAmounts(t)
		if err != nil {
			return err
		}
		s.category = typ
		s.setMalloc(v, d, n, dn)
	case strings.HasPrefix(t, "(reserved=") || strings.HasPrefix(t, "(mmap:"):
		return p.mmapSiteSlow(s, t)
	default:
		m := nmtUntypedSiteLine.FindStringSubmatch(t)
		if m == nil {
			if err := p.checkScaleIn(t); err != nil {
				return err
			}
			return p.errorf(p.line, "want call site values like %q, got %q", "(malloc=…)", clip(t, 80))
		}
		// The site's category is not printed: it is counted as unattributed.
		v, d, err := p.amount(p.line, m[1], m[2], m[3], m[4])
		if err != nil {
			return err
		}
		n, dn, err := p.count(p.line, m[5], m[6])
		if err != nil {
			return err
		}
		s.setMalloc(v, d, n, dn)
	}
	return nil
}

// mmapSiteSlow is parseSiteValuesSlow for a virtual memory site.
func (p *nmtParser) mmapSiteSlow(s *nmtSite, t string) error {
	var r, dr, c, dc int64
	var err error
	if strings.HasPrefix(t, "(mmap:") {
		if r, dr, c, dc, s.category, err = p.mmapAmounts(t, "mmap"); err != nil {
			return err
		}
	} else {
		m := nmtVMSiteLine.FindStringSubmatch(t)
		if m == nil {
			return p.malformed("virtual memory site", t)
		}
		if r, dr, err = p.amount(p.line, m[1], m[2], m[3], m[4]); err != nil {
			return err
		}
		if c, dc, err = p.amount(p.line, m[5], m[6], m[7], m[8]); err != nil {
			return err
		}
		s.category = strings.TrimSpace(m[9])
	}
	s.vals.cur[nmtReserved], s.vals.delta[nmtReserved] = r, dr
	s.vals.cur[nmtMmapReserved], s.vals.delta[nmtMmapReserved] = r, dr
	s.vals.cur[nmtCommitted], s.vals.delta[nmtCommitted] = c, dc
	s.vals.cur[nmtMmapCommitted], s.vals.delta[nmtMmapCommitted] = c, dc
	return nil
}
