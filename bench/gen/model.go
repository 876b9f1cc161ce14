package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The program the series is a profile of: mappings, functions, locations
// (a function at an address, with inlined callees), and the stacks built
// from them.

type mapping struct {
	file, buildID string
	base          uint64 // load address in lifecycle 0; moves per lifecycle (ASLR)
	size          uint64
	next          uint64 // next free offset for a location
}

type function struct {
	name, system, file string
	mapping            int
}

type location struct {
	mapping int
	offset  uint64
	lines   []locLine // innermost (inlined) first
}

type locLine struct {
	function int
	line     int64
}

type model struct {
	maps      []*mapping
	functions []function
	locations []location
	native    []int32 // locations of C++ code, for the middle of stacks
	java      []int32 // locations of Java code
	roots     [][]int32
	allocs    [][]int32 // allocator chains, outermost first (appended at the leaf)
	leak      int       // planted functions
	plateau   int
	spike     int
}

const (
	mapServer = iota
	mapStdcxx
	mapLibc
	mapJVM
	mapJIT
)

func newModel(rng *rand.Rand, nFuncs, nLocs int) *model {
	m := &model{maps: []*mapping{
		{file: "/srv/ledger/bin/ledgerd", buildID: "9c2e71d04a6b38f51e0d7c29a4b86f13d5e07a21", base: 0x5601a2c00000, size: 0x6000000},
		{file: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.32", buildID: "1f8e0a33c7d24b5e96a1c8f07d3b2e4a5c6d7e8f", base: 0x7f21c4400000, size: 0x260000},
		{file: "/usr/lib/x86_64-linux-gnu/libc.so.6", buildID: "4a7d2c9e1b3f5a8d6c0e2b4f7a9c1e3d5b7f9a0c", base: 0x7f21c4000000, size: 0x1c0000},
		{file: "/opt/jdk-21/lib/server/libjvm.so", buildID: "b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1", base: 0x7f21c0000000, size: 0x1800000},
		{file: "[anon:jit]", base: 0x7f21a0000000, size: 0x10000000},
	}}
	for _, mp := range m.maps {
		mp.next = 0x2000
	}
	m.fixedFrames()
	seen := map[string]bool{}
	for range nFuncs {
		var f function
		if rng.Float64() < 0.55 {
			f = cxxFunction(rng)
		} else {
			f = javaFunction(rng)
		}
		for seen[f.name] {
			f.name += fmt.Sprintf(" [clone .cold.%d]", rng.IntN(100))
			f.system += ".cold"
		}
		seen[f.name] = true
		m.functions = append(m.functions, f)
	}
	first := len(m.functions) - nFuncs
	for i := range nLocs {
		fi := first + i%nFuncs
		if i >= nFuncs { // more call sites in some functions than others
			fi = first + int(float64(nFuncs)*math.Pow(rng.Float64(), 2))
		}
		var inl []int
		if rng.Float64() < 0.1 {
			inl = append(inl, first+rng.IntN(nFuncs))
		}
		li := m.addLocation(rng, fi, inl...)
		if m.functions[fi].mapping == mapJIT {
			m.java = append(m.java, int32(li))
		} else {
			m.native = append(m.native, int32(li))
		}
	}
	rng.Shuffle(len(m.native), func(i, j int) { m.native[i], m.native[j] = m.native[j], m.native[i] })
	rng.Shuffle(len(m.java), func(i, j int) { m.java[i], m.java[j] = m.java[j], m.java[i] })
	return m
}

// fixedFrames adds thread roots, allocator chains and the planted functions.
func (m *model) fixedFrames() {
	loc := func(name, system, file string, mp int) int32 {
		m.functions = append(m.functions, function{name: name, system: system, file: file, mapping: mp})
		return int32(m.addLocation(nil, len(m.functions)-1))
	}
	clone := loc("__clone3", "__clone3", "sysdeps/unix/sysv/linux/x86_64/clone3.S", mapLibc)
	start := loc("start_thread", "start_thread", "nptl/pthread_create.c", mapLibc)
	stdThread := loc("std::thread::_State_impl<std::thread::_Invoker<std::tuple<ledger::io::Reactor::Start()::{lambda()#1}> > >::_M_run()",
		"_ZNSt6thread11_State_implINS_8_InvokerISt5tupleIJZN6ledger2io7Reactor5StartEvEUlvE_EEEEE6_M_runEv", "/usr/include/c++/13/bits/std_thread.h", mapServer)
	reactor := loc("ledger::io::Reactor::Loop()", "_ZN6ledger2io7Reactor4LoopEv", "/src/ledger/io/reactor.cc", mapServer)
	pool := loc("ledger::exec::WorkerPool::RunOne(std::chrono::duration<long, std::ratio<1l, 1000l> >)", "_ZN6ledger4exec10WorkerPool6RunOneENSt6chrono8durationIlSt5ratioILl1ELl1000EEEE", "/src/ledger/exec/worker_pool.cc", mapServer)
	mainFn := loc("main", "main", "/src/ledger/main.cc", mapServer)
	libcMain := loc("__libc_start_call_main", "__libc_start_call_main", "sysdeps/nptl/libc_start_call_main.h", mapLibc)
	jvmEntry := loc("thread_native_entry(Thread*)", "_ZL19thread_native_entryP6Thread", "src/hotspot/os/linux/os_linux.cpp", mapJVM)
	javaCall := loc("JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*, JavaThread*)", "_ZN9JavaCalls11call_helperEP9JavaValueRK12methodHandleP17JavaCallArgumentsP10JavaThread", "src/hotspot/share/runtime/javaCalls.cpp", mapJVM)
	jThread := loc("java.lang.Thread.run", "java.lang.Thread.run", "Thread.java", mapJIT)
	forkJoin := loc("java.util.concurrent.ForkJoinWorkerThread.run", "java.util.concurrent.ForkJoinWorkerThread.run", "ForkJoinWorkerThread.java", mapJIT)
	m.roots = [][]int32{
		{clone, start, stdThread, reactor},
		{clone, start, stdThread, pool},
		{libcMain, mainFn},
		{clone, start, jvmEntry, javaCall, jThread},
		{clone, start, jvmEntry, javaCall, jThread, forkJoin},
	}
	malloc := loc("malloc", "malloc", "malloc/malloc.c", mapLibc)
	opNew := loc("operator new(unsigned long)", "_Znwm", "libstdc++-v3/libsupc++/new_op.cc", mapStdcxx)
	vecInsert := loc("std::vector<ledger::Entry, std::allocator<ledger::Entry> >::_M_realloc_insert<ledger::Entry const&>(__gnu_cxx::__normal_iterator<ledger::Entry*, std::vector<ledger::Entry, std::allocator<ledger::Entry> > >, ledger::Entry const&)",
		"_ZNSt6vectorIN6ledger5EntryESaIS1_EE17_M_realloc_insertIJRKS1_EEEvN9__gnu_cxx17__normal_iteratorIPS1_S3_EEDpOT_", "/usr/include/c++/13/bits/vector.tcc", mapServer)
	strCreate := loc("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_create(unsigned long&, unsigned long)",
		"_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm", "/usr/include/c++/13/bits/basic_string.tcc", mapStdcxx)
	slab := loc("ledger::mem::SlabAllocator::Refill(unsigned long)", "_ZN6ledger3mem13SlabAllocator6RefillEm", "/src/ledger/mem/slab.cc", mapServer)
	osMalloc := loc("os::malloc(unsigned long, MemTag, NativeCallStack const&)", "_ZN2os6mallocEm6MemTagRK15NativeCallStack", "src/hotspot/share/runtime/os.cpp", mapJVM)
	unsafe := loc("Unsafe_AllocateMemory0(JNIEnv_*, _jobject*, long)", "_ZL22Unsafe_AllocateMemory0P7JNIEnv_P8_jobjectl", "src/hotspot/share/prims/unsafe.cpp", mapJVM)
	direct := loc("java.nio.DirectByteBuffer.<init>", "java.nio.DirectByteBuffer.<init>", "DirectByteBuffer.java", mapJIT)
	m.allocs = [][]int32{
		{opNew, malloc},
		{vecInsert, opNew, malloc},
		{strCreate, opNew, malloc},
		{slab, malloc},
		{direct, unsafe, osMalloc, malloc},
	}
	m.leak = len(m.functions)
	loc("ledger::replication::FollowerSet::Track(std::shared_ptr<ledger::net::Peer> const&, ledger::replication::Cursor)",
		"_ZN6ledger11replication11FollowerSet5TrackERKSt10shared_ptrINS_3net4PeerEENS0_6CursorE", "/src/ledger/replication/follower_set.cc", mapServer)
	m.plateau = len(m.functions)
	loc("ledger::cache::BlockCache<ledger::BlockKey, ledger::Block>::Warm(std::vector<ledger::BlockKey, std::allocator<ledger::BlockKey> > const&)",
		"_ZN6ledger5cache10BlockCacheINS_8BlockKeyENS_5BlockEE4WarmERKSt6vectorIS2_SaIS2_EE", "/src/ledger/cache/block_cache.h", mapServer)
	m.spike = len(m.functions)
	loc("com.ledger.ingest.BatchWriter.flushAll", "com.ledger.ingest.BatchWriter.flushAll", "BatchWriter.java", mapJIT)
}

// addLocation places function fi (with inlined callees inl, innermost
// first) at the next address of its mapping.
func (m *model) addLocation(rng *rand.Rand, fi int, inl ...int) int {
	mp := m.maps[m.functions[fi].mapping]
	l := location{mapping: m.functions[fi].mapping, offset: mp.next}
	step := uint64(0x40)
	if rng != nil {
		step = 0x10 + uint64(rng.IntN(0x300))&^0xf
	}
	mp.next += step
	for _, f := range append(inl, fi) {
		line := int64(100)
		if rng != nil {
			line = int64(10 + rng.IntN(2500))
		}
		l.lines = append(l.lines, locLine{function: f, line: line})
	}
	m.locations = append(m.locations, l)
	if mp.next > mp.size {
		mp.size = (mp.next + 0xfffff) &^ 0xfffff
	}
	return len(m.locations) - 1
}

func (m *model) fnName(fi int) string { return m.functions[fi].name }

// planted location of a planted function: its only location.
func (m *model) locOf(fi int) int32 {
	for i := range m.locations {
		if m.locations[i].lines[0].function == fi {
			return int32(i)
		}
	}
	panic("no location for a planted function")
}

// stacks draws n distinct ordinary stacks and the planted ones.
func (m *model) stacks(rng *rand.Rand, n, depth int) []stack {
	seen := make(map[uint64]bool, n)
	out := make([]stack, 0, n+18)
	for len(out) < n {
		locs, key, java := m.walk(rng, max(3, depth-6+rng.IntN(13)-6))
		if seen[key] {
			continue
		}
		seen[key] = true
		chain := m.chainFor(key, java)
		s := stack{locs: append(locs, chain...), churn: 0.05}
		s.base = math.Min(2e9, math.Exp(8.5+2.2*rng.NormFloat64()))
		s.objSize = float64(int(16) << rng.IntN(14))
		out = append(out, s)
	}
	shares := []float64{0.3, 0.25, 0.2, 0.15, 0.1}
	for _, p := range []struct {
		fi   int
		kind siteKind
		java bool
	}{{m.leak, leakSite, false}, {m.plateau, plateauSite, false}, {m.spike, spikeSite, true}} {
		for _, share := range shares {
			locs, key, java := m.walk(rng, 6+rng.IntN(10))
			for java != p.java {
				locs, key, java = m.walk(rng, 6+rng.IntN(10))
			}
			locs = append(locs, m.locOf(p.fi))
			s := stack{locs: append(locs, m.chainFor(key, java)...), kind: p.kind, share: share, objSize: 512}
			out = append(out, s)
		}
	}
	return out
}

// walk draws a path from a thread root down a call tree whose fan-out is
// narrow near the root and wide below, so stacks share prefixes; key
// identifies the path, java says whether it ends in Java code.
func (m *model) walk(rng *rand.Rand, levels int) ([]int32, uint64, bool) {
	ri := rng.IntN(len(m.roots))
	locs := append([]int32(nil), m.roots[ri]...)
	java := ri >= 3
	h := mix(uint64(ri) + 1)
	for l := range levels {
		fan := uint64(2 + min(l, 12))
		h = mix(h ^ (uint64(rng.Float64()*rng.Float64()*float64(fan)) + 1) ^ uint64(l)<<32)
		if java && l > 4 && unit(mix(h^0x1a)) < 0.05 {
			java = false // a JNI call into native code
		}
		pool := m.native
		if java {
			pool = m.java
		}
		locs = append(locs, pool[int(float64(len(pool))*math.Pow(unit(mix(h^0xb0)), 2.2))])
	}
	return locs, mix(h ^ uint64(levels)), java
}

// chainFor picks the allocator chain at the leaf of a path.
func (m *model) chainFor(key uint64, java bool) []int32 {
	if java {
		return m.allocs[len(m.allocs)-1]
	}
	return m.allocs[mix(key^0xa110c)%uint64(len(m.allocs)-1)]
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	return x ^ x>>33
}

func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }

