package dumpdiff

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// Allocator frames: the functions between the code that asked for memory and
// the allocator's own bookkeeping. A site is shown by its innermost frame that
// is not one of these, so that "malloc" is never the answer. Each pattern is
// matched in full (anchored) against the frame's function name with its
// argument list removed, as pprof's drop_frames are.
var (
	// glibcFrames: libc and libstdc++ entry points.
	glibcFrames = []string{
		`(__libc_|__GI___libc_|__GI_|_int_)?(malloc|calloc|realloc|free|cfree|memalign|valloc|pvalloc|reallocarray)`,
		`(__)?posix_memalign`, `aligned_alloc`, `__libc_alloc_buffer_.*`,
		`(__)?strn?dup`, `__GI___strn?dup`,
		`operator new(\[\])?`, `operator delete(\[\])?`,
		// Template arguments are optional: symbolize shortens demangled names
		// the way pprof and jeprof print them, without them.
		`std::__new_allocator(<.*>)?::allocate`, `__gnu_cxx::new_allocator(<.*>)?::allocate`,
		`std::allocator(<.*>)?::allocate`, `std::allocator_traits(<.*>)?::allocate`,
	}
	// jemallocFrames: jemalloc's API and internals, Rust's jemallocator prefix,
	// and unsymbolised frames inside libjemalloc.
	jemallocFrames = []string{
		`(je_|_rjem_|__rjem_).*`, `imalloc.*`, `ialloc.*`, `iralloc.*`, `irallocx.*`, `prof_.*`,
		`malloc_default`, `(do_)?(m|r|x)allocx`, `do_rallocx`, `fallback_impl`,
		`arena_.*`, `tcache_.*`, `large_.*`, `isalloc`, `imalloc_body`,
		`libjemalloc\.so[.0-9]*\+0x[0-9a-f]+`,
	}
	// tcmallocFrames: gperftools' tcmalloc, including the ones pprof's own
	// legacy heap parser drops.
	tcmallocFrames = []string{
		`tc_.*`, `tcmalloc::.*`, `\(anonymous namespace\)::do_.*`, `do_malloc.*`, `do_memalign.*`,
		`do_calloc`, `do_realloc.*`, `MallocHook::.*`, `MallocHook_.*`, `HeapProfile.*`,
		`libtcmalloc(_minimal|_and_profiler)?\.so[.0-9]*\+0x[0-9a-f]+`,
	}
	// hotspotFrames: HotSpot's allocation wrappers that NMT detail stacks start with.
	hotspotFrames = []string{
		`os::malloc`, `os::realloc`, `os::strdup.*`, `AllocateHeap`, `ReallocateHeap`,
		`MallocTracker::.*`, `MemTracker::.*`, `CHeapObj<.*>::operator new`, `AllocateHeap<.*>`,
		`NEW_C_HEAP_ARRAY.*`, `ArenaObj::operator new`,
	}
	// javaFrames: async-profiler's malloc hooks and the JVM's path from a
	// Java method to malloc for direct and Unsafe memory, so that a site
	// reads as the Java method that asked (ByteBuffer.allocateDirect's
	// caller). Java classes are named as the JVM spells them
	// (java/nio/ByteBuffer), or dotted by jfrconv --dot.
	javaFrames = []string{
		`(malloc|calloc|realloc|free|posix_memalign|aligned_alloc)_hook(_dummy)?`,
		`Unsafe_(Allocate|Reallocate|Set|Copy)Memory0`,
		`(jdk[./]internal[./]misc|sun[./]misc)[./]Unsafe\.(allocate|reallocate)Memory.*`,
		`java[./]nio[./]DirectByteBuffer\.<init>`, `java[./]nio[./]ByteBuffer\.allocateDirect`,
	}
	// goFrames: the Go runtime's allocation paths.
	goFrames = []string{
		`runtime\.mallocgc.*`, `runtime\.newobject`, `runtime\.newarray`, `runtime\.makeslice.*`,
		`runtime\.growslice`, `runtime\.makemap.*`, `runtime\.mapassign.*`, `runtime\.hashGrow`,
		`runtime\.makechan`, `runtime\.malg`, `runtime\.rawstring.*`, `runtime\.rawbyteslice`,
		`runtime\.rawruneslice`, `runtime\.concatstring.*`, `runtime\.slicebytetostring`,
		`runtime\.stringtoslice(byte|rune)`, `runtime\.convT.*`, `runtime\.mallocgc`,
		`runtime\.profilealloc`, `runtime\.mProf_Malloc`, `internal/runtime/maps\..*`,
	}
)

// defaultTrim returns the allocator-frame patterns for a format. pprof files
// and collapsed stacks can come from any runtime (Go, async-profiler,
// Pyroscope, heaptrack, eBPF tools), so they get all of them; native dumps get HotSpot's too, because a JVM is often the
// process under jemalloc or tcmalloc (its mallocs go through os::malloc).
func defaultTrim(f parsers.Format) []string {
	switch f {
	case parsers.FormatPprof, parsers.FormatCollapsed:
		return slices.Concat(goFrames, glibcFrames, jemallocFrames, tcmallocFrames, hotspotFrames, javaFrames)
	case parsers.FormatJFR:
		return slices.Concat(javaFrames, hotspotFrames, glibcFrames)
	case parsers.FormatTcmalloc:
		return slices.Concat(tcmallocFrames, glibcFrames, hotspotFrames, goFrames)
	case parsers.FormatJemalloc:
		return slices.Concat(jemallocFrames, glibcFrames, hotspotFrames)
	case parsers.FormatNMT:
		return slices.Concat(hotspotFrames, glibcFrames)
	case parsers.FormatHeaptrack:
		// heaptrack traces any native process, a JVM included.
		return slices.Concat(glibcFrames, hotspotFrames)
	}
	return glibcFrames
}

