package dumpdiff

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Verdict thresholds. See the package documentation for the reasoning.
const (
	// Alpha is the one-sided Mann–Kendall significance level for a trend.
	// A series has many sites and each is tested: at 0.05 one noise site in
	// twenty would show a "trend"; 0.01 keeps that to one in a hundred, and
	// a site that grows at every step reaches it from five snapshots on.
	Alpha = 0.01
	// minTestN is the smallest series the test can judge at Alpha
	// (n = 4: the smallest one-sided p is 1/24 ≈ 0.042).
	minTestN = 5
	// scatterK: the fitted rise over the series must be at least this many
	// robust standard deviations of the site's own scatter around its line.
	scatterK = 3.0
	// continuingFrac: the slope over the last lifecycles must be at least
	// this fraction of the whole-series slope for growth to be "continuing".
	continuingFrac = 0.5
	// minTrendPoints: a site present in fewer snapshots than this at the end
	// of the series is "new" rather than judged by a trend.
	minTrendPoints = 3
	// minTrendN is the shortest series that can show a trend: with two
	// snapshots there is one step, and a leak cannot be told from a warm-up.
	minTrendN = 3
)

// trendHeader is a trend before its sites: the header and its warnings,
// the snapshots with their totals, the process total's trend, the growth
// floor and the --limit projection. x holds the snapshots' lifecycles.
func (s *Series) trendHeader(tbl *siteTable, x []float64, opts Options) *TrendResult {
	metric, totals, n := tbl.metric, tbl.totals, len(s.snaps)
	res := &TrendResult{
		ResultHeader: ResultHeader{Metric: metric, GroupBy: tbl.g.by, Warnings: s.Warnings()},
		Snapshots:    make([]SnapshotInfo, n),
	}
	if n < minTrendN {
		res.Warnings = append(res.Warnings, fmt.Errorf("%d snapshots are one step, which cannot tell growth that goes on from a warm-up: no site is called a leak or plateau below %d snapshots (dumpdiff compare shows the step)", n, minTrendN))
	}
	if cumulativeMetric(metric.Name) {
		hint := ""
		if metricIndex(s.Metrics(), "inuse_space") >= 0 {
			hint = "; -m inuse_space ranks retained memory"
		}
		res.Warnings = append(res.Warnings, fmt.Errorf("metric %s counts every allocation since the process started, freed or not: it grows at every site that allocates, leak or not%s", metric.Name, hint))
	}
	for i, t := range s.snaps {
		res.Snapshots[i] = t.info
		res.Snapshots[i].Total = totals[i]
	}
	if w := s.restartWarning(); w != nil {
		res.Warnings = append(res.Warnings, w)
	}
	ty := toFloat(totals, nil)
	res.Total = TrendTotal{Growth: TheilSen(x, ty), Values: totals, RSSGrowth: rssGrowth(x, res.Snapshots)}
	res.Floor = opts.floor(medianInt(tbl.unfiltered))
	if opts.Limit > 0 {
		res.Projection = project(opts.Limit, totals[n-1], res.Total.Growth)
	}
	return res
}

