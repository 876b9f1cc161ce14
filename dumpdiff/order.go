package dumpdiff

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
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
