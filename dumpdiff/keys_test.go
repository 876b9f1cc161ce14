package dumpdiff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCompareStackKeys checks the piecewise key comparison against
// strings.Compare on the joined keys, on stacks whose frame names are
// prefixes of one another and hold ";" (the separator), and checks that
// the key classes group exactly the stacks with equal joined keys.
func TestCompareStackKeys(t *testing.T) {
	names := []string{"a", "ab", "a;b", "b", "a;", ";", "ba", "abc"}
	rng := rand.New(rand.NewPCG(7, 9))
	var samples []sample
	for range 300 {
		var stack []string
		for range 1 + rng.IntN(4) {
			stack = append(stack, names[rng.IntN(len(names))])
		}
		samples = append(samples, sample{stack: stack, value: 1})
	}
	// Same names at other lines: other frames, same keys.
	snap := buildSnapshot("a", samples)
	for i, l := range snap.Profile.Location {
		if i%3 == 0 {
			l.Line[0].Line = 99
		}
	}
	s := loadSnaps(t, LoadOptions{NoTrim: true}, snap, buildSnapshot("b", samples[:50]))
	var stacks []stackID
	s.eachStack(func(st stackID) { stacks = append(stacks, st) })
	if len(stacks) < 100 {
		t.Fatalf("got %d stacks, want a few hundred", len(stacks))
	}
	classes := s.keyClasses()
	sign := func(c int) int { return max(-1, min(1, c)) }
	for _, a := range stacks {
		for _, b := range stacks {
			ka, kb := s.stackKey(a), s.stackKey(b)
			if got, want := sign(s.compareStackKeys(a, b)), sign(strings.Compare(ka, kb)); got != want {
				t.Fatalf("compare %q and %q: got %d, want %d", ka, kb, got, want)
			}
			same := classes.class[s.denseStack(a)] == classes.class[s.denseStack(b)]
			if same != (ka == kb) {
				t.Fatalf("%q and %q: same class %v, want %v", ka, kb, same, ka == kb)
			}
		}
	}
}

// TestKeyPrefixOrders checks that key prefixes order stacks as their joined
// keys do wherever they differ, on names that are prefixes of one another.
func TestKeyPrefixOrders(t *testing.T) {
	names := []string{"a", "ab", "a.b", "b", "a2", "ba", "abc", "a b", "~"}
	rng := rand.New(rand.NewPCG(3, 4))
	var samples []sample
	for range 400 {
		var stack []string
		for range 1 + rng.IntN(5) {
			stack = append(stack, names[rng.IntN(len(names))])
		}
		samples = append(samples, sample{stack: stack, value: 1})
	}
	s := loadSnaps(t, LoadOptions{NoTrim: true}, buildSnapshot("a", samples))
	var stacks []stackID
	s.eachStack(func(st stackID) { stacks = append(stacks, st) })
	differ := 0
	for _, a := range stacks {
		for _, b := range stacks {
			pa, pb := s.keyPrefix(a), s.keyPrefix(b)
			if pa == pb {
				continue
			}
			differ++
			want := strings.Compare(s.stackKey(a), s.stackKey(b))
			if (pa < pb) != (want < 0) {
				t.Fatalf("%q and %q: prefixes %x %x disagree with the keys", s.stackKey(a), s.stackKey(b), pa, pb)
			}
		}
	}
	if differ < len(stacks)*len(stacks)/2 {
		t.Errorf("prefixes told %d of %d pairs apart, want most", differ, len(stacks)*len(stacks))
	}
}
