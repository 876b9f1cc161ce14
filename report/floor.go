package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// FloorText states a trend's practical-significance floor for the header
// of an output: "leak floor +34.1 KiB/lc (0.01% of the median total); slower
// trends are creep", or "leak floor off: every significant trend is a leak".
func FloorText(f dumpdiff.Floor, unit string) string {
	if f.PerLifecycle <= 0 {
		return "leak floor off: every significant trend is a leak"
	}
	s := "leak floor " + FormatSignedQuantity(f.PerLifecycle, unit) + "/lc"
	if f.Share > 0 {
		s += " (" + formatShare(f.Share) + " of the median total)"
	}
	return s + "; slower trends are creep"
}

// formatShare prints a share as a percentage with the digits it needs:
// 0.0001 reads "0.01%".
func formatShare(share float64) string {
	return strconv.FormatFloat(share*100, 'f', -1, 64) + "%"
}

// SignsDisagree reports a site whose growth per lifecycle and total growth
// (last − first) have opposite signs. Both are right (a fitted slope of
// values that wander, a plateau's slope since it levelled off), but side by
// side they read as a contradiction, so human outputs mark them and say why
// (SignNote).
func SignsDisagree(s dumpdiff.TrendSite) bool {
	return (s.Growth > 0 && s.TotalGrowth < 0) || (s.Growth < 0 && s.TotalGrowth > 0)
}

// signMark is appended to the total growth of a site whose signs disagree.
const signMark = "*"

// markTotal is a site's total growth as shown, with signMark when its sign
// disagrees with the growth per lifecycle.
func markTotal(s dumpdiff.TrendSite, unit string) string {
	t := FormatSignedQuantity(float64(s.TotalGrowth), unit)
	if SignsDisagree(s) {
		t += signMark
	}
	return t
}

// SignNote explains the marked rows among sites, or returns "" when none
// is marked: one reason per verdict present.
func SignNote(sites []dumpdiff.TrendSite) string {
	var verdicts []dumpdiff.Verdict
	for _, s := range sites {
		if SignsDisagree(s) && !slices.Contains(verdicts, s.Verdict) {
			verdicts = append(verdicts, s.Verdict)
		}
	}
	if len(verdicts) == 0 {
		return ""
	}
	var why []string
	for _, v := range dumpdiff.Verdicts {
		if !slices.Contains(verdicts, v) {
			continue
		}
		switch v {
		case dumpdiff.VerdictNoise:
			why = append(why, "noise wanders, and its fitted slope is no trend")
		case dumpdiff.VerdictPlateau:
			why = append(why, "a plateau's growth is since it levelled off")
		default:
			why = append(why, string(v)+" fell back at the ends of the series")
		}
	}
	return signMark + " growth/lc and total (last − first) differ in sign: " + strings.Join(why, "; ")
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
