package report

import "github.com/dumpdiff/dumpdiff/dumpdiff"

// This file holds the one-line meanings of the verdicts and statistics that
// reports print in their legends, so every front end words them alike.

// Verdicts lists every verdict in the order legends show them: the ones
// that explain growth first.
var Verdicts = []dumpdiff.Verdict{
	dumpdiff.VerdictLeak, dumpdiff.VerdictCreep, dumpdiff.VerdictPlateau, dumpdiff.VerdictSteady,
	dumpdiff.VerdictNoise, dumpdiff.VerdictShrinking, dumpdiff.VerdictNew, dumpdiff.VerdictGone,
}

// verdictMeanings are the legend's lines, one per verdict, short enough
// for one line of half a page.
var verdictMeanings = map[dumpdiff.Verdict]string{
	dumpdiff.VerdictLeak:      "keeps growing through the last lifecycles, at least the leak floor",
	dumpdiff.VerdictCreep:     "keeps growing like a leak, but slower than the leak floor",
	dumpdiff.VerdictPlateau:   "grew, then stopped and stayed: a warm-up, a cache filling",
	dumpdiff.VerdictSteady:    "the same non-zero amount in every snapshot",
	dumpdiff.VerdictNoise:     "moves, but without a significant trend",
	dumpdiff.VerdictShrinking: "shrinks significantly: the mirror of a leak",
	dumpdiff.VerdictNew:       "appeared in the last one or two snapshots: too soon for a trend",
	dumpdiff.VerdictGone:      "held memory for a stretch, none at the end",
}

// VerdictMeaning is the one-line meaning of a verdict, "" for one unknown.
func VerdictMeaning(v dumpdiff.Verdict) string { return verdictMeanings[v] }

// legendEntry is one line of a legend: a term and what it means.
type legendEntry struct{ Term, Meaning string }

// trendStatistics are the legend's lines for the columns of a trend.
var trendStatistics = []legendEntry{
	{"Growth / lifecycle", "Theil–Sen slope, since its verdict's stretch began"},
	{"Total growth", "last minus first; * if its sign differs from growth"},
	{"r²", "how well a straight line fits (1: exactly)"},
	{"MK p", "Mann–Kendall p-value: small means a real trend"},
	{"Trend", "the value at each lifecycle, lowest to highest"},
}
