package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// binaryPrefixes are the IEC prefixes used for bytes: 1 KiB = 1024 B.
var binaryPrefixes = []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// FormatQuantity renders v in unit with an IEC prefix for bytes ("4.0 MiB")
// and a plain number otherwise ("1234").
func FormatQuantity(v float64, unit string) string {
	if unit != "bytes" {
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return FormatBytes(v)
}

// FormatBytes renders a byte count with one decimal in the largest IEC unit
// that keeps it at least 1: "512 B", "1.5 KiB", "-4.0 MiB".
func FormatBytes(v float64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	i := 0
	for v >= 1024 && i < len(binaryPrefixes)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%s%.0f B", sign, v)
	}
	return fmt.Sprintf("%s%.1f %sB", sign, v, binaryPrefixes[i])
}

// FormatSignedQuantity is FormatQuantity with an explicit "+" for growth;
// zero has no sign ("0 B"), in every output alike.
func FormatSignedQuantity(v float64, unit string) string {
	s := FormatQuantity(v, unit)
	if v > 0 && !strings.HasPrefix(s, "-") {
		return "+" + s
	}
	return s
}

// FormatPct renders a pair diff's delta in percent of the base, signed
// ("+700.0%"); a new site (+Inf: no base) reads "new", an undefined one "–".
func FormatPct(p float64) string {
	switch {
	case math.IsInf(p, 1):
		return "new"
	case math.IsNaN(p) || math.IsInf(p, -1):
		return "–"
	case p == 0:
		return "0.0%"
	}
	return fmt.Sprintf("%+.1f%%", p)
}

// sparkBlocks are the eight heights of a sparkline, lowest first.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one block character each, scaled between the
// series' minimum and maximum. A series that never changes is drawn against
// zero (sparkRange), so a steady 512 MiB is a full bar and a flat zero the
// lowest block.
func Sparkline(values []int64) string {
	if len(values) == 0 {
		return ""
	}
	lo, hi := sparkRange(values)
	var b strings.Builder
	for _, v := range values {
		i := 0
		if hi > lo {
			i = int(float64(v-lo) / float64(hi-lo) * float64(len(sparkBlocks)-1))
		}
		b.WriteRune(sparkBlocks[i])
	}
	return b.String()
}

// sparkRange is the range a sparkline scales values into: their minimum
// and maximum, or, when every value is the same, zero and that value, so
// that a flat line at a high level does not look like a flat line at zero.
func sparkRange(values []int64) (lo, hi int64) {
	lo, hi = values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo == hi {
		lo, hi = min(lo, 0), max(hi, 0)
	}
	return lo, hi
}
