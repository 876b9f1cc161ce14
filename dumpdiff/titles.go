package dumpdiff

import (
	"slices"
	"strings"
)

// This file names sites for people. Every front end (the terminal table,
// every export, the explorer) names a site with DistinctTitles, so a site
// reads the same wherever it is shown.

// callerArrow joins a title to a caller that follows it: "f ← g".
const callerArrow = " ← "

// ShownTitle is the name a site is shown by before it is told apart from
// same-titled sites: its Title, else its innermost frame, else its key.
func (s *Site) ShownTitle() string {
	switch {
	case s.Title != "":
		return s.Title
	case len(s.Frames) > 0:
		return frameName(s.Frames[0])
	}
	return s.Key
}

// frameName is a frame's function, else its module, else "?".
func frameName(f Frame) string {
	switch {
	case f.Function != "":
		return f.Function
	case f.Module != "":
		return f.Module
	}
	return "?"
}

// DistinctTitles returns the display name of each of n sites, site(i)
// being site i (called once for each). A site's name is its ShownTitle,
// and for sites that share a title with another of the n (one allocating
// function reached from several call paths, each its own site when grouping
// by stack), the title followed by the callers where its stack parts from
// the others': "ChunkPool::allocate ← Arena::grow", or "f ← … ← g" when the
// callers in between are shared. Identical names in a ranked table would
// read as duplicated rows.
func DistinctTitles(n int, site func(i int) Site) []string {
	titles := make([]string, n)
	frames := make([][]Frame, n)
	for i := range n {
		s := site(i)
		titles[i], frames[i] = s.ShownTitle(), s.Frames
	}
	return distinctTitles(titles, frames)
}

// distinctTitles is DistinctTitles on the sites' shown titles and frames.
//
// Each group of same-titled sites is sorted by stack, so the lengths of the
// prefixes a site shares with the others are the running minima of the
// prefixes neighbours share, walked outwards from it; following
// nearest-smaller links visits only those minima, so a group of k sites
// costs k log k for the sort plus k × stack depth, not k².
func distinctTitles(titles []string, frames [][]Frame) []string {
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
func titleWithCallers(title string, fs []Frame, at []int) string {
	var b strings.Builder
	b.WriteString(title)
	prev := 0
	for _, d := range at {
		if d == prev+1 {
			b.WriteString(callerArrow)
		} else {
			b.WriteString(callerArrow + "…" + callerArrow)
		}
		b.WriteString(fs[d].Function)
		prev = d
	}
	return b.String()
}

// compareStacks orders stacks by their functions, innermost first.
func compareStacks(a, b []Frame) int {
	for k := 0; k < len(a) && k < len(b); k++ {
		if c := strings.Compare(a[k].Function, b[k].Function); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// sharedPrefix is how many leading frames two stacks have in common.
func sharedPrefix(a, b []Frame) int {
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

// stackTitle is the stack's innermost kept frame: a site's Title by stack
// or by function.
func (s *Series) stackTitle(st stackID) string {
	fs := s.stackFrames(st)
	if len(fs) == 0 {
		return "(no frames)"
	}
	return s.frame(fs[0]).Function
}

// stackTitleWithCaller is stackTitle, followed by the caller when the
// innermost frame is a placeholder such as NMT's "[java]": on JDK 25 a
// direct-memory site is "[java]" called from "[Other]", and "[java]" alone
// would not tell it from any other Java caller. It is a site's Title by
// stack; DistinctTitles tells apart the sites whose titles are still the
// same.
func (s *Series) stackTitleWithCaller(st stackID) string {
	title := s.stackTitle(st)
	fs := s.stackFrames(st)
	if len(fs) > 1 && strings.HasPrefix(title, "[") && strings.HasSuffix(title, "]") {
		title = titleWithCallers(title, []Frame{*s.frame(fs[0]), *s.frame(fs[1])}, []int{1})
	}
	return title
}