// Names: long demangled C++ names with templates and argument lists, and
// Java names with lambdas, as real services have.
var (
	cxxSpaces = []string{"ledger", "store", "btree", "wal", "net", "grpc", "codec", "query", "plan", "exec",
		"cache", "mem", "sched", "txn", "raft", "auth", "tls", "metrics", "io", "index", "compact", "snapshot"}
	cxxTypes = []string{"PageWriter", "CompactionTask", "MemTable", "BatchEncoder", "StreamHandler", "ChannelRegistry",
		"JoinProbe", "ColumnBuilder", "Arena", "SegmentReader", "RangeCursor", "SessionTable", "PeerPool",
		"FrameParser", "DictEncoder", "BloomFilter", "ManifestEdit", "LogReader", "TaskQueue", "Executor",
		"RequestRouter", "ReplyWriter", "ExprEvaluator", "PlanVisitor", "HashTable", "StringPool", "BufferRing",
		"TimerQueue", "SnapshotStore", "CertStore", "LeaseManager", "KeyCodec", "Histogram", "ZstdCodec"}
	cxxNested = []string{"Impl", "State", "Node", "Iterator", "Builder", "Context", "Handle", "Slot"}
	cxxVerbs  = []string{"Add", "Insert", "Flush", "Finish", "Run", "Process", "OnRead", "OnWrite", "Dispatch",
		"Encode", "Decode", "Append", "Reserve", "Grow", "Emplace", "Merge", "Compact", "Lookup", "Probe",
		"Serialize", "Parse", "Clone", "Rebuild", "Schedule", "Execute", "Visit", "Apply", "Commit", "Open"}
	cxxArgs = []string{
		"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&",
		"std::vector<unsigned char, std::allocator<unsigned char> >&",
		"std::shared_ptr<ledger::net::Peer> const&", "std::string_view", "absl::Span<unsigned long const>",
		"std::unique_ptr<ledger::io::Buffer, std::default_delete<ledger::io::Buffer> >",
		"std::function<void (ledger::Status)>", "unsigned long", "int", "bool", "long", "double",
		"char const*", "ledger::mem::Arena*", "ledger::Slice const&",
		"std::unordered_map<unsigned long, ledger::Entry, std::hash<unsigned long>, std::equal_to<unsigned long>, std::allocator<std::pair<unsigned long const, ledger::Entry> > >&",
		"std::chrono::time_point<std::chrono::_V2::steady_clock, std::chrono::duration<long, std::ratio<1l, 1000000000l> > >",
	}
	javaPackages = []string{"ingest", "query", "exec", "netty", "codec", "index", "cache", "metrics", "cluster",
		"transport", "search", "mapper", "engine", "translog", "recovery", "storage"}
	javaTypes = []string{"SegmentMerger", "BulkHandler", "TransportChannel", "PipelineHandler", "BufAllocator",
		"QueryPhase", "FieldCache", "RoutingTable", "DocParser", "TranslogWriter", "RecoveryHandler", "PooledArena",
		"Compressor", "AggregatorFactory", "SearchContext", "StateApplier", "ReplicationTracker", "BlobStore"}
	javaVerbs = []string{"process", "handle", "apply", "execute", "write", "read", "flush", "merge", "allocate",
		"newBuffer", "encode", "decode", "onResponse", "run", "call", "build", "parse", "accept", "doRun"}
)

