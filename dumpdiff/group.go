package dumpdiff

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// siteGroup is one site of a result: the entries that share a key under
// the chosen GroupBy.
type siteGroup struct {
	rep      stackID // representative stack: the one seen first in series order
	repFirst uint64
}

// siteName is a site's key and title where the grouping makes them cheaply
// (by function, line or category); by stack they are built from the
// representative stack on demand, only for the sites a result shows
// (groupKey, groupTitle).
type siteName struct{ key, title string }

// grouping is the sites of a result. A large series has hundreds of
// thousands, so a site is small: its names and categories are kept beside
// it, only where it has them.
type grouping struct {
	groups []siteGroup
	names  []siteName         // by site; nil by stack
	cats   map[int32][]string // by site, sorted; only sites that have some
	by     GroupBy            // opts.GroupBy with its default filled in
}

// siteTable is what Trend and Compare both start from: the chosen metric,
// the sites under the grouping and filters, and their values.
type siteTable struct {
	metric Metric
	g      *grouping
	// vals holds site gi's value in snapshot i at gi*n+i; see site.
	vals   []int64
	totals []int64
	// unfiltered holds the snapshots' totals before --focus/--ignore: the
	// process's own scale, which the growth floor is a share of.
	unfiltered []int64
	n          int // snapshots
}

// site is site gi's value per snapshot, capped so that appending to it
// cannot reach the next site's values.
func (t *siteTable) site(gi int) []int64 {
	return t.vals[gi*t.n : (gi+1)*t.n : (gi+1)*t.n]
}

// table resolves opts.Metric, groups the entries under opts and sums the
// metric per site and snapshot, in one pass over the snapshots.
func (s *Series) table(opts Options) (*siteTable, error) {
	metric, midx, err := s.resolveMetric(opts.Metric)
	if err != nil {
		return nil, err
	}
	by, label, err := s.grouping(opts)
	if err != nil {
		return nil, err
	}
	gr := s.newGrouper(opts, by, label)
	vals, totals, unfiltered := gr.sum(midx)
	for _, c := range gr.cats {
		slices.Sort(c)
	}
	g := &grouping{groups: gr.groups, names: gr.names, cats: gr.cats, by: by}
	return &siteTable{metric: metric, g: g, vals: vals, totals: totals, unfiltered: unfiltered, n: len(s.snaps)}, nil
}

// resolveMetric returns, per snapshot, the index of the metric, and the
// metric itself.
func (s *Series) resolveMetric(name string) (Metric, []int, error) {
	if name == "" {
		name = s.DefaultMetric()
	}
	idx := make([]int, len(s.snaps))
	var m Metric
	missing := -1
	for i, t := range s.snaps {
		// Once the first snapshot fixed the unit, the others must match it
		// too: "malloc" in bytes and "malloc" in counts never add up.
		want := name
		if i > 0 {
			want = m.Name + "/" + m.Unit
		}
		j := metricIndex(t.metrics, want)
		if j < 0 {
			missing = i
			break
		}
		idx[i] = j
		m = t.metrics[j]
	}
	if missing < 0 {
		for _, t := range s.snaps {
			if err := t.unreliable[m.Name]; err != nil {
				return Metric{}, nil, fmt.Errorf("cannot rank %s: %w", m.Name, err)
			}
		}
		for i, t := range s.snaps {
			if t.cols.vals[idx[i]] == nil {
				return Metric{}, nil, fmt.Errorf("metric %q was not loaded: the series was built keeping only the values of another metric", name)
			}
		}
		return m, idx, nil
	}
	var avail []string
	all := s.Metrics()
	for _, m := range all {
		avail = append(avail, MetricID(m, all))
	}
	if missing > 0 {
		// Some snapshots have it: name the first that does not.
		lacks := "it"
		if metricIndex(s.snaps[missing].metrics, name) >= 0 {
			lacks = m.Name + " in " + m.Unit + " (it has another unit)"
		}
		return Metric{}, nil, fmt.Errorf("metric %q is not in every snapshot: %s lacks %s (common to all: %s)",
			name, s.snaps[missing].info.Path, lacks, strings.Join(avail, ", "))
	}
	for _, t := range s.snaps[1:] {
		if metricIndex(t.metrics, name) >= 0 {
			return Metric{}, nil, fmt.Errorf("metric %q is not in every snapshot: %s lacks it (common to all: %s)",
				name, s.snaps[0].info.Path, strings.Join(avail, ", "))
		}
	}
	return Metric{}, nil, fmt.Errorf("unknown metric %q (available: %s)", name, strings.Join(avail, ", "))
}

