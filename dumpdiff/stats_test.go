package dumpdiff

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func seq(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
	}
	return x
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestTheilSen(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		// Slopes: six of 1, then 24.75, 32.7, 48.5, 96: median of ten is 1.
		{"spike at the end", seq(5), []float64{1, 2, 3, 4, 100}, 1},
		// Slopes 0,0,0,2/3,1,1,4/3,2,2,2: median (1+1)/2.
		{"warm-up then flat", seq(5), []float64{0, 2, 4, 4, 4}, 1},
		// 28 slopes, 15 of them 0 within the flat stretch: median 0.
		{"long plateau", seq(8), []float64{0, 5, 10, 10, 10, 10, 10, 10}, 0},
		{"flat", seq(4), []float64{7, 7, 7, 7}, 0},
		{"linear with gaps in x", []float64{1, 2, 5, 9}, []float64{10, 20, 50, 90}, 10},
		{"decreasing", seq(3), []float64{9, 6, 3}, -3},
		{"one point", seq(1), []float64{3}, 0},
	}
	for _, tt := range tests {
		if got := TheilSen(tt.x, tt.y); !near(got, tt.want, 1e-9) {
			t.Errorf("%s: TheilSen got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRSquared(t *testing.T) {
	tests := []struct {
		name string
		y    []float64
		want float64
	}{
		{"perfect line", []float64{2, 4, 6, 8}, 1},
		// mean 2, Sxx 2, Syy 2, Sxy 1: r² = 1/(2·2).
		{"hand computed", []float64{1, 3, 2}, 0.25},
		{"flat", []float64{5, 5, 5}, 0},
		// Symmetric V: Sxy = 0.
		{"no linear trend", []float64{2, 0, 2}, 0},
	}
	for _, tt := range tests {
		if got := RSquared(seq(len(tt.y)), tt.y); !near(got, tt.want, 1e-12) {
			t.Errorf("%s: RSquared got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMonotonic(t *testing.T) {
	if got := Monotonic([]float64{1, 2, 2, 1, 3}); got != 0.75 {
		t.Errorf("Monotonic got %v, want 0.75", got)
	}
	if got := Monotonic([]float64{3}); got != 1 {
		t.Errorf("Monotonic of one value got %v, want 1", got)
	}
}

// seriesWithS returns n strictly ordered values whose Mann–Kendall S is s
// (n(n−1)/2 − s must be even): the increasing sequence with k = (max−s)/2
// inversions made by moving the last element forward.
func seriesWithS(n, s int) []float64 {
	k := (n*(n-1)/2 - s) / 2
	y := seq(n)
	for i := range y {
		y[i]++
	}
	// Each adjacent swap of an in-order pair adds one inversion.
	for done := 0; done < k; {
		for i := 0; i+1 < n && done < k; i++ {
			if y[i] < y[i+1] {
				y[i], y[i+1] = y[i+1], y[i]
				done++
			}
		}
	}
	return y
}

// TestMannKendallExactKendallTable checks one-sided exact p-values P(S ≥ s)
// against Kendall's table of the null distribution of S without ties, as
// printed in Kendall, "Rank Correlation Methods" (1975), Appendix Table 1, and
// reproduced in Gilbert, "Statistical Methods for Environmental Pollution
// Monitoring" (1987), Table A18 (to the table's three significant digits).
func TestMannKendallExactKendallTable(t *testing.T) {
	tests := []struct {
		n, s int
		p    float64
	}{
		{4, 6, 0.042}, {4, 4, 0.167}, {4, 2, 0.375},
		{5, 10, 0.0083}, {5, 8, 0.042}, {5, 6, 0.117}, {5, 4, 0.242},
		{6, 15, 0.0014}, {6, 13, 0.0083}, {6, 11, 0.028}, {6, 9, 0.068},
		{8, 28, 0.0000248}, {8, 20, 0.0071}, {8, 16, 0.031}, {8, 14, 0.054},
		{10, 33, 0.0011}, {10, 27, 0.0083}, {10, 21, 0.036}, {10, 15, 0.108},
	}
	for _, tt := range tests {
		y := seriesWithS(tt.n, tt.s)
		mk := MannKendallTest(y)
		if mk.S != tt.s {
			t.Fatalf("n=%d: built series %v has S=%d, want %d", tt.n, y, mk.S, tt.s)
		}
		if !mk.Exact {
			t.Errorf("n=%d: got the normal approximation, want the exact distribution", tt.n)
		}
		// The table rounds to three significant digits.
		if tol := tt.p * 0.02; !near(mk.PUp, tt.p, max(tol, 0.0006)) {
			t.Errorf("n=%d S=%d: P(S≥s) got %.6f, want %.6f (Kendall's table)", tt.n, tt.s, mk.PUp, tt.p)
		}
		if !near(mk.P, min(1, 2*tt.p), max(2*tt.p*0.02, 0.0012)) {
			t.Errorf("n=%d S=%d: two-sided p got %.6f, want %.6f", tt.n, tt.s, mk.P, 2*tt.p)
		}
		// Reversed, the same series has S = −s and the same tail downward.
		rev := slices.Clone(y)
		slices.Reverse(rev)
		if mr := MannKendallTest(rev); mr.S != -tt.s || !near(mr.PDown, mk.PUp, 1e-12) {
			t.Errorf("n=%d reversed: got S=%d PDown=%v, want S=%d PDown=%v", tt.n, mr.S, mr.PDown, -tt.s, mk.PUp)
		}
	}
}

// TestMannKendallExactTies checks the exact distribution with ties against a
// brute-force enumeration of every arrangement of the observed values.
func TestMannKendallExactTies(t *testing.T) {
	for _, y := range [][]float64{
		{1, 1, 2, 3, 3, 3, 4},
		{0, 0, 0, 5, 5, 5, 5},
		{2, 1, 2, 1, 2, 1},
		{1, 2, 2, 2, 2, 2, 2, 2},
		{4, 4, 1, 3, 3, 2},
	} {
		mk := MannKendallTest(y)
		ge, total := 0, 0
		permute(slices.Clone(y), 0, func(p []float64) {
			total++
			if sOf(p) >= mk.S {
				ge++
			}
		})
		want := float64(ge) / float64(total)
		if !near(mk.PUp, want, 1e-12) {
			t.Errorf("%v: P(S≥%d) got %v, want %v (brute force over %d arrangements)", y, mk.S, mk.PUp, want, total)
		}
	}
}

// permute calls f with every permutation of y (tied values included as
// distinct labels, which gives each distinct arrangement equal weight).
func permute(y []float64, k int, f func([]float64)) {
	if k == len(y) {
		f(y)
		return
	}
	for i := k; i < len(y); i++ {
		y[k], y[i] = y[i], y[k]
		permute(y, k+1, f)
		y[k], y[i] = y[i], y[k]
	}
}

func sOf(y []float64) int {
	s := 0
	for i := range y {
		for j := i + 1; j < len(y); j++ {
			switch {
			case y[j] > y[i]:
				s++
			case y[j] < y[i]:
				s--
			}
		}
	}
	return s
}

// TestMannKendallNormal checks n > 10 against values worked by hand from the
// formulas in Helsel et al. (2020), section 8.3: Var(S) with the tie
// correction, Z = (S − 1)/√Var for S > 0, two-sided p = 2·(1 − Φ(|Z|)).
func TestMannKendallNormal(t *testing.T) {
	tests := []struct {
		name string
		y    []float64
		s    int
		v    float64
		p    float64
	}{
		// Var = 12·11·29/18 = 212.667; Z = 65/14.583 = 4.4572.
		{"increasing, no ties", seq(12), 66, 212.6666667, 8.3031e-6},
		// Ties 7×2, 9×3, 13×2: Var = (14·13·33 − 18 − 66 − 18)/18 = 328;
		// Z = 67/18.111 = 3.6995.
		{"with ties", []float64{5, 7, 7, 6, 9, 9, 9, 8, 11, 12, 10, 14, 13, 13}, 68, 328, 2.1606e-4},
		// Ties 1×2, 3×2, 5×3: Var = (12·11·29 − 18 − 18 − 66)/18 = 207;
		// Z = 24/14.387 = 1.6681.
		{"weak trend", []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}, 25, 207, 0.095293},
	}
	for _, tt := range tests {
		mk := MannKendallTest(tt.y)
		if mk.Exact {
			t.Errorf("%s: got the exact distribution for n=%d, want the normal approximation", tt.name, len(tt.y))
		}
		if mk.S != tt.s || !near(mk.Var, tt.v, 1e-6) {
			t.Errorf("%s: got S=%d Var=%v, want S=%d Var=%v", tt.name, mk.S, mk.Var, tt.s, tt.v)
		}
		if !near(mk.P, tt.p, tt.p*1e-4) {
			t.Errorf("%s: p got %.6g, want %.6g", tt.name, mk.P, tt.p)
		}
	}
}

func TestMannKendallDegenerate(t *testing.T) {
	for _, y := range [][]float64{{}, {1}, {3, 3, 3, 3, 3}, seq(20)[:0]} {
		mk := MannKendallTest(y)
		if mk.P != 1 && len(y) < 2 {
			t.Errorf("%v: p got %v, want 1", y, mk.P)
		}
	}
	if mk := MannKendallTest([]float64{3, 3, 3, 3, 3}); mk.S != 0 || mk.P != 1 {
		t.Errorf("flat: got S=%d p=%v, want S=0 p=1", mk.S, mk.P)
	}
}

// TestMedianMatchesSort checks the selecting median against sorting, on
// random data with many ties and on every length up to 200.
func TestMedianMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 200; n++ {
		for _, spread := range []int{3, 1000} {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(r.IntN(spread))
			}
			s := slices.Clone(v)
			slices.Sort(s)
			want := s[n/2]
			if n%2 == 0 {
				want = (s[n/2-1] + s[n/2]) / 2
			}
			if got := median(v); got != want {
				t.Fatalf("median of %d values (spread %d): got %v, want %v", n, spread, got, want)
			}
		}
	}
}