// Trend ranks the series' sites by growth per lifecycle. It needs at least
// two snapshots. It reads only the reduced tables, so calling it again with
// another metric, grouping or filter is cheap.
func (s *Series) Trend(opts Options) (*TrendResult, error) {
	if len(s.snaps) < 2 {
		return nil, fmt.Errorf("trend needs at least two snapshots, got %d", len(s.snaps))
	}
	tbl, err := s.table(opts)
	if err != nil {
		return nil, err
	}
	metric, g := tbl.metric, tbl.g
	x := make([]float64, len(s.snaps))
	for i, t := range s.snaps {
		x[i] = float64(t.info.Lifecycle)
	}
	res := s.trendHeader(tbl, x, opts)

	// Score every site, rank small records, and build the full TrendSite
	// only for the sites kept by --top.
	// With a short --top, only the shown sites' full statistics are kept:
	// they are analysed again once ranked (a series may have millions).
	judge := siteJudge{x: x, quantum: s.samplingQuantum(metric), floor: res.Floor.PerLifecycle}
	keepAll := opts.Top <= 0 || opts.Top >= len(g.groups)/8
	scores, full := s.scoreSites(tbl, judge, keepAll)
	res.SiteCount = len(scores)
	scores = rankScores(scores, opts.Top, func(a, b int32) int { return s.compareGroupKeys(g, int(a), int(b)) })
	if !keepAll {
		full = s.analyseShown(tbl, judge, scores)
	}
	res.Sites = make([]TrendSite, len(scores))
	groupOf := make([]int32, len(scores))
	for i, sc := range scores {
		a := &full[sc.analysis]
		groupOf[i] = sc.group
		res.Sites[i] = TrendSite{
			Site:        Site{Rank: i + 1},
			Values:      tbl.site(int(sc.group)),
			Growth:      a.growth,
			TotalGrowth: sc.total,
			R2:          a.r2,
			MKP:         a.mk.P,
			Monotonic:   a.monotonic,
			Verdict:     a.verdict,
		}
	}
	details := s.siteDetails(g, groupOf)
	if opts.Stream {
		res.details = details
	} else {
		for i := range res.Sites {
			details(i, &res.Sites[i].Site)
		}
	}
	return res, nil
}

// scoreSites analyses every site that has some of the metric, on every
// core: sites are independent, and a large series has hundreds of
// thousands. The scores come in site order whatever the cores did; with
// keep, full holds each score's whole analysis (score.analysis indexes it).
func (s *Series) scoreSites(tbl *siteTable, j siteJudge, keep bool) (scores []siteScore, full []analysis) {
	g, n := tbl.g, tbl.n
	scores = make([]siteScore, len(g.groups))
	if keep {
		full = make([]analysis, len(g.groups))
	}
	used := make([]bool, len(g.groups))
	parallel(len(g.groups), func(from, to int) {
		st := newStatScratch(n)
		st.quantum = j.quantum
		for gi := from; gi < to; gi++ {
			v := tbl.site(gi)
			if allZero(v) {
				continue // the site has none of this metric: nothing to rank
			}
			a := j.analyze(st, v)
			sc := siteScore{group: int32(gi), analysis: int32(gi), total: v[n-1] - v[0], growth: a.growth, rank: uint8(verdictRank(a.verdict))}
			if g.by == GroupByStack {
				sc.keyPrefix = s.keyPrefix(g.groups[gi].rep)
			}
			scores[gi], used[gi] = sc, true
			if keep {
				full[gi] = a
			}
		}
	})
	kept := scores[:0]
	for gi, ok := range used {
		if ok {
			kept = append(kept, scores[gi])
		}
	}
	return kept, full
}

// analyseShown analyses again the sites a result shows (their scores kept
// only what ranking needs); score.analysis then indexes the result.
func (s *Series) analyseShown(tbl *siteTable, j siteJudge, scores []siteScore) []analysis {
	full := make([]analysis, len(scores))
	parallel(len(scores), func(from, to int) {
		st := newStatScratch(tbl.n)
		st.quantum = j.quantum
		for i := from; i < to; i++ {
			full[i] = j.analyze(st, tbl.site(int(scores[i].group)))
			scores[i].analysis = int32(i)
		}
	})
	return full
}

// siteJudge analyses sites for one trend: their lifecycles, the sampling
// quantum, and the floor under which a leak is a creep.
type siteJudge struct {
	x       []float64
	quantum float64
	floor   float64
}

// analyze computes a site's statistics and verdict from its values v.
func (j siteJudge) analyze(st *statScratch, v []int64) analysis {
	a := st.analyze(j.x, toFloat(v, st.y))
	if a.verdict == VerdictLeak && a.growth < j.floor {
		a.verdict = VerdictCreep
	}
	return a
}

// parallel calls work on consecutive ranges of [0, n), on every core for
// a large n.
func parallel(n int, work func(from, to int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/4096))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { work(w*n/workers, (w+1)*n/workers) })
	}
	wg.Wait()
}

// siteScore is what ranking needs of a site: a few words, since a large
// series ranks millions.
type siteScore struct {
	group     int32
	analysis  int32 // index of the site's whole analysis
	rank      uint8 // verdictRank of the site's verdict
	growth    float64
	total     int64  // last value − first
	keyPrefix uint64 // orders keys by their start; see Series.keyPrefix
}

