package dumpdiff

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// Order is how the snapshots of a series are put in lifecycle order.
type Order string

const (
	OrderName Order = "name" // natural sort of the paths: x.9 before x.10 (the default; "" means the same)
	OrderArgs Order = "args" // as given
	OrderTime Order = "time" // the time inside each snapshot
)

// ParseOrder reads an --order value.
func ParseOrder(s string) (Order, error) {
	switch o := Order(s); o {
	case OrderArgs, OrderName, OrderTime:
		return o, nil
	case "":
		return OrderName, nil
	}
	return "", fmt.Errorf("invalid order %q: want name, args or time", s)
}

// LoadOptions tune Load. The zero value parses with parsers.Open, trims the
// default allocator frames, puts the snapshots in natural order of their
// paths and parses GOMAXPROCS files at a time.
type LoadOptions struct {
	// Open reads one snapshot; nil means parsers.OpenEach(path, &Parse, …),
	// which also reads a recording split into several lifecycles.
	Open func(path string) (*parsers.Snapshot, error)
	// Parse is passed to parsers.Open when Open is nil (forced format, symboliser).
	Parse parsers.Options
	// Trim are extra allocator frames to drop (--trim), matched anywhere in
	// the function name.
	Trim []*regexp.Regexp
	// NoTrim keeps every frame, allocator frames included (--no-trim).
	NoTrim bool
	// Order puts the snapshots in lifecycle order; "" means OrderName.
	// Natural order is the default because the shell hands over a glob in
	// byte order (lc1 lc10 lc11 lc2 …), and a series taken in that order
	// turns a steady leak into a saw-tooth that reads as noise.
	Order Order
	// LifecycleRegex, when set, reads each snapshot's lifecycle number from the
	// first capture group matched in its file's base name; the series is then
	// ordered by that number and growth is per unit of it (gaps allowed).
	LifecycleRegex *regexp.Regexp
	// Jobs is how many snapshots parse at once; 0 means GOMAXPROCS.
	Jobs int
	// Progress, when set, is called after each snapshot is parsed and reduced,
	// from one goroutine at a time.
	Progress func(done, total int, path string)
}

// skipInDir reports whether a directory entry is not a snapshot: hidden
// files, golden files, and the JSON, Markdown and README files that series
// directories carry beside their dumps (truth.json, notes).
func skipInDir(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") ||
		strings.HasSuffix(lower, ".golden") ||
		strings.HasSuffix(lower, ".json") ||
		strings.HasSuffix(lower, ".md") ||
		strings.HasPrefix(lower, "readme")
}

// ExpandPaths replaces each directory argument by the snapshot files in it,
// in natural order (not recursive); files are kept as given. In a directory,
// a file is a snapshot when its content is in a format parsers.Detect
// recognises, so the reports and notes kept beside a series are skipped
// (collapsed stacks too, when the directory holds snapshots of another
// format: they are its reports); a file that cannot be read is kept, so
// that Load names the problem. A directory with no snapshot files is an
// error.
func ExpandPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		ents, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var files, collapsed []string
		for _, e := range ents {
			if e.IsDir() || skipInDir(e.Name()) {
				continue
			}
			if !e.Type().IsRegular() {
				if fi, err := os.Stat(filepath.Join(a, e.Name())); err != nil || !fi.Mode().IsRegular() {
					continue
				}
			}
			path := filepath.Join(a, e.Name())
			switch f, err := parsers.DetectFile(path); {
			case errors.Is(err, parsers.ErrUnrecognized):
				continue
			case f == parsers.FormatCollapsed:
				collapsed = append(collapsed, path)
				continue
			}
			files = append(files, path)
		}
		// Collapsed stacks are what tools print from a snapshot or a
		// recording (heaptrack_print -F, jfrconv): beside files of another
		// format they are its reports, not lifecycles of their own.
		if len(files) == 0 {
			files = collapsed
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("directory %s has no snapshot files", a)
		}
		slices.SortFunc(files, NaturalCompare)
		out = append(out, files...)
	}
	return out, nil
}

