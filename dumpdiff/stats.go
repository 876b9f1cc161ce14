package dumpdiff

import (
	"math"
	"slices"
	"sync"
)

// This file holds the per-site statistics of DESIGN.md ("Statistics"). They
// are plain functions of (x, y) so they can be tested against hand-computed and
// published values.

// TheilSen returns the Theil–Sen slope of y over x: the median of the slopes
// (y[j]−y[i])/(x[j]−x[i]) over all pairs i<j with x[i]≠x[j]. It is 0 for
// fewer than two distinct x. A median of pairwise slopes ignores a one-off
// spike and, when most pairs lie on a flat stretch, a warm-up step.
func TheilSen(x []float64, y []float64) float64 {
	n := len(x)
	if n < 2 {
		return 0
	}
	slopes := make([]float64, 0, n*(n-1)/2)
	return theilSenBuf(x, y, slopes)
}

// theilSenBuf is TheilSen with a caller-owned scratch buffer (len 0).
func theilSenBuf(x, y []float64, slopes []float64) float64 {
	n := len(x)
	flat := true
	for i := 1; i < n; i++ {
		if y[i] != y[0] {
			flat = false
			break
		}
	}
	if flat {
		return 0
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if dx := x[j] - x[i]; dx != 0 {
				slopes = append(slopes, (y[j]-y[i])/dx)
			}
		}
	}
	return median(slopes)
}

// median reorders v in place and returns its median (0 for an empty slice).
// It selects rather than sorts: Theil–Sen takes the median of n(n−1)/2
// slopes per site, and a long series of 20 000 sites spent most of its
// time sorting them.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	m := len(v) / 2
	hi := selectKth(v, m)
	if len(v)%2 == 1 {
		return hi
	}
	// v[:m] holds the m smallest values: the lower middle is their maximum.
	lo := v[0]
	for _, x := range v[1:m] {
		lo = max(lo, x)
	}
	return (lo + hi) / 2
}

// selectKth reorders v so that v[k] is the value a sort would put there,
// with no larger value before it and no smaller one after, and returns it
// (Hoare's quickselect with a median-of-three pivot; small ranges sort).
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for hi-lo > 16 {
		mid := lo + (hi-lo)/2
		// Order v[lo], v[mid], v[hi] and use the middle one as the pivot.
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k] // between the partitions: equal to the pivot
		}
	}
	// A short range: insertion sort, with plain < (the values are finite
	// slopes and residuals, never NaN), cheaper than slices.Sort's generic
	// path on the few elements left, and called once per median.
	for i := lo + 1; i <= hi; i++ {
		x := v[i]
		j := i
		for ; j > lo && x < v[j-1]; j-- {
			v[j] = v[j-1]
		}
		v[j] = x
	}
	return v[k]
}

// RSquared returns the coefficient of determination of the least-squares line
// of y over x. It is 0 when y does not vary (nothing to explain) or x does not.
func RSquared(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 {
		return 0
	}
	var sx, sy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	var sxx, syy, sxy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	r2 := sxy * sxy / (sxx * syy)
	return min(r2, 1)
}

// MannKendall is the outcome of a Mann–Kendall trend test.
type MannKendall struct {
	// S is Σ_{i<j} sign(y[j]−y[i]) over the series in x order.
	S int
	// Var is the variance of S under no trend, with the tie correction
	// Var = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 over groups of t tied values.
	Var float64
	// P is the two-sided p-value; PUp and PDown the one-sided p-values for
	// an increasing and a decreasing trend.
	P, PUp, PDown float64
	// Exact reports that the p-values come from the exact distribution of S
	// (n ≤ MaxExactN) rather than the normal approximation.
	Exact bool
}

// MaxExactN is the largest series for which MannKendallTest computes the exact
// distribution of S. Kendall's tables stop at n = 10 for the same reason: beyond
// it the normal approximation with continuity correction is within 0.01 of the
// exact p-value, while for n ≤ 10 it is off by up to a factor of two in the tail
// that decides significance.
const MaxExactN = 10

// MannKendallTest tests y (already in time order) for a monotonic trend.
// For n ≤ MaxExactN the p-values come from the exact permutation distribution of
// S given the observed ties (every distinct arrangement of the observed values
// equally likely; computed as a q-multinomial coefficient, see exactS). For larger
// n they come from the normal approximation Z = (S−sign(S))/√Var with the tie
// correction, as in Helsel et al., "Statistical Methods in Water Resources"
// (USGS TM 4-A3, 2020), section 8.3.
func MannKendallTest(y []float64) MannKendall {
	return newStatScratch(len(y)).mannKendall(y)
}

