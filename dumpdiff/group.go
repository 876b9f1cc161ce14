package dumpdiff

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// siteGroup is one site of a result: the rows that share a key under the
// chosen GroupBy.
type siteGroup struct {
	key, title string
	rep        stackID // representative stack: the first seen (lowest id)
	cats       []string
}

// grouping maps every row to its site (or -1 when --focus/--ignore filter
// it out).
type grouping struct {
	of     []int32
	groups []siteGroup
	by     GroupBy // opts.GroupBy with its default filled in
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

// table resolves opts.Metric, groups the rows under opts and sums the
// metric per site and snapshot.
func (s *Series) table(opts Options) (*siteTable, error) {
	metric, midx, err := s.resolveMetric(opts.Metric)
	if err != nil {
		return nil, err
	}
	g, err := s.group(opts)
	if err != nil {
		return nil, err
	}
	vals, totals, unfiltered := s.values(g, midx)
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
			if len(avail) == 0 {
				return "", "", fmt.Errorf("group by %s: the snapshots have no %q label (they carry no labels at all)", by, label)
			}
			return "", "", fmt.Errorf("group by %s: the snapshots have no %q label (available: %s)", by, label, strings.Join(avail, ", "))
		}
	default:
		return "", "", fmt.Errorf("invalid group-by %q: want stack, function, line or category", by)
	}
	return by, label, nil
}

// group assigns rows to sites for opts.
func (s *Series) group(opts Options) (*grouping, error) {
	by, label, err := s.grouping(opts)
	if err != nil {
		return nil, err
	}

	// Filters are per stack: 0 unknown, 1 kept, 2 dropped. Stacks share
	// frames (main, the runtime's entry points), so each pattern is matched
	// once per frame, not once per frame of every stack.
	verdict := make([]uint8, len(s.stacks))
	focus := s.frameMatcher(opts.Focus)
	ignore := s.frameMatcher(opts.Ignore)
	keep := func(st stackID) bool {
		if opts.Focus == nil && opts.Ignore == nil {
			return true
		}
		if v := verdict[st]; v != 0 {
			return v == 1
		}
		ok := (opts.Focus == nil || s.stackMatches(st, focus)) &&
			(opts.Ignore == nil || !s.stackMatches(st, ignore))
		verdict[st] = 2
		if ok {
			verdict[st] = 1
		}
		return ok
	}

	g := &grouping{of: make([]int32, len(s.rows)), by: by}
	// A stack grouping has about one site per stack; coarser ones fewer.
	hint := len(s.stacks)
	if by == GroupByCategory {
		hint = 16
	}
	idx := make(map[string]int32, hint)
	g.groups = make([]siteGroup, 0, hint)
	// Except by category, a row's site is a function of its stack alone:
	// its key and title are built once per stack, not once per row.
	var ofStack []int32
	if by != GroupByCategory {
		ofStack = make([]int32, len(s.stacks))
		for i := range ofStack {
			ofStack[i] = -1
		}
	}
	for r, row := range s.rows {
		if !keep(row.stack) {
			g.of[r] = -1
			continue
		}
		cat := s.label(row.labels, label)
		if ofStack != nil && ofStack[row.stack] >= 0 {
			gi := ofStack[row.stack]
			g.groups[gi].addCat(cat)
			g.of[r] = gi
			continue
		}
		var key, title string
		switch by {
		case GroupByStack:
			key = s.stacks[row.stack].key
			title = s.stackTitleWithCaller(row.stack)
		case GroupByFunction:
			title = s.stackTitle(row.stack)
			key = title
		case GroupByLine:
			key = s.lineTitle(row.stack)
			title = key
		case GroupByCategory:
			key = cat
			title = cat
			if cat == "" {
				title = "(no " + label + ")"
			}
		}
		gi, ok := idx[key]
		if !ok {
			gi = int32(len(g.groups))
			idx[key] = gi
			g.groups = append(g.groups, siteGroup{key: key, title: title, rep: row.stack})
		}
		sg := &g.groups[gi]
		if row.stack < sg.rep {
			sg.rep = row.stack
		}
		sg.addCat(cat)
		if ofStack != nil {
			ofStack[row.stack] = gi
		}
		g.of[r] = gi
	}
	for i := range g.groups {
		slices.Sort(g.groups[i].cats)
	}
	return g, nil
}

