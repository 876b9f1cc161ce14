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
//
// Each group of same-titled sites is sorted by stack, so the lengths of the
// prefixes a site shares with the others are the running minima of the
// prefixes neighbours share, walked outwards from it; following
// nearest-smaller links visits only those minima, so a group of k sites
// costs k log k for the sort plus k × stack depth, not k².
func distinctTitles(titles []string, frames [][]dumpdiff.Frame) []string {
	out := make([]string, len(titles))
	byTitle := map[string][]int{}
	for i, t := range titles {
		out[i] = t
		byTitle[t] = append(byTitle[t], i)
	}
	for _, g := range byTitle {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b int) int { return compareStacks(frames[a], frames[b]) })
		// shared[j]: frames that the j-th and (j+1)-th sites share.
		shared := make([]int, len(g)-1)
		for j := range shared {
			shared[j] = sharedPrefix(frames[g[j]], frames[g[j+1]])
		}
		prevSmaller, nextSmaller := nearestSmaller(shared)
		for pos, i := range g {
			fs := frames[i]
			var at []int
			add := func(k int) {
				if k < len(fs) && !slices.Contains(at, k) {
					at = append(at, k)
				}
			}
			for j := pos - 1; j >= 0; j = prevSmaller[j] {
				add(shared[j])
			}
			for j := pos; j < len(shared); j = nextSmaller[j] {
				add(shared[j])
			}
			slices.Sort(at)
			out[i] = titleWithCallers(titles[i], fs, at)
		}
	}
	return out
}

// titleWithCallers appends the frames at the given depths to title, with
// "…" for the shared callers skipped between them.
func titleWithCallers(title string, fs []dumpdiff.Frame, at []int) string {
	var b strings.Builder
	b.WriteString(title)
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
	return b.String()
}

// compareStacks orders stacks by their functions, innermost first.
func compareStacks(a, b []dumpdiff.Frame) int {
	for k := 0; k < len(a) && k < len(b); k++ {
		if c := strings.Compare(a[k].Function, b[k].Function); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// sharedPrefix is how many leading frames two stacks have in common.
func sharedPrefix(a, b []dumpdiff.Frame) int {
	k := 0
	for k < len(a) && k < len(b) && a[k].Function == b[k].Function {
		k++
	}
	return k
}

// nearestSmaller returns, for each index, the nearest index to its left and
// to its right holding a strictly smaller value (-1 and len(v) when none).
func nearestSmaller(v []int) (prev, next []int) {
	prev, next = make([]int, len(v)), make([]int, len(v))
	var stack []int
	for j := range v {
		for len(stack) > 0 && v[stack[len(stack)-1]] >= v[j] {
			stack = stack[:len(stack)-1]
		}
		prev[j] = -1
		if len(stack) > 0 {
			prev[j] = stack[len(stack)-1]
		}
		stack = append(stack, j)
	}
	stack = stack[:0]
	for j := len(v) - 1; j >= 0; j-- {
		for len(stack) > 0 && v[stack[len(stack)-1]] >= v[j] {
			stack = stack[:len(stack)-1]
		}
		next[j] = len(v)
		if len(stack) > 0 {
			next[j] = stack[len(stack)-1]
		}
		stack = append(stack, j)
	}
	return prev, next
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