// NaturalCompare orders strings with runs of digits compared as numbers:
// "heap.9" < "heap.10". Equal numbers with different leading zeros, and
// otherwise equal strings, fall back to byte order.
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if ca != cb {
			return cmpInt(int(ca), int(cb))
		}
		i++
		j++
	}
	if c := cmpInt(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Load parses the snapshots at paths (files, not directories: see
// ExpandPaths) and reduces each to a site table as soon as it is parsed;
// profiles are not kept. Files parse concurrently, but the reduction runs in
// path order, so the result never depends on which parse finishes first.
// A single file that carries its own baseline (NMT *.diff output) loads as a
// two-snapshot series: baseline, then current.
func Load(paths []string, opts LoadOptions) (*Series, error) {
	if len(paths) == 0 {
		return nil, errors.New("no snapshots given")
	}
	// The same file twice (a directory and a glob of it, an overlapping
	// glob) would count one lifecycle twice and bend every slope.
	given := make(map[string]bool, len(paths))
	for _, p := range paths {
		c := filepath.Clean(p)
		if given[c] {
			return nil, fmt.Errorf("%s is given twice: each snapshot is one lifecycle", p)
		}
		given[c] = true
	}
	lifecycles, err := regexLifecycles(paths, opts.LifecycleRegex)
	if err != nil {
		return nil, err
	}
	open := func(path string) ([]*parsers.Snapshot, error) {
		var snaps []*parsers.Snapshot
		err := parsers.Guard(path, func() error {
			if opts.Open != nil {
				snap, err := opts.Open(path)
				snaps = append(snaps, snap)
				return err
			}
			po := opts.Parse
			return parsers.OpenEach(path, &po, func(snap *parsers.Snapshot) error {
				snaps = append(snaps, snap)
				return nil
			})
		})
		return snaps, err
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}

	type result struct {
		snaps []*parsers.Snapshot
		err   error
	}
	results := make([]chan result, len(paths))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	// A slot is taken before a parse starts and given back only once its
	// snapshot is reduced, so at most jobs parsed profiles exist at a time.
	slots := make(chan struct{}, jobs)
	stop := make(chan struct{})
	go func() {
		for i, p := range paths {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			// select picks at random when both are ready: after a load
			// error a free slot must not start one more parse.
			select {
			case <-stop:
				return
			default:
			}
			go func() {
				snaps, err := open(p)
				results[i] <- result{snaps, err}
			}()
		}
	}()

	s := newSeries()
	trimmers := trimmerCache{user: opts.Trim, off: opts.NoTrim, byKey: map[trimKey]*trimmer{}}
	var loadErr error
	// seriesInOneFile: the series is one file's own: the baseline and
	// current side of an NMT .diff, or a recording split into lifecycles,
	// an order no --order may change.
	seriesInOneFile := false
	for i, p := range paths {
		r := <-results[i]
		<-slots
		if r.err != nil {
			loadErr = r.err
			break
		}
		snaps := r.snaps
		if len(snaps) > 1 && len(paths) > 1 {
			loadErr = fmt.Errorf("%s holds %d lifecycles (a recording split by --every or --lifecycle-marker); give it alone, or give one recording per lifecycle without splitting", p, len(snaps))
			break
		}
		if len(paths) == 1 && len(snaps) == 1 && snaps[0].Baseline != nil {
			cur := snaps[0]
			base := cur.Baseline
			if base.Name == "" {
				base.Name = cur.Name + " (baseline)"
			}
			if base.Format == "" {
				base.Format = cur.Format
			}
			snaps = []*parsers.Snapshot{base, cur}
		}
		seriesInOneFile = len(snaps) > 1
		if len(r.snaps) > 1 && lifecycles != nil {
			loadErr = fmt.Errorf("%s numbers its own lifecycles (a split recording): --lifecycle-regex numbers one file per lifecycle", p)
			break
		}
		for k, snap := range snaps {
			if snap.Name == "" {
				snap.Name = p
			}
			snap.Lifecycle = -1
			if lifecycles != nil {
				snap.Lifecycle = lifecycles[i]
			} else if seriesInOneFile {
				snap.Lifecycle = k
			}
			tr, warn := trimmers.get(snap)
			if warn != nil {
				s.warnings = append(s.warnings, warn)
			}
			s.warnings = append(s.warnings, snap.Warnings...)
			s.snaps = append(s.snaps, s.reduce(snap, tr))
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(paths), p)
		}
	}
	// Parses already running finish on their own (their channels are
	// buffered); no new one starts.
	close(stop)
	if loadErr != nil {
		return nil, loadErr
	}
	if lifecycles == nil && !seriesInOneFile {
		if w := orderWarning(s.snaps, opts.Order); w != nil {
			s.warnings = append(s.warnings, w)
		}
	}
	if !seriesInOneFile {
		if err := s.oneKind(); err != nil {
			return nil, err
		}
		if err := s.order(opts.Order, lifecycles != nil); err != nil {
			return nil, err
		}
	}
	if err := s.checkMetrics(); err != nil {
		return nil, err
	}
	s.format = s.snaps[0].info.Format
	for _, t := range s.snaps[1:] {
		if t.info.Format != s.format {
			s.format = ""
		}
	}
	return s, nil
}

// orderWarning looks for signs that a series is out of order, before
// Series.order sorts it. Kept in argument order (o is OrderArgs): names in
// byte order that natural order would rearrange (what a shell glob gives
// for lc1 … lc10: lc10 before lc2). In argument or name order: when every
// snapshot records when it was taken, a snapshot taken before the one
// ahead of it. The series is still taken in that order; the warning says
// how to fix it.
func orderWarning(snaps []*snapTable, o Order) error {
	if len(snaps) < 2 || o == OrderTime {
		return nil
	}
	if o == OrderArgs {
		names := make([]string, len(snaps))
		for i, t := range snaps {
			names[i] = filepath.Base(t.info.Path)
		}
		if slices.IsSorted(names) {
			for i := 1; i < len(names); i++ {
				if NaturalCompare(names[i-1], names[i]) > 0 {
					return fmt.Errorf("the snapshots are given in byte order, which puts %s before %s (as a shell glob does); they are used in that order (--order args): without it they are sorted naturally",
						names[i-1], names[i])
				}
			}
		}
	}
	for _, t := range snaps {
		if t.info.Time.IsZero() {
			return nil
		}
	}
	ordered := snaps
	how := "in the order given (--order args)"
	if o != OrderArgs {
		ordered = slices.Clone(snaps)
		slices.SortStableFunc(ordered, func(a, b *snapTable) int { return NaturalCompare(a.info.Path, b.info.Path) })
		how = "in natural order of their names"
	}
	for i := 1; i < len(ordered); i++ {
		if ordered[i].info.Time.Before(ordered[i-1].info.Time) {
			return fmt.Errorf("%s was taken before %s but comes after it in the series; they are used %s: --order time sorts them by when they were taken",
				ordered[i].info.Path, ordered[i-1].info.Path, how)
		}
	}
	return nil
}

// regexLifecycles reads lifecycle numbers from file base names, or returns
// nil when re is nil.
func regexLifecycles(paths []string, re *regexp.Regexp) ([]int, error) {
	if re == nil {
		return nil, nil
	}
	if re.NumSubexp() < 1 {
		return nil, fmt.Errorf("lifecycle regex %q has no capture group for the lifecycle number", re)
	}
	out := make([]int, len(paths))
	seen := map[int]string{}
	for i, p := range paths {
		base := filepath.Base(p)
		m := re.FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("lifecycle regex %q does not match %s", re, p)
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("lifecycle regex %q matched %q in %s, not a number", re, m[1], p)
		}
		if prev, ok := seen[n]; ok {
			return nil, fmt.Errorf("%s and %s have the same lifecycle %d", prev, p, n)
		}
		seen[n] = p
		out[i] = n
	}
	return out, nil
}

