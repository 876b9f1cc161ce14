package report

import (
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// distinctTitles returns the display name of each site: its title, and for
// sites that share a title with another shown site (one allocating function
// reached from several call paths, each its own site when grouping by
// stack), the title followed by the callers where its stack parts from the
// others': "ChunkPool::allocate ← Arena::grow", or "f ← … ← g" when the
// callers in between are shared. Identical names in a ranked table would read as
// duplicated rows.
func distinctTitles(titles []string, frames [][]dumpdiff.Frame) []string {
	out := make([]string, len(titles))
	byTitle := map[string][]int{}
	for i, t := range titles {
		out[i] = t
		byTitle[t] = append(byTitle[t], i)
	}
	for i, t := range titles {
		same := byTitle[t]
		if len(same) < 2 {
			continue
		}
		// The callers where this site's stack parts from the others of the
		// same title (the branch points of their call trees, each one past
		// a longest shared prefix), innermost first.
		fs := frames[i]
		var at []int
		for _, j := range same {
			if j == i {
				continue
			}
			k := 0
			for k < len(fs) && k < len(frames[j]) && frames[j][k].Function == fs[k].Function {
				k++
			}
			if k < len(fs) && !slices.Contains(at, k) {
				at = append(at, k)
			}
		}
		slices.Sort(at)
		var b strings.Builder
		b.WriteString(t)
		prev := 0
		for _, d := range at {
			if d == prev+1 {
				b.WriteString(" ← ")
			} else {
				b.WriteString(" ← … ← ")
			}
			b.WriteString(fs[d].Function)
			prev = d
		}
		out[i] = b.String()
	}
	return out
}

// trendTitles is distinctTitles for the sites of a trend.
func trendTitles(sites []dumpdiff.TrendSite) []string {
	titles := make([]string, len(sites))
	frames := make([][]dumpdiff.Frame, len(sites))
	for i, s := range sites {
		titles[i] = siteTitle(s.Title, s.Key, s.Frames)
		frames[i] = s.Frames
	}
	return distinctTitles(titles, frames)
}

// compareTitles is distinctTitles for the sites of a pair diff.
func compareTitles(sites []dumpdiff.PairSite) []string {
	titles := make([]string, len(sites))
	frames := make([][]dumpdiff.Frame, len(sites))
	for i, s := range sites {
		titles[i] = siteTitle(s.Title, s.Key, s.Frames)
		frames[i] = s.Frames
	}
	return distinctTitles(titles, frames)
}