// rankScores orders sites: leaks first by growth per lifecycle, then
// creeps (leaks under the floor, so the floor changes what a site is
// called, not where it ranks), then the rest by growth per lifecycle; equal
// growth (often 0: plateaus and flat sites) by total growth over the
// series, so a warm-up cache that stayed comes before a site that never
// moved; then by key (byKey compares two sites' keys). With top > 0 it
// returns only the first top (see topSorted).
func rankScores(sc []siteScore, top int, byKey func(a, b int32) int) []siteScore {
	return topSorted(sc, top, scoreOrder(byKey))
}

// topSorted sorts s by cmp and returns it, or with top > 0 only its first
// top: a short --top over a large series picks them with a heap rather
// than sorting every site. cmp must be a total order (sites' keys are
// distinct), so both give the same elements in the same order.
func topSorted[T any](s []T, top int, cmp func(a, b T) int) []T {
	if top <= 0 || top >= len(s)/4 {
		slices.SortFunc(s, cmp)
		if top > 0 && len(s) > top {
			s = s[:top]
		}
		return s
	}
	// s[:top] is a heap whose root is the last of the best seen so far;
	// every later element that comes before the root replaces it.
	h := s[:top]
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && cmp(h[c+1], h[c]) > 0 {
				c++
			}
			if cmp(h[c], h[i]) <= 0 {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range s[top:] {
		if cmp(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

// scoreOrder is the ranking order of rankScores.
func scoreOrder(byKey func(a, b int32) int) func(a, b siteScore) int {
	return func(a, b siteScore) int {
		if a.rank != b.rank {
			return cmpInt(int(a.rank), int(b.rank))
		}
		if a.growth != b.growth {
			if a.growth > b.growth {
				return -1
			}
			return 1
		}
		if a.total != b.total {
			if a.total > b.total {
				return -1
			}
			return 1
		}
		if a.keyPrefix != b.keyPrefix {
			if a.keyPrefix < b.keyPrefix {
				return -1
			}
			return 1
		}
		return byKey(a.group, b.group)
	}
}

// verdictRank is a verdict's group in the ranking: leaks, creeps, the rest.
func verdictRank(v Verdict) int {
	switch v {
	case VerdictLeak:
		return 0
	case VerdictCreep:
		return 1
	}
	return 2
}

// medianInt is the median of v (0 for none), without reordering v.
func medianInt(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return s[m-1] + (s[m]-s[m-1])/2
}

// project answers --limit from the last total and the total's growth.
func project(limit, last int64, growth float64) *Projection {
	p := &Projection{Limit: limit, Growing: growth > 0}
	switch {
	case growth > 0:
		p.Lifecycles = float64(limit-last) / growth
	case last >= limit:
		p.Lifecycles = 0
	default:
		p.Lifecycles = math.Inf(1)
	}
	return p
}

func toFloat(v []int64, buf []float64) []float64 {
	buf = buf[:0]
	for _, x := range v {
		buf = append(buf, float64(x))
	}
	return buf
}

// statScratch holds buffers reused across sites, so ranking 100 000 sites
// does not allocate per site.
type statScratch struct {
	y, slopes, resid, sorted []float64
	ties                     []int
	key                      []byte
	exact                    map[string]*sDist
	// quantum is the value one sampled object adds to a site in a sampled
	// series (the sampling period, bytes); 0 when every allocation counts.
	quantum float64
}

func newStatScratch(n int) *statScratch {
	return &statScratch{
		y:      make([]float64, 0, n),
		slopes: make([]float64, 0, n*(n-1)/2),
		resid:  make([]float64, 0, n),
		sorted: make([]float64, 0, n),
		exact:  map[string]*sDist{},
	}
}

// analysis is a site's statistics and verdict.
type analysis struct {
	growth, r2, monotonic float64
	mk                    MannKendall
	verdict               Verdict
}

// analyze computes a site's statistics and verdict from its values y at
// lifecycles x.
func (st *statScratch) analyze(x, y []float64) analysis {
	a := st.fit(x, y)
	a.verdict = st.classify(x, y, a)
	switch a.verdict {
	case VerdictNew, VerdictSteady:
		return a
	case VerdictGone:
		// Growth is measured over the stretch the verdict is about: a site
		// that freed its memory has held none since, and the slope of its
		// rise before would read as growth that goes on.
		a.growth = 0
		return a
	case VerdictPlateau:
		// The whole series' slope of a site that grew and stopped is a
		// share of its step, which reads as growth that goes on: what a
		// plateau grows now is the slope since it reached the level it
		// holds (the median of the last lifecycles).
		a.growth = 0
		if from := firstReaching(y, st.tailLevel(y)); len(y)-from >= 2 {
			a.growth = theilSenBuf(x[from:], y[from:], st.slopes[:0])
		}
		return a
	}
	// A leak that started late: the site held one value over its first
	// snapshots (often none at all), then grew. Those snapshots say
	// nothing about how fast it leaks, and over the whole series they pull
	// the Theil–Sen slope towards zero (to a sixth of the truth when the
	// leak starts two thirds of the way in, to zero later), so the site is
	// judged again from the last of them; if that shows a leak, the verdict
	// and statistics are those of the leaking stretch.
	if from := onset(y); from > 0 {
		wx, wy := x[from:], y[from:]
		w := st.fit(wx, wy)
		w.monotonic = a.monotonic
		if st.classify(wx, wy, w) == VerdictLeak {
			w.verdict = VerdictLeak
			return w
		}
	}
	return a
}

// fit computes the statistics of a site over (x, y), without a verdict.
func (st *statScratch) fit(x, y []float64) analysis {
	return analysis{
		growth:    theilSenBuf(x, y, st.slopes[:0]),
		r2:        RSquared(x, y),
		monotonic: Monotonic(y),
		mk:        st.mannKendall(y),
	}
}

// onset is where a late leak's own series starts: the last snapshot of a
// leading run of at least two equal values, when at least minTrendN
// snapshots remain from there; 0 otherwise.
func onset(y []float64) int {
	l := 1
	for l < len(y) && y[l] == y[0] {
		l++
	}
	if l < 2 || len(y)-(l-1) < minTrendN {
		return 0
	}
	return l - 1
}

// classify applies the verdict rules (see the package documentation).
func (st *statScratch) classify(x, y []float64, a analysis) Verdict {
	n := len(y)
	// Presence pattern: new and gone are about existence, not size.
	firstIn, lastIn, count := -1, -1, 0
	for i, v := range y {
		if v != 0 {
			if firstIn < 0 {
				firstIn = i
			}
			lastIn = i
			count++
		}
	}
	if count == 0 {
		return VerdictNoise
	}
	if count == n && flat(y) {
		// The same amount in every snapshot: a table loaded once, a pool
		// sized at start-up. Not noise, and nothing to rank by growth.
		return VerdictSteady
	}
	contiguous := count == lastIn-firstIn+1
	if contiguous && firstIn > 0 && lastIn == n-1 && count < minTrendPoints {
		return VerdictNew
	}
	if contiguous && lastIn < n-1 && (firstIn == 0 || count >= minTrendPoints) {
		// Held memory from the start, or for a stretch long enough to be
		// more than a passing blip, and none since.
		return VerdictGone
	}

	span := x[n-1] - x[0]
	if span <= 0 || n < minTrendN {
		// Two snapshots are one step: growth that goes on and growth that
		// stopped (a warm-up) look the same.
		return VerdictNoise
	}
	// Effect size relative to the site: a rise counts only when it is
	// several robust standard deviations of the site's own scatter around
	// its Theil–Sen line.
	scatter := st.robustScatter(x, y, a.growth)
	// In a sampled series the rise must also be several sampling quanta:
	// a site that holds a constant amount smaller than the period reads as
	// zero, one or two samples at random, and such a step is no evidence.
	material := func(rise float64) bool {
		return rise > 0 && rise >= scatterK*scatter && rise >= scatterK*st.quantum
	}

	up := a.mk.PUp <= Alpha
	down := a.mk.PDown <= Alpha
	if n < minTestN { // the test cannot reach Alpha: demand that every step moves
		up, down = strictly(y, 1), strictly(y, -1)
	}
	continuing := a.growth > 0 && st.continuing(x, y, a.growth)
	// In a sampled series a tail that fell short of the series' slope may
	// still be a leak whose next samples have not come; that can only make
	// a site a leak, never keep it from being a plateau.
	sampledOn := !continuing && a.growth > 0 && st.sampledFlatTail(x, y, a.growth)
	switch {
	case up && (continuing || sampledOn) && material(a.growth*span) && kept(y, a.growth*span):
		return VerdictLeak
	case !continuing && st.levelledOff(y, scatter):
		return VerdictPlateau
	case down && a.growth < 0 && material(-a.growth*span):
		return VerdictShrinking
	}
	return VerdictNoise
}

// continuing reports whether growth goes on through the last lifecycles:
// over them, the Theil–Sen slope is at least continuingFrac of the series'
// slope, and the newest value is above their median. A site that stepped
// up once and stayed flat fails the second test even when the step falls
// inside the last lifecycles; a sampled leak that grows in quanta (flat,
// flat, jump) passes it.
func (st *statScratch) continuing(x, y []float64, growth float64) bool {
	m := tailLen(len(y))
	tx, ty := x[len(x)-m:], y[len(y)-m:]
	tail := theilSenBuf(tx, ty, st.slopes[:0])
	if tail <= 0 || tail < continuingFrac*growth {
		return false
	}
	return ty[m-1] > st.tailLevel(y) || onCadence(y)
}

// sampledFlatTail reports, for a sampled series, that the last lifecycles
// still grew and that their shortfall is within sampling error. A sampled
// leak grows in quanta of about one period, and the number of new quanta over
// a stretch is Poisson: slower growth in the tail than over the series is
// evidence that growth stopped only when continued growth at the series'
// slope would have brought more quanta than were seen with probability at
// most Alpha. A tail without a single new quantum is a plateau: a site that
// stopped growing gains no samples, and that is the likelier explanation.
func (st *statScratch) sampledFlatTail(x, y []float64, growth float64) bool {
	if st.quantum <= 0 || growth <= 0 {
		return false
	}
	m := tailLen(len(y))
	tx, ty := x[len(x)-m:], y[len(y)-m:]
	want := growth * (tx[m-1] - tx[0]) / st.quantum
	seen := math.Floor(math.Max(0, ty[m-1]-ty[0])/st.quantum + 0.5)
	return seen >= 1 && poissonCDF(seen, want) > Alpha
}

// poissonCDF is P(N ≤ k) for N ~ Poisson(mean).
func poissonCDF(k, mean float64) float64 {
	if mean <= 0 {
		return 1
	}
	term := math.Exp(-mean)
	sum := term
	for i := 1.0; i <= k; i++ {
		term *= mean / i
		sum += term
	}
	return math.Min(1, sum)
}

// onCadence reports a site that grows in quanta and whose next quantum is
// not yet overdue: it rose at least twice, and the snapshots since its last
// rise are fewer than the longest gap between two of its rises. A rise is a
// step up of at least half the median step up. A leak sampled in quanta
// larger than its growth per lifecycle (or one that leaks on every third
// restart) is flat for a few snapshots between rises; when the series ends
// in such a flat stretch, the tail alone looks like one step that stayed.
func onCadence(y []float64) bool {
	var ups []float64
	for i := 1; i < len(y); i++ {
		if d := y[i] - y[i-1]; d > 0 {
			ups = append(ups, d)
		}
	}
	if len(ups) < 2 {
		return false
	}
	quantum := median(ups) / 2
	last, gap, rises := -1, 0, 0
	for i := 1; i < len(y); i++ {
		if y[i]-y[i-1] < quantum {
			continue
		}
		if last >= 0 {
			gap = max(gap, i-last)
		}
		last = i
		rises++
	}
	return rises >= 2 && len(y)-1-last < gap
}

// levelledOff reports a plateau: the median level of the last lifecycles is
// materially above the first value, and the memory stayed: from the first
// snapshot that reached half of that rise on, no value fell back below it.
func (st *statScratch) levelledOff(y []float64, scatter float64) bool {
	rise := st.tailLevel(y) - y[0]
	if rise <= 0 || rise < scatterK*scatter {
		return false
	}
	half := y[0] + rise/2
	for _, v := range y[firstReaching(y, half):] {
		if v < half {
			return false
		}
	}
	return true
}

// firstReaching is the index of the first value at least level, len(y)
// when none is.
func firstReaching(y []float64, level float64) int {
	for i, v := range y {
		if v >= level {
			return i
		}
	}
	return len(y)
}

// flat reports whether every value equals the first.
func flat(y []float64) bool {
	for _, v := range y[1:] {
		if v != y[0] {
			return false
		}
	}
	return len(y) > 0
}

// tailLen is how many of the last snapshots make "the last lifecycles": half
// the series, at least three.
func tailLen(n int) int {
	return min(n, max(3, (n+1)/2))
}

// tailLevel is the median value over the last lifecycles.
func (st *statScratch) tailLevel(y []float64) float64 {
	m := tailLen(len(y))
	return median(append(st.resid[:0], y[len(y)-m:]...))
}

// robustScatter is 1.4826 × the median absolute residual around the line
// with slope b through the median intercept (the Theil–Sen fit): a standard
// deviation that one spike or one step does not inflate.
func (st *statScratch) robustScatter(x, y []float64, b float64) float64 {
	r := st.resid[:0]
	for i := range y {
		r = append(r, y[i]-b*x[i])
	}
	icpt := median(r)
	for i := range r {
		r[i] = math.Abs(r[i] - icpt)
	}
	return 1.4826 * median(r)
}

// kept reports that a site keeps what it gained: the falls between
// consecutive snapshots add up to less than the fitted rise over the series.
// A leak keeps its memory, so its value falls back only a little (sampling,
// part of it freed); a working set that survives from one lifecycle to the
// next (a cache, a map of sessions) wanders up and down, and because each
// value carries much of the previous one, a stretch of that wandering looks
// significant to a trend test that assumes independent values. Such a site
// gives back at least as much as it keeps.
func kept(y []float64, rise float64) bool {
	var falls float64
	for i := 1; i < len(y); i++ {
		if d := y[i-1] - y[i]; d > 0 {
			falls += d
		}
	}
	return falls < rise
}

// strictly reports whether every step moves in direction dir (+1 or −1).
func strictly(y []float64, dir float64) bool {
	for i := 1; i < len(y); i++ {
		if (y[i]-y[i-1])*dir <= 0 {
			return false
		}
	}
	return len(y) > 1
}

func allZero(v []int64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// restartWarning says when the snapshots that record a process id come from
// more than one process. Memory a process leaked is returned when it exits,
// so a leak across a restart reads as a saw-tooth that the trend rules call
// noise; each process's snapshots should be judged as their own series.
func (s *Series) restartWarning() error {
	var runs []string
	last, from := 0, 0
	flush := func(to int) {
		if last != 0 {
			runs = append(runs, fmt.Sprintf("pid %d: %s … %s", last, filepath.Base(s.snaps[from].info.Path), filepath.Base(s.snaps[to].info.Path)))
		}
	}
	for i, t := range s.snaps {
		if t.pid == 0 || t.pid == last {
			continue
		}
		flush(i - 1)
		last, from = t.pid, i
	}
	flush(len(s.snaps) - 1)
	if len(runs) < 2 {
		return nil
	}
	return fmt.Errorf("snapshots come from %d process runs (%s): a process returns what it leaked when it exits, so a leak across a restart is a saw-tooth, not a trend; trend each run's snapshots on their own", len(runs), strings.Join(runs, ", "))
}

// rssGrowth is the Theil–Sen slope of the snapshots' RSS over x, or 0 when
// some snapshot has none.
func rssGrowth(x []float64, snaps []SnapshotInfo) float64 {
	y := make([]float64, len(snaps))
	for i, s := range snaps {
		if s.RSS <= 0 {
			return 0
		}
		y[i] = float64(s.RSS)
	}
	return TheilSen(x, y)
}
