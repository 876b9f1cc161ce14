// Command gen writes a synthetic series of heap profiles shaped like a large
// C++/JVM service, for dumpdiff's benchmarks (bench/run.sh): one gzipped
// profile.proto per task lifecycle, with a planted leak, a plateau and a
// last-snapshot spike among many ordinary sites, and truth.json naming the
// planted functions.
//
//	gen -tier medium -out DIR            ten ~20 MB snapshots
//	gen -tier small -k 40 -out DIR       forty ~1 MB snapshots
//
// What makes it realistic for a reader: long demangled C++ and Java names,
// deep stacks that share prefixes (thread roots, a narrow-then-wide call
// tree, a few allocator chains at the leaf), inlined frames, mappings that
// move with ASLR between snapshots, location and function ids and sample
// order that change in every file as a real writer's do, heavy-tailed
// sizes, per-lifecycle noise and churn. The same flags and seed give the
// same bytes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// tier is a preset series size.
type tier struct {
	samples, functions, locations int
}

var tiers = map[string]tier{
	"small":  {samples: 10_000, functions: 6_000, locations: 15_000},
	"medium": {samples: 330_000, functions: 40_000, locations: 100_000},
	"large":  {samples: 1_650_000, functions: 100_000, locations: 300_000},
}

func main() {
	tierName := flag.String("tier", "small", "series size: small (~1 MB a snapshot), medium (~20 MB), large (~100 MB)")
	k := flag.Int("k", 10, "snapshots (lifecycles) in the series")
	out := flag.String("out", "", "directory to write the series into (created)")
	seed := flag.Uint64("seed", 1, "random seed")
	depth := flag.Int("depth", 30, "mean stack depth")
	flag.Parse()
	t, ok := tiers[*tierName]
	if !ok || *out == "" || *k < 2 {
		fmt.Fprintln(os.Stderr, "usage: gen -tier small|medium|large [-k N] -out DIR")
		os.Exit(2)
	}
	if err := run(t, *k, *depth, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(t tier, k, depth int, seed uint64, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	m := newModel(rng, t.functions, t.locations)
	stacks := m.stacks(rng, t.samples, depth)
	truth := truthFile{Leak: m.fnName(m.leak), Plateau: m.fnName(m.plateau), Spike: m.fnName(m.spike)}
	for lc := range k {
		name := fmt.Sprintf("lc%02d.pb.gz", lc)
		n, err := writeSnapshot(filepath.Join(out, name), m, stacks, lc, k, rng)
		if err != nil {
			return err
		}
		truth.Files = append(truth.Files, fileInfo{Name: name, Bytes: n})
	}
	b, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "truth.json"), append(b, '\n'), 0o644)
}

// truthFile says what was planted, for the benchmark's check that the leak
// ranks first.
type truthFile struct {
	Leak    string     `json:"leak"`
	Plateau string     `json:"plateau"`
	Spike   string     `json:"spike"`
	Files   []fileInfo `json:"files"`
}

type fileInfo struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// stack is one ordinary or planted call stack: location indexes, root
// first, and how its in-use bytes behave over the series.
type stack struct {
	locs    []int32
	base    float64 // typical in-use bytes
	objSize float64
	churn   float64 // probability of being absent from a snapshot
	kind    siteKind
	share   float64 // a planted stack's share of its site
}

type siteKind uint8

const (
	ordinary siteKind = iota
	leakSite
	plateauSite
	spikeSite
)

// inuse is stack s's in-use bytes in lifecycle lc of k; total is the
// ordinary stacks' expected sum, which planted sites are sized against.
func (s *stack) inuse(rng *rand.Rand, lc, k int, total float64) float64 {
	switch s.kind {
	case leakSite:
		return s.share * total * (0.003 + 0.004*float64(lc))
	case plateauSite:
		if lc == 0 {
			return s.share * total * 0.05
		}
		return s.share * total * 0.10
	case spikeSite:
		if lc == k-1 {
			return s.share * total * 0.06
		}
		return s.share * total * 0.002
	}
	if rng.Float64() < s.churn {
		return 0
	}
	return s.base * math.Exp(0.15*rng.NormFloat64())
}