// Check reports the error Trend and Compare would return for opts (an
// unknown metric, a grouping the snapshots cannot give) without computing
// anything, so a front end can refuse a query before it starts.
func (s *Series) Check(opts Options) error {
	if _, _, err := s.resolveMetric(opts.Metric); err != nil {
		return err
	}
	return s.CheckGrouping(opts)
}

// CheckGrouping is the grouping half of Check: a *LabelError when opts group
// by a label the snapshots do not carry.
func (s *Series) CheckGrouping(opts Options) error {
	_, _, err := s.grouping(opts)
	return err
}

// grouping resolves opts' group-by and label, with their defaults, and
// checks that the snapshots can give them.
func (s *Series) grouping(opts Options) (by GroupBy, label string, err error) {
	by, label = opts.GroupBy, opts.Label
	if by == "" {
		by = GroupByStack
	}
	if label == "" {
		label = "category"
	}
	switch by {
	case GroupByStack, GroupByFunction, GroupByLine:
	case GroupByCategory:
		if avail := s.Labels(); !slices.Contains(avail, label) {
			return "", "", &LabelError{GroupBy: by, Label: label, Available: avail}
		}
	default:
		return "", "", fmt.Errorf("invalid group-by %q: want stack, function, line or category", by)
	}
	return by, label, nil
}

// grouper assigns entries to sites for one query, memoising per stack (and
// per label set) what it decided.
type grouper struct {
	s      *Series
	by     GroupBy
	label  string
	groups []siteGroup
	names  []siteName
	cats   map[int32][]string
	// ofStack is per dense stack: 0 undecided, -1 filtered out, else (by
	// category: 1, kept) the group + 1.
	ofStack []int32
	focus   func(frameID) bool
	ignore  func(frameID) bool
	filter  bool
	// catOf is per label set: the value of the grouping's label.
	catOf []string
	// Group lookups: by key class (stack), by innermost frame (function,
	// line), by key string (function, line, category).
	ofClass []int32
	ofFrame map[frameID]int32
	ofKey   map[string]int32
}

func (s *Series) newGrouper(opts Options, by GroupBy, label string) *grouper {
	g := &grouper{
		s: s, by: by, label: label,
		ofStack: make([]int32, s.numStacks()),
		focus:   s.frameMatcher(opts.Focus),
		ignore:  s.frameMatcher(opts.Ignore),
		filter:  opts.Focus != nil || opts.Ignore != nil,
		ofKey:   map[string]int32{},
		cats:    map[int32][]string{},
	}
	g.catOf = make([]string, len(s.labels.sets))
	for id := range g.catOf {
		g.catOf[id] = s.label(labelID(id), label)
	}
	switch by {
	case GroupByStack:
		g.ofClass = make([]int32, s.keyClasses().n)
		g.groups = make([]siteGroup, 0, len(g.ofClass)) // at most one site per class
	case GroupByFunction, GroupByLine:
		g.ofFrame = map[frameID]int32{}
	}
	return g
}

// sum walks every snapshot's entries once, assigning each to its site and
// adding its value of metric midx[i]: v[g*n+i], and totals per snapshot
// after the filters (unfiltered before them).
func (g *grouper) sum(midx []int) (v, totals, unfiltered []int64) {
	s := g.s
	n := len(s.snaps)
	totals = make([]int64, n)
	unfiltered = make([]int64, n)
	if g.by == GroupByStack {
		// At most one site per key class: no growing as sites appear.
		v = make([]int64, 0, len(g.ofClass)*n)
	}
	for i, t := range s.snaps {
		c := &t.cols
		sr, vr, lr := colReader{c.stacks}, colReader{c.vals[midx[i]]}, colReader{c.labels}
		var st uint64
		for range c.n {
			st += sr.next()
			x := vr.nextInt()
			lab := labelID(-1)
			if c.labels != nil {
				lab = labelID(lr.next()) - 1
			}
			unfiltered[i] += x
			gi := g.groupOf(stackID(st), lab)
			if gi < 0 {
				continue
			}
			for int(gi) >= len(v)/max(n, 1) {
				v = append(v, make([]int64, n)...)
			}
			v[int(gi)*n+i] += x
			totals[i] += x
		}
	}
	if v == nil {
		v = []int64{}
	}
	return v, totals, unfiltered
}

