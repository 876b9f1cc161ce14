package tui

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
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

// truncMiddle shortens s to at most w cells by cutting its middle for an
// ellipsis, keeping more of the end (a file's name and line, a counter in
// a file name) than of the start: main.go:68 never becomes main.go:6.
func truncMiddle(s string, w int) string {
	sw := strWidth(s)
	if sw <= w {
		return s
	}
	if w <= 1 {
		return "…"[:min(w, 1)*len("…")]
	}
	tailW := (w - 1) * 2 / 3
	headW := w - 1 - tailW
	return ansi.Truncate(s, headW, "") + "…" + ansi.TruncateLeft(s, sw-tailW, "")
}

// snapLabel names snapshot i of a series as the user named it: its file.
// Lifecycle numbers from --lifecycle-regex are in the file name already,
// and positions (#0…) would disagree with names such as lc1…lc8.
func snapLabel(snaps []dumpdiff.SnapshotInfo, i int) string {
	return baseName(snaps[i].Path)
}

// numberedLifecycles reports whether the series' lifecycles were numbered
// (--lifecycle-regex) rather than counted by position.
func numberedLifecycles(snaps []dumpdiff.SnapshotInfo) bool {
	for i, s := range snaps {
		if s.Lifecycle != i {
			return true
		}
	}
	return false
}