// mannKendall is MannKendallTest with reused buffers.
func (st *statScratch) mannKendall(y []float64) MannKendall {
	n := len(y)
	var mk MannKendall
	if n < 2 {
		mk.P, mk.PUp, mk.PDown = 1, 1, 1
		return mk
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case y[j] > y[i]:
				mk.S++
			case y[j] < y[i]:
				mk.S--
			}
		}
	}
	st.ties = tieGroups(y, st.sorted[:0], st.ties[:0])
	ties := st.ties
	v := float64(n * (n - 1) * (2*n + 5))
	for _, t := range ties {
		v -= float64(t * (t - 1) * (2*t + 5))
	}
	mk.Var = v / 18
	if mk.Var <= 0 { // every value equal: no evidence either way
		mk.P, mk.PUp, mk.PDown = 1, 1, 1
		return mk
	}
	if n <= MaxExactN {
		mk.Exact = true
		d := st.exactS(ties, n)
		mk.PUp = d.tailUp(mk.S)
		mk.PDown = d.tailUp(-mk.S) // S is symmetric under no trend
		mk.P = min(1, 2*min(mk.PUp, mk.PDown))
		return mk
	}
	sd := math.Sqrt(mk.Var)
	zUp := (float64(mk.S) - 1) / sd    // P(S ≥ s) with continuity correction
	zDown := (float64(-mk.S) - 1) / sd // P(S ≤ s)
	mk.PUp = normalUpperTail(zUp)
	mk.PDown = normalUpperTail(zDown)
	var z float64
	switch {
	case mk.S > 0:
		z = zUp
	case mk.S < 0:
		z = -zDown
	}
	mk.P = min(1, 2*normalUpperTail(math.Abs(z)))
	return mk
}

// normalUpperTail is P(Z ≥ z) for a standard normal Z.
func normalUpperTail(z float64) float64 {
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

// tieGroups appends to out the sizes (≥ 2) of groups of equal values, in
// value order; buf is scratch space.
func tieGroups(y, buf []float64, out []int) []int {
	s := append(buf, y...)
	slices.Sort(s)
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, j-i)
		}
		i = j
	}
	return out
}

// sDist is the exact null distribution of S for one tie structure:
// prob[k] = P(S = maxS − 2k), k inversions.
type sDist struct {
	maxS int
	prob []float64
}

// tailUp is P(S ≥ s).
func (d *sDist) tailUp(s int) float64 {
	// S = maxS − 2k ≥ s  ⇔  k ≤ (maxS − s)/2
	if s > d.maxS {
		return 0
	}
	kmax := (d.maxS - s) / 2
	if kmax >= len(d.prob)-1 {
		return 1
	}
	p := 0.0
	for k := 0; k <= kmax; k++ {
		p += d.prob[k]
	}
	return min(p, 1)
}

var (
	exactMu    sync.Mutex
	exactCache = map[string]*sDist{}
)

// exactS returns the exact null distribution of S for a series of n values
// with the given tie groups. Under no trend every distinct arrangement of the
// observed multiset is equally likely. For an arrangement, with k inversions
// (pairs i<j with y[i]>y[j]) and U untied pairs, S = U − 2k. The number of
// arrangements with k inversions is the coefficient of q^k in the
// q-multinomial [n; t1, t2, …]_q (MacMahon), the product of q-binomials
// [t1+…+tm choose tm]_q, built here with the recurrence
// [a choose b] = [a−1 choose b−1] + q^b [a−1 choose b].
func (st *statScratch) exactS(ties []int, n int) *sDist {
	key := append(st.key[:0], byte(n))
	for _, t := range ties {
		key = append(key, byte(t))
	}
	st.key = key
	if d, ok := st.exact[string(key)]; ok {
		return d
	}
	d := exactS(key, ties, n)
	st.exact[string(key)] = d
	return d
}

// exactS computes (or takes from the process-wide cache) the distribution
// for one tie structure; key encodes n and ties.
func exactS(key []byte, ties []int, n int) *sDist {
	exactMu.Lock()
	defer exactMu.Unlock()
	if d, ok := exactCache[string(key)]; ok {
		return d
	}
	// Group sizes including singletons, which sum to n.
	groups := slices.Clone(ties)
	rest := n
	for _, t := range ties {
		rest -= t
	}
	for range rest {
		groups = append(groups, 1)
	}
	poly := []float64{1}
	m := 0
	for _, t := range groups {
		poly = polyMul(poly, qBinomial(m+t, t))
		m += t
	}
	untied := n * (n - 1) / 2
	for _, t := range ties {
		untied -= t * (t - 1) / 2
	}
	total := 0.0
	for _, c := range poly {
		total += c
	}
	d := &sDist{maxS: untied, prob: make([]float64, len(poly))}
	for k, c := range poly {
		d.prob[k] = c / total
	}
	exactCache[string(key)] = d
	return d
}

// qBinomial returns the coefficients of the Gaussian binomial [a choose b]_q.
func qBinomial(a, b int) []float64 {
	// c[i][j] = [i choose j]_q as a polynomial.
	prev := [][]float64{{1}} // i = 0
	for i := 1; i <= a; i++ {
		cur := make([][]float64, i+1)
		for j := 0; j <= i; j++ {
			var p []float64
			if j-1 >= 0 && j-1 <= i-1 {
				p = polyAdd(p, prev[j-1])
			}
			if j <= i-1 {
				p = polyAdd(p, polyShift(prev[j], j))
			}
			cur[j] = p
		}
		prev = cur
	}
	return prev[b]
}

func polyAdd(a, b []float64) []float64 {
	out := make([]float64, max(len(a), len(b)))
	copy(out, a)
	for i, v := range b {
		out[i] += v
	}
	return out
}

func polyShift(a []float64, k int) []float64 {
	out := make([]float64, len(a)+k)
	copy(out[k:], a)
	return out
}

func polyMul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

// Monotonic returns the fraction of consecutive steps that did not shrink
// (y[i+1] ≥ y[i]); 1 for fewer than two values.
func Monotonic(y []float64) float64 {
	if len(y) < 2 {
		return 1
	}
	up := 0
	for i := 1; i < len(y); i++ {
		if y[i] >= y[i-1] {
			up++
		}
	}
	return float64(up) / float64(len(y)-1)
}