// groupOf returns the site of an entry, or -1 when the filters drop it.
func (g *grouper) groupOf(st stackID, lab labelID) int32 {
	d := g.s.denseStack(st)
	cat := ""
	if lab >= 0 {
		cat = g.catOf[lab]
	}
	if g.by == GroupByCategory {
		if g.ofStack[d] == 0 {
			g.ofStack[d] = 1
			if !g.keep(st) {
				g.ofStack[d] = -1
			}
		}
		if g.ofStack[d] < 0 {
			return -1
		}
		title := cat
		if cat == "" {
			title = "(no " + g.label + ")"
		}
		gi := g.byKey(cat, title)
		g.offerRep(gi, st)
		g.addCat(gi, cat)
		return gi
	}
	gi := g.ofStack[d] - 1
	switch {
	case gi == -2:
		return -1
	case gi < 0:
		if !g.keep(st) {
			g.ofStack[d] = -1
			return -1
		}
		gi = g.assign(st)
		g.ofStack[d] = gi + 1
		g.offerRep(gi, st)
	}
	g.addCat(gi, cat)
	return gi
}

// keep applies --focus and --ignore to a stack.
func (g *grouper) keep(st stackID) bool {
	if !g.filter {
		return true
	}
	s := g.s
	return (g.focus == nil || s.stackMatches(st, g.focus)) &&
		(g.ignore == nil || !s.stackMatches(st, g.ignore))
}

// assign finds (or makes) the group of a stack grouped by stack, function
// or line.
func (g *grouper) assign(st stackID) int32 {
	s := g.s
	if g.by == GroupByStack {
		c := s.keyClasses().class[s.denseStack(st)]
		if gi := g.ofClass[c] - 1; gi >= 0 {
			return gi
		}
		gi := g.newGroup("", "")
		g.ofClass[c] = gi + 1
		return gi
	}
	fs := s.stackFrames(st)
	if len(fs) == 0 {
		return g.byKey("(no frames)", "(no frames)")
	}
	if gi, ok := g.ofFrame[fs[0]]; ok {
		return gi
	}
	key := s.frame(fs[0]).Function
	if g.by == GroupByLine {
		key = s.lineTitle(st)
	}
	gi := g.byKey(key, key)
	g.ofFrame[fs[0]] = gi
	return gi
}

// byKey finds (or makes) the group with key.
func (g *grouper) byKey(key, title string) int32 {
	if gi, ok := g.ofKey[key]; ok {
		return gi
	}
	gi := g.newGroup(key, title)
	g.ofKey[key] = gi
	return gi
}

// newGroup adds a site; by stack it has no names (see siteName).
func (g *grouper) newGroup(key, title string) int32 {
	g.groups = append(g.groups, siteGroup{repFirst: ^uint64(0)})
	if g.by != GroupByStack {
		g.names = append(g.names, siteName{key, title})
	}
	return int32(len(g.groups) - 1)
}

// offerRep makes st the group's representative when it was seen first.
func (g *grouper) offerRep(gi int32, st stackID) {
	sg := &g.groups[gi]
	if f := g.s.stacks.first(st); f < sg.repFirst {
		sg.rep, sg.repFirst = st, f
	}
}

// addCat records a category of one of site gi's entries ("" is none).
func (g *grouper) addCat(gi int32, cat string) {
	if cat != "" && !slices.Contains(g.cats[gi], cat) {
		g.cats[gi] = append(g.cats[gi], cat)
	}
}

// frameMatcher returns whether frame f matches re by function name, file
// name or module, as pprof's -focus and -ignore do, matching each frame at
// most once; nil when re is nil.
func (s *Series) frameMatcher(re *regexp.Regexp) func(frameID) bool {
	if re == nil {
		return nil
	}
	memo := make([]uint8, s.numFrames()) // 0 unknown, 1 matches, 2 does not
	return func(f frameID) bool {
		d := s.denseFrame(f)
		if v := memo[d]; v != 0 {
			return v == 1
		}
		fr := s.frame(f)
		ok := re.MatchString(fr.Function) || (fr.File != "" && re.MatchString(fr.File)) ||
			(fr.Module != "" && re.MatchString(fr.Module))
		memo[d] = 2
		if ok {
			memo[d] = 1
		}
		return ok
	}
}

// stackMatches reports whether any frame of the stack matches.
func (s *Series) stackMatches(st stackID, match func(frameID) bool) bool {
	return slices.ContainsFunc(s.stackFrames(st), match)
}

// lineTitle is the innermost kept frame with its file:line when known.
func (s *Series) lineTitle(st stackID) string {
	fs := s.stackFrames(st)
	if len(fs) == 0 {
		return "(no frames)"
	}
	f := s.frame(fs[0])
	if f.File == "" && f.Line == 0 {
		return f.Function
	}
	return f.Function + " " + filepath.Base(f.File) + ":" + strconv.FormatInt(f.Line, 10)
}

