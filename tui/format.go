package tui

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/dumpdiff/dumpdiff/report"
)

// clean makes an untrusted name from a dump safe to draw (report.Clean).
func clean(s string) string { return report.Clean(s) }

// formatGrowth renders a signed quantity with a suffix: "+4.0 MiB/lc".
func formatGrowth(v float64, unit, suffix string) string {
	return report.FormatSignedQuantity(v, unit) + suffix
}

// formatSigned renders an integer delta: "+36.0 MiB".
func formatSigned(v int64, unit string) string {
	return report.FormatSignedQuantity(float64(v), unit)
}

// formatValue renders an unsigned quantity: "12.0 MiB".
func formatValue(v int64, unit string) string {
	return report.FormatQuantity(float64(v), unit)
}

// formatP renders a p-value compactly.
func formatP(p float64) string {
	if p < 0.001 {
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// formatLifecycles renders a projection.
func formatLifecycles(l float64) string {
	switch {
	case math.IsInf(l, 1):
		return "never (not growing)"
	case l < 0:
		return "already exceeded"
	}
	return fmt.Sprintf("in ~%.0f lifecycles", l)
}

func pluralN(n int) string {
	if n == 1 {
		return "1 site"
	}
	return strconv.Itoa(n) + " sites"
}

// baseName is a snapshot path as the screens show it.
func baseName(p string) string { return clean(filepath.Base(p)) }

// sample picks at most n of values, evenly spread and always keeping the
// last, so a long series still fits its sparkline column.
func sample(values []int64, n int) []int64 {
	if len(values) <= n || n <= 1 {
		return values
	}
	out := make([]int64, n)
	for i := range n {
		out[i] = values[i*(len(values)-1)/(n-1)]
	}
	return out
}
