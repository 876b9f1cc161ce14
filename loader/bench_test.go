package loader

import (
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

// Benchmarks of the read path on a generated series of gzipped pprof heap
// profiles shaped like a large C++ service's (deep stacks over a pool of
// functions, one leaking site): the reader alone into a sink that keeps
// nothing, then the reader reducing into the engine, then a whole trend.
// Run with
//
//	go test ./loader -run '^$' -bench . -benchtime 5x
//
// and compare MB/cpu-s (decompressed protobuf per CPU second) between them:
// what the engine costs on top of decoding. bench/run.sh measures the whole
// command on larger series against the floor.

// benchSeries writes a series of k profiles of about n samples each, once
// per test binary, and returns their paths and decompressed size.
func benchSeries(b *testing.B, k, n int) ([]string, int64) {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dumpdiff-loader-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		for lc := range k {
			p := benchProfile(lc, n)
			path := filepath.Join(dir, fmt.Sprintf("lc%02d.pb.gz", lc))
			f, err := os.Create(path)
			if err != nil {
				benchErr = err
				return
			}
			if err := p.Write(f); err != nil {
				benchErr = err
				return
			}
			f.Close()
			benchPaths = append(benchPaths, path)
			n, err := gunzippedSize(path)
			if err != nil {
				benchErr = err
				return
			}
			benchBytes += n
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPaths, benchBytes
}

var (
	benchOnce  sync.Once
	benchDir   string
	benchPaths []string
	benchBytes int64
	benchErr   error
)

// TestMain removes the generated series.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchProfile is lifecycle lc: n samples of 20-40 frames from 20 000
// functions with long names, at per-file addresses (ASLR); sample 0 leaks.
func benchProfile(lc, n int) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}},
		Period: 512 << 10, PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
		TimeNanos: int64(lc) * int64(time.Hour),
	}
	m := &profile.Mapping{ID: 1, Start: 0x400000 + uint64(lc)<<24, Limit: 0x400000 + uint64(lc)<<24 + 1<<24, File: "/opt/service/bin/server", HasFunctions: true}
	p.Mapping = []*profile.Mapping{m}
	const nfn = 20_000
	for i := range nfn {
		p.Function = append(p.Function, &profile.Function{ID: uint64(i + 1),
			Name:     fmt.Sprintf("service::module%d::Handler<std::vector<std::string>>::Process%d(Request const&)", i%97, i),
			Filename: fmt.Sprintf("src/module%d/handler.cc", i%97)})
	}
	locs := make([]*profile.Location, 0, 2*nfn)
	for i := range 2 * nfn {
		f := p.Function[i%nfn]
		locs = append(locs, &profile.Location{ID: uint64(i + 1), Mapping: m, Address: m.Start + uint64(i)*16,
			Line: []profile.Line{{Function: f, Line: int64(10 + i/nfn)}}})
	}
	p.Location = locs
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 7)) // the same stacks in every file
		depth := 20 + r.IntN(21)
		stack := make([]*profile.Location, depth)
		for d := range stack {
			stack[d] = locs[r.IntN(len(locs))]
		}
		v := int64(64 + r.IntN(4096))
		if i == 0 {
			v = int64(1+lc) << 20
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: []int64{1, v, 1, v}})
	}
	return p
}

// gunzippedSize is the decompressed size of a gzipped file.
func gunzippedSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, zr)
}

// countingSink keeps nothing: what a reader costs by itself.
type countingSink struct{ samples int }

func (*countingSink) Begin(*parsers.Header) error              { return nil }
func (*countingSink) Mapping(*parsers.Mapping) error           { return nil }
func (*countingSink) Location(*parsers.Location) error         { return nil }
func (*countingSink) LabelSet(uint64, []parsers.Label) error   { return nil }
func (s *countingSink) Sample([]uint64, []int64, uint64) error { s.samples++; return nil }
func (*countingSink) End([]error) error                        { return nil }

const benchFiles, benchSamples = 6, 60_000

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the series' decoded size per CPU second, which other
// processes on the machine change less than wall time.
func reportCPU(b *testing.B, size int64, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkReadSeries is the streaming pprof reader alone: gunzip, decode,
// check and replay every file into a sink that keeps nothing.
func BenchmarkReadSeries(b *testing.B) {
	paths, size := benchSeries(b, benchFiles, benchSamples)
	b.SetBytes(size)
	cpu := cpuTime()
	for b.Loop() {
		for _, p := range paths {
			var s countingSink
			if err := parsers.ReadFile(p, nil, &s); err != nil || s.samples != benchSamples {
				b.Fatalf("%s: %d samples, want %d (%v)", p, s.samples, benchSamples, err)
			}
		}
	}
	reportCPU(b, size, cpuTime()-cpu)
}

// BenchmarkLoadSeries reads the series into the engine (Load with one
// metric, as trend does).
func BenchmarkLoadSeries(b *testing.B) {
	paths, size := benchSeries(b, benchFiles, benchSamples)
	b.SetBytes(size)
	cpu := cpuTime()
	for b.Loop() {
		if _, err := Load(paths, Options{KeepRetained: true}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, size, cpuTime()-cpu)
}

// BenchmarkTrendSeries is Load then Trend: what dumpdiff trend does before
// it prints. The planted leak must rank first.
func BenchmarkTrendSeries(b *testing.B) {
	paths, size := benchSeries(b, benchFiles, benchSamples)
	b.SetBytes(size)
	cpu := cpuTime()
	for b.Loop() {
		s, err := Load(paths, Options{KeepRetained: true})
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.Trend(dumpdiff.Options{Top: 10})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Sites) == 0 || res.Sites[0].Verdict != dumpdiff.VerdictLeak {
			b.Fatalf("the planted leak is not first: %+v", res.Sites[:1])
		}
	}
	reportCPU(b, size, cpuTime()-cpu)
}