// order sorts the reduced snapshots and numbers their lifecycles.
func (s *Series) order(o Order, explicit bool) error {
	switch {
	case explicit:
		slices.SortStableFunc(s.snaps, func(a, b *snapTable) int { return cmpInt(a.info.Lifecycle, b.info.Lifecycle) })
		return nil
	case o == OrderName || o == "":
		slices.SortStableFunc(s.snaps, func(a, b *snapTable) int { return NaturalCompare(a.info.Path, b.info.Path) })
	case o == OrderTime:
		for _, t := range s.snaps {
			if t.info.Time.IsZero() {
				return fmt.Errorf("order by time: %s does not say when it was taken", t.info.Path)
			}
		}
		slices.SortStableFunc(s.snaps, func(a, b *snapTable) int { return a.info.Time.Compare(b.info.Time) })
	case o == OrderArgs:
	default:
		return fmt.Errorf("invalid order %q: want name, args or time", o)
	}
	for i, t := range s.snaps {
		t.info.Lifecycle = i
	}
	return nil
}

// checkMetrics refuses a series whose snapshots measure different things:
// no metric (name and unit) common to all of them. Snapshots that share the
// ranked metric but differ in others (a Go heap profile beside a jemalloc
// dump without accumulated counts, both inuse_space) make a series; a metric
// that some snapshot lacks is refused when it is asked for (resolveMetric).
func (s *Series) checkMetrics() error {
	if len(s.Metrics()) > 0 {
		return nil
	}
	// Compared by name and unit: two snapshots that both say "malloc", one
	// in bytes and one in counts, share no metric. Printed by MetricID over
	// both, so a unit shows only where a name alone would not tell.
	key := func(t *snapTable) []string {
		out := make([]string, len(t.metrics))
		for i, m := range t.metrics {
			out[i] = m.Name + "/" + m.Unit
		}
		slices.Sort(out)
		return out
	}
	show := func(t *snapTable, both []Metric) string {
		out := make([]string, len(t.metrics))
		for i, m := range t.metrics {
			out[i] = MetricID(m, both)
		}
		slices.Sort(out)
		return strings.Join(out, ", ")
	}
	first := s.snaps[0]
	for _, t := range s.snaps[1:] {
		if !slices.Equal(key(first), key(t)) {
			both := append(slices.Clone(first.metrics), t.metrics...)
			return fmt.Errorf("snapshots measure different metrics: %s has %s; %s has %s",
				first.info.Path, show(first, both), t.info.Path, show(t, both))
		}
	}
	return nil
}