// trimmer decides which frames of a stack are allocator frames. It is
// shared by the inputs of a series, which are reduced concurrently.
type trimmer struct {
	drop  []*regexp.Regexp // anchored: profile drop_frames, format defaults
	keep  *regexp.Regexp   // anchored: profile keep_frames
	user  []*regexp.Regexp // --trim, unanchored as the user wrote them
	off   bool
	cache sync.Map // function name → bool: each name is matched once
	// slot numbers the trimmer among its load's, for the frame table's
	// record of what each trimmer decided; -1 past the slots there are.
	slot int
}

// trimSlots is how many trimmers of a load the frame table records
// decisions for (two bits each in a uint32).
const trimSlots = 16

// newTrimmer builds the trimmer for a snapshot of format whose profile
// carries drop_frames and keep_frames (either may be ""); name labels its
// warning. A drop_frames or keep_frames that does not compile is left out
// and returned as a warning: pprof would refuse the whole profile, but the
// defaults still trim the usual allocator frames.
func newTrimmer(format parsers.Format, drop, keepFrames, name string, user []*regexp.Regexp, off bool) (*trimmer, error) {
	t := &trimmer{user: user, off: off}
	if off {
		return t, nil
	}
	pats := defaultTrim(format)
	t.drop = append(t.drop, regexp.MustCompile(`^(?:`+strings.Join(pats, "|")+`)$`))
	if drop == "" {
		return t, nil
	}
	re, err := regexp.Compile(`^(?:` + drop + `)$`)
	if err != nil {
		return t, fmt.Errorf("%s: ignoring the profile's drop_frames: %v", name, err)
	}
	if keepFrames != "" {
		keep, err := regexp.Compile(`^(?:` + keepFrames + `)$`)
		if err != nil {
			return t, fmt.Errorf("%s: ignoring the profile's drop_frames and keep_frames: %v", name, err)
		}
		t.keep = keep
	}
	t.drop = append(t.drop, re)
	return t, nil
}

// trimKey is what a trimmer depends on beyond the load's --trim and
// --no-trim: the snapshot's format and the profile's drop_frames and
// keep_frames (keep_frames counts only beside drop_frames).
type trimKey struct {
	format     parsers.Format
	drop, keep string
}

// trimmerCache shares one trimmer among the snapshots of a load that would
// build the same one, so that the default patterns compile once per format
// and each frame name is matched once, not once per snapshot.
type trimmerCache struct {
	mu    sync.Mutex
	user  []*regexp.Regexp
	off   bool
	byKey map[trimKey]*trimmer
	slots int // trimmers numbered so far
}

// get returns the trimmer for a snapshot and newTrimmer's warning. A
// trimmer built with a warning is not shared, so every snapshot whose
// profile carries a bad pattern gets its own warning.
func (c *trimmerCache) get(format parsers.Format, drop, keep, name string) (*trimmer, error) {
	k := trimKey{format: format}
	if drop != "" {
		k.drop, k.keep = drop, keep
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.byKey[k]; ok {
		return t, nil
	}
	t, warn := newTrimmer(format, k.drop, k.keep, name, c.user, c.off)
	t.slot = -1
	if c.slots < trimSlots {
		t.slot = c.slots
		c.slots++
	}
	if warn == nil {
		c.byKey[k] = t
	}
	return t, warn
}

// isAllocator reports whether a frame with function key name is trimmed.
func (t *trimmer) isAllocator(name string) bool {
	if t.off || name == "" {
		return false
	}
	if v, ok := t.cache.Load(name); ok {
		return v.(bool)
	}
	simple := simplifyFunc(name)
	v := false
	for _, re := range t.drop {
		if re.MatchString(simple) {
			v = true
			break
		}
	}
	if v && t.keep != nil && t.keep.MatchString(simple) {
		v = false
	}
	if !v {
		for _, re := range t.user {
			if re.MatchString(name) {
				v = true
				break
			}
		}
	}
	t.cache.Store(name, v)
	return v
}

// simplifyFunc removes a C++ argument list, as pprof does before matching
// drop_frames: "operator new(unsigned long)" → "operator new". "(anonymous
// namespace)" and "operator()" are not argument lists.
func simplifyFunc(f string) string {
	s := strings.TrimPrefix(f, ".")
	for i := 0; i < len(s); i++ {
		if s[i] != '(' {
			continue
		}
		if strings.HasPrefix(s[i:], "(anonymous namespace)") {
			i += len("(anonymous namespace)") - 1
			continue
		}
		if i >= len("operator") && strings.HasSuffix(s[:i], "operator") && strings.HasPrefix(s[i:], "()") {
			i++
			continue
		}
		if i == 0 {
			continue
		}
		return s[:i]
	}
	return s
}