func pick(rng *rand.Rand, xs []string) string { return xs[rng.IntN(len(xs))] }

func cxxFunction(rng *rand.Rand) function {
	var quals []string
	for range 1 + rng.IntN(3) {
		quals = append(quals, pick(rng, cxxSpaces))
	}
	typ := pick(rng, cxxTypes)
	name := "ledger::" + strings.Join(quals, "::") + "::" + typ
	if rng.Float64() < 0.3 {
		name += "<" + pick(rng, cxxArgs) + " >"
	}
	if rng.Float64() < 0.25 {
		name += "::" + pick(rng, cxxNested)
	}
	verb := pick(rng, cxxVerbs)
	var args []string
	for range rng.IntN(4) {
		args = append(args, pick(rng, cxxArgs))
	}
	name += "::" + verb + "(" + strings.Join(args, ", ") + ")"
	if rng.Float64() < 0.3 {
		name += " const"
	}
	system := fmt.Sprintf("_ZN6ledger%d%s%d%sE%dv", len(quals[0]), quals[0], len(typ), typ, len(verb))
	file := "/src/ledger/" + strings.Join(quals, "/") + "/" + strings.ToLower(typ) + ".cc"
	mp := mapServer
	if rng.Float64() < 0.05 {
		mp = mapStdcxx
	}
	return function{name: name, system: system, file: file, mapping: mp}
}

func javaFunction(rng *rand.Rand) function {
	var pkgs []string
	for range 2 + rng.IntN(3) {
		pkgs = append(pkgs, pick(rng, javaPackages))
	}
	typ := pick(rng, javaTypes)
	name := "com.ledger." + strings.Join(pkgs, ".") + "." + typ
	switch r := rng.Float64(); {
	case r < 0.2:
		name += fmt.Sprintf("$$Lambda/0x%016x", 0x7f0000000000+uint64(rng.IntN(1<<28))<<4)
	case r < 0.45:
		name += "$" + pick(rng, []string{"Worker", "Handler", "Inner", "Task", "Listener"})
	}
	name += "." + pick(rng, javaVerbs)
	return function{name: name, system: name, file: typ + ".java", mapping: mapJIT}
}