// stackKey joins the keys of a stack's frames: a site's key by stack.
func (s *Series) stackKey(st stackID) string {
	fs := s.stackFrames(st)
	n := len(fs)
	for _, f := range fs {
		n += len(s.frame(f).Function)
	}
	var b strings.Builder
	b.Grow(n)
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(s.frame(f).Function)
	}
	return b.String()
}

// groupKey is site gi's key.
func (s *Series) groupKey(g *grouping, gi int) string {
	if g.by == GroupByStack {
		return s.stackKey(g.groups[gi].rep)
	}
	return g.names[gi].key
}

// groupTitle is site gi's title.
func (s *Series) groupTitle(g *grouping, gi int) string {
	if g.by == GroupByStack {
		return s.stackTitleWithCaller(g.groups[gi].rep)
	}
	return g.names[gi].title
}

// groupCategory is site gi's categories, joined.
func (g *grouping) groupCategory(gi int) string {
	return strings.Join(g.cats[int32(gi)], ",")
}

// compareGroupKeys orders sites a and b by key, as strings.Compare on their
// keys would, without building a stack's joined key.
func (s *Series) compareGroupKeys(g *grouping, a, b int) int {
	if g.by != GroupByStack {
		return strings.Compare(g.names[a].key, g.names[b].key)
	}
	return s.compareStackKeys(g.groups[a].rep, g.groups[b].rep)
}

// compareStackKeys compares the joined keys of two stacks ("f;g;h") as
// strings.Compare would, without joining them: frames with equal keys are
// skipped whole, and only the first pair that differs is compared as text.
func (s *Series) compareStackKeys(a, b stackID) int {
	fa, fb := s.stackFrames(a), s.stackFrames(b)
	keyOf := s.keyClasses().keyOf
	for i := 0; ; i++ {
		switch {
		case i == len(fa) && i == len(fb):
			return 0
		case i == len(fa):
			return -1 // a is a prefix of b
		case i == len(fb):
			return 1
		}
		if fa[i] == fb[i] || keyOf[s.denseFrame(fa[i])] == keyOf[s.denseFrame(fb[i])] {
			continue
		}
		ka, kb := s.frame(fa[i]).Function, s.frame(fb[i]).Function
		k := min(len(ka), len(kb))
		if c := strings.Compare(ka[:k], kb[:k]); c != 0 {
			return c
		}
		// One key is a prefix of the other: what follows it (";" before
		// the next frame, or the end) decides, unless it is ";" on both
		// sides, which only keys holding ";" make: compare the rest as text.
		return s.compareKeysFrom(fa, fb, i)
	}
}

// compareKeysFrom compares the joined keys of two stacks from frame i on,
// byte by byte.
func (s *Series) compareKeysFrom(fa, fb []frameID, i int) int {
	ca := keyCursor{s: s, fs: fa, i: i, sep: true}
	cb := keyCursor{s: s, fs: fb, i: i, sep: true}
	for {
		okA, okB := ca.fill(), cb.fill()
		if !okA || !okB {
			switch {
			case okA:
				return 1
			case okB:
				return -1
			}
			return 0
		}
		k := min(len(ca.piece), len(cb.piece))
		if c := strings.Compare(ca.piece[:k], cb.piece[:k]); c != 0 {
			return c
		}
		ca.piece, cb.piece = ca.piece[k:], cb.piece[k:]
	}
}

// keyCursor walks a stack's joined key: its frames' keys with ";" between.
type keyCursor struct {
	s     *Series
	fs    []frameID
	i     int    // next frame
	piece string // what is left of the current piece
	sep   bool   // the ";" before frame i is done
}

// fill makes piece non-empty; false at the end of the key.
func (c *keyCursor) fill() bool {
	for c.piece == "" {
		if c.i >= len(c.fs) {
			return false
		}
		if c.i > 0 && !c.sep {
			c.piece, c.sep = ";", true
			continue
		}
		c.piece = c.s.frame(c.fs[c.i]).Function
		c.i++
		c.sep = false
	}
	return true
}

// siteFrames returns the frames shown for a site.
func (s *Series) siteFrames(sg *siteGroup, by GroupBy) []Frame {
	out := []Frame{}
	switch by {
	case GroupByCategory:
		return out
	case GroupByFunction, GroupByLine:
		fs := s.stackFrames(sg.rep)
		if len(fs) > 0 {
			f := *s.frame(fs[0])
			if by == GroupByFunction {
				f.Line = 0
			}
			out = append(out, f)
		}
		return out
	}
	for _, f := range s.stackFrames(sg.rep) {
		out = append(out, *s.frame(f))
	}
	return out
}