// addCat records a category of one of the group's rows ("" is none).
func (sg *siteGroup) addCat(cat string) {
	if cat != "" && !slices.Contains(sg.cats, cat) {
		sg.cats = append(sg.cats, cat)
	}
}

// frameMatcher returns whether frame f matches re by function name, file
// name or module, as pprof's -focus and -ignore do, matching each frame at
// most once; nil when re is nil.
func (s *Series) frameMatcher(re *regexp.Regexp) func(frameID) bool {
	if re == nil {
		return nil
	}
	memo := make([]uint8, len(s.frames)) // 0 unknown, 1 matches, 2 does not
	return func(f frameID) bool {
		if v := memo[f]; v != 0 {
			return v == 1
		}
		fr := &s.frames[f]
		ok := re.MatchString(fr.key) || (fr.File != "" && re.MatchString(fr.File)) ||
			(fr.Module != "" && re.MatchString(fr.Module))
		memo[f] = 2
		if ok {
			memo[f] = 1
		}
		return ok
	}
}

// stackMatches reports whether any frame of the stack matches.
func (s *Series) stackMatches(st stackID, match func(frameID) bool) bool {
	return slices.ContainsFunc(s.stacks[st].frames, match)
}

// stackTitle is the stack's innermost kept frame.
func (s *Series) stackTitle(st stackID) string {
	fs := s.stacks[st].frames
	if len(fs) == 0 {
		return "(no frames)"
	}
	return s.frames[fs[0]].key
}

// stackTitleWithCaller is stackTitle, followed by the caller when the
// innermost frame is a placeholder such as NMT's "[java]": on JDK 25 a
// direct-memory site is "[java]" called from "[Other]", and "[java]" alone
// would not tell it from any other Java caller.
func (s *Series) stackTitleWithCaller(st stackID) string {
	title := s.stackTitle(st)
	fs := s.stacks[st].frames
	if len(fs) > 1 && strings.HasPrefix(title, "[") && strings.HasSuffix(title, "]") {
		title += " ← " + s.frames[fs[1]].key
	}
	return title
}

// lineTitle is the innermost kept frame with its file:line when known.
func (s *Series) lineTitle(st stackID) string {
	fs := s.stacks[st].frames
	if len(fs) == 0 {
		return "(no frames)"
	}
	f := &s.frames[fs[0]]
	if f.File == "" && f.Line == 0 {
		return f.key
	}
	return f.key + " " + filepath.Base(f.File) + ":" + strconv.FormatInt(f.Line, 10)
}

// siteFrames returns the frames shown for a site.
func (s *Series) siteFrames(sg *siteGroup, by GroupBy) []Frame {
	out := []Frame{}
	switch by {
	case GroupByCategory:
		return out
	case GroupByFunction, GroupByLine:
		fs := s.stacks[sg.rep].frames
		if len(fs) > 0 {
			f := s.frames[fs[0]].Frame
			if by == GroupByFunction {
				f.Line = 0
			}
			out = append(out, f)
		}
		return out
	}
	for _, f := range s.stacks[sg.rep].frames {
		out = append(out, s.frames[f].Frame)
	}
	return out
}

// values sums the metric per site and snapshot: v[g*n+i]. totals are per
// snapshot, after the filters; unfiltered before them.
func (s *Series) values(g *grouping, midx []int) (v, totals, unfiltered []int64) {
	n := len(s.snaps)
	v = make([]int64, len(g.groups)*n)
	totals = make([]int64, n)
	unfiltered = make([]int64, n)
	for i, t := range s.snaps {
		nm := len(t.metrics)
		mi := midx[i]
		for k, r := range t.rows {
			x := t.vals[k*nm+mi]
			unfiltered[i] += x
			gi := g.of[r]
			if gi < 0 {
				continue
			}
			v[int(gi)*n+i] += x
			totals[i] += x
		}
	}
	return v, totals, unfiltered
}
