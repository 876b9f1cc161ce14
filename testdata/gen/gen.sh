#!/usr/bin/env bash
# gen.sh regenerates dumpdiff's real snapshot series for Go heap profiles
# (pprof), gperftools/tcmalloc heap dumps, jemalloc heap_v2 dumps and
# heaptrack recordings, with a truth.json per series and the reference tools'
# own reports beside the dumps. See testdata/README.md ("## pprof",
# "## tcmalloc", "## jemalloc", "## heaptrack").
#
# Usage (from anywhere):   testdata/gen/gen.sh [pprof|tcmalloc|jemalloc|replaced|heaptrack|jvm|asprof|variants|verify|truth]...
# With no argument it writes every series. "verify" writes nothing: it checks
# every committed unsampled snapshot with the reference tools. "truth" only
# rewrites the truth.json files. Needs gcc, go, Debian's
# libgoogle-perftools-dev + google-perftools (google-pprof), libjemalloc-dev
# (jeprof), binutils (jeprof and google-pprof use nm/addr2line/objdump),
# heaptrack (heaptrack, heaptrack_print) and, for the jvm series, a JDK
# (java, javac). "asprof" runs testdata/gen/asprof/gen.sh: async-profiler
# recordings of a JVM (testdata/README.md, "## jfr"; about 8 minutes).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
GEN=$ROOT/testdata/gen
BUILD=$GEN/build
TD=$ROOT/testdata
N=8 # lifecycles per series
# -ffile-prefix-map keeps the checkout path out of the binaries, so a rebuild
# anywhere gives the same bytes and build ID as the committed testdata/bin.
CFLAGS=(-O1 -g -fno-omit-frame-pointer -fPIE -pie -Wl,--build-id -Wall -Wextra "-ffile-prefix-map=$ROOT=.")
JEMALLOC_SO=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2

die() { echo "gen.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found ($2)"; }

# flat FUNCTION FILE prints the flat bytes of FUNCTION in a text report of
# jeprof, google-pprof or go tool pprof (-unit=B), or 0 when it is absent.
flat() {
	awk -v f="$1" '$6 == f { v = $1; sub(/B$/, "", v); print v; found = 1; exit }
		END { if (!found) print 0 }' "$2"
}

# check SERIES FUNCTION WANT TOLERANCE FIRST_REPORT LAST_REPORT compares the
# growth per lifecycle that the reference tool reports between the first
# and the last snapshot with the ground truth; TOLERANCE is relative (0 =
# exact). It fails the script when the data does not show what we planted.
check() {
	local series=$1 fn=$2 want=$3 tol=$4 a b
	a=$(flat "$fn" "$5")
	b=$(flat "$fn" "$6")
	awk -v s="$series" -v f="$fn" -v a="$a" -v b="$b" -v n="$N" -v w="$want" -v t="$tol" 'BEGIN {
		g = (b - a) / (n - 1); d = (g - w) / w
		printf "  %-22s %-28s first %10d  last %10d  growth/lc %10.0f  truth %8d  (%+.2f%%)\n", s, f, a, b, g, w, 100 * d
		if (d < -t || d > t) { printf "gen.sh: %s: %s grows %.0f B/lc, want %d\n", s, f, g, w > "/dev/stderr"; exit 1 }
	}'
}

# report KIND BIN DUMP prints the reference tool's text report of DUMP: KIND
# is go (go tool pprof), tcmalloc (google-pprof) or jemalloc (jeprof).
# google-pprof and jeprof symbolise a PIE program only when it sits at the
# path the dump's MAPPED_LIBRARIES names (the build path of the generating
# checkout), so the dump is read through a copy whose path to BIN's base
# name is rewritten to BIN.
report() {
	local bin dump=$BUILD/report.heap
	case $1 in
	go) go tool pprof -top -sample_index=inuse_space -unit=B -nodefraction=0 -edgefraction=0 "$3" 2>/dev/null ;;
	tcmalloc | jemalloc)
		bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
		sed "s|[^ ]*/$(basename "$2")\$|$bin|" "$3" >"$dump"
		if [ "$1" = tcmalloc ]; then
			google-pprof --text --inuse_space --show_bytes "$bin" "$dump" 2>/dev/null
		else
			jeprof --text --show_bytes "$bin" "$dump" 2>/dev/null
		fi
		;;
	esac
}

# verify_exact SERIES KIND BIN LEAK METRICS METRICS_BYTES PLATEAU STEADY
# TRANSIENT DUMP... checks every snapshot of an unsampled series with the
# reference tool: after lifecycle k the leaks hold exactly k x their bytes per
# lifecycle, the plateau 12 MiB x min(k, 2), the steady site 512 KiB and the
# transient site nothing. It fails the script on any difference, except that
# in Go a site may hold up to 1 KiB more: when the first GC starts, the
# runtime allocates a small object per P for its mark workers (112 B each
# with Go 1.26) and charges it to whichever user allocation triggered the GC,
# a one-off, not a per-lifecycle growth.
verify_exact() {
	local series=$1 kind=$2 bin=$3 leak=$4 metrics=$5 mbytes=$6 plateau=$7 steady=$8 transient=$9
	shift 9
	local slack=0
	[ "$kind" = go ] && slack=1024
	local k=0 dump r fn want got
	r=$BUILD/report.txt
	for dump in "$@"; do
		k=$((k + 1))
		report "$kind" "$bin" "$dump" >"$r"
		for fn in "$leak" "$metrics" "$plateau" "$steady" "$transient"; do
			case $fn in
			"$leak") want=$((k * 4194304)) ;;
			"$metrics") want=$((k * mbytes)) ;;
			"$plateau") want=$(((k < 2 ? k : 2) * 12582912)) ;;
			"$steady") want=524288 ;;
			"$transient") want=0 ;;
			esac
			got=$(flat "$fn" "$r")
			[ "$got" -ge "$want" ] && [ "$got" -le $((want + slack)) ] ||
				die "$series lc$k ($(basename "$dump")): $fn holds $got B, want $want"
		done
	done
	echo "  $series: all $k snapshots hold exactly the planted bytes"
}

# build_c ALLOCATOR builds testdata/gen/build/lifecycle-ALLOCATOR (tcmalloc or
# jemalloc) and copies it to testdata/bin: the symbolisation tests need the
# exact binary the dumps came from, under the same base name.
build_c() {
	need gcc "apt-get install gcc"
	mkdir -p "$BUILD" "$TD/bin"
	case $1 in
	tcmalloc)
		need g++ "apt-get install g++"
		gcc "${CFLAGS[@]}" -DUSE_TCMALLOC -c -o "$BUILD/lifecycle-tcmalloc.o" "$GEN/clifecycle/lifecycle.c"
		g++ "${CFLAGS[@]}" -c -o "$BUILD/heap_sample.o" "$GEN/clifecycle/heap_sample.cc"
		g++ "${CFLAGS[@]}" -o "$BUILD/lifecycle-tcmalloc" "$BUILD/lifecycle-tcmalloc.o" "$BUILD/heap_sample.o" -ltcmalloc
		;;
	jemalloc)
		gcc "${CFLAGS[@]}" -DUSE_JEMALLOC -o "$BUILD/lifecycle-jemalloc" "$GEN/clifecycle/lifecycle.c" -ljemalloc
		;;
	heaptrack)
		# glibc's malloc; heaptrack symbolises while recording, so the
		# binary is not needed to read its recordings (not copied).
		gcc "${CFLAGS[@]}" -DUSE_HEAPTRACK -o "$BUILD/lifecycle-heaptrack" "$GEN/clifecycle/lifecycle.c"
		return
		;;
	esac
	cp "$BUILD/lifecycle-$1" "$TD/bin/"
}

# build_id FILE prints the GNU build ID of an ELF file.
build_id() { readelf -n "$1" | awk '/Build ID/ { print $3 }'; }

# ---------------------------------------------------------------- pprof
gen_pprof() {
	need go "a Go toolchain"
	mkdir -p "$BUILD"
	go build -o "$BUILD/golifecycle" ./testdata/gen/golifecycle
	local s
	for s in go-lifecycle go-sampled go-noisy; do rm -rf "${TD:?}/pprof/$s"; done
	"$BUILD/golifecycle" -n $N -rate 1 -out "$TD/pprof/go-lifecycle"
	"$BUILD/golifecycle" -n $N -rate 0 -out "$TD/pprof/go-sampled"
	"$BUILD/golifecycle" -n $N -rate 1 -noise 400 -out "$TD/pprof/go-noisy"
	# go-shapes: one site per growth shape (late, absent-once, slow and quantum
	# leaks, a freed burst); its truth.json is written by hand, not here.
	go build -o "$BUILD/goshapes" ./testdata/gen/goshapes
	rm -f "$TD"/pprof/go-shapes/lc*.pb.gz
	"$BUILD/goshapes" -n $N -out "$TD/pprof/go-shapes"
	# explore --demo embeds a copy of this series (go:embed cannot reach testdata/).
	rm -f "$ROOT"/internal/demo/go-lifecycle/lc*.pb.gz
	cp "$TD"/pprof/go-lifecycle/lc*.pb.gz "$ROOT/internal/demo/go-lifecycle/"
	for s in go-lifecycle go-sampled go-noisy; do
		local d=$TD/pprof/$s
		for lc in 1 $N; do
			go tool pprof -top -sample_index=inuse_space -unit=B -nodefraction=0 -edgefraction=0 \
				"$d/lc$lc.pb.gz" >"$d/pprof-top-lc$lc.txt" 2>/dev/null
		done
		go tool pprof -top -sample_index=inuse_space -unit=B -nodefraction=0 -edgefraction=0 \
			-diff_base="$d/lc1.pb.gz" "$d/lc$N.pb.gz" >"$d/pprof-diff-lc1-lc$N.txt" 2>/dev/null
	done
	# The same program's profile in the three forms a Go service hands
	# out, each lifecycle written after one GC so the forms hold the same
	# data: /debug/pprof/heap?debug=1 text, gzipped and raw profile.proto.
	d=$TD/pprof/go-forms
	rm -rf "$d" && mkdir -p "$d/text" "$d/gz" "$d/raw"
	"$BUILD/golifecycle" -n 4 -rate 0 -format debug1,pb,raw -out "$d"
	mv "$d"/*.txt "$d/text/" && mv "$d"/*.pb.gz "$d/gz/" && mv "$d"/*.pb "$d/raw/"
	truth_pprof
	verify_pprof
	echo "pprof: growth per lifecycle, go tool pprof (lc1 -> lc$N):"
	# 0.1 %: the runtime's one-off 112-byte objects (see verify_exact).
	for s in go-lifecycle go-noisy; do
		check "pprof/$s" 'main.(*leakyOperator).open' 4194304 0.001 "$TD/pprof/$s/pprof-top-lc1.txt" "$TD/pprof/$s/pprof-top-lc$N.txt"
		check "pprof/$s" main.registerMetrics 262144 0.001 "$TD/pprof/$s/pprof-top-lc1.txt" "$TD/pprof/$s/pprof-top-lc$N.txt"
	done
	# Sampled at 512 KiB: 2 MiB segments are sampled almost surely, 4000-byte
	# gauges about once in 128, so only the main leak is checked, loosely:
	# the check proves the leak is visible, truth.json says what is true.
	check pprof/go-sampled 'main.(*leakyOperator).open' 4194304 0.25 "$TD/pprof/go-sampled/pprof-top-lc1.txt" "$TD/pprof/go-sampled/pprof-top-lc$N.txt"
}

# truth_pprof writes truth.json for the pprof series.
truth_pprof() {
	local period=1 sampled=false
	for s in go-lifecycle go-sampled go-noisy; do
		period=1 sampled=false
		[ $s = go-sampled ] && period=524288 sampled=true
		local noise='"main.fluctuatingPoolFill"' blind='' tol=5
		[ $s = go-sampled ] && blind='"main.registerMetrics", "main.fluctuatingPoolFill", "main.loadConfig"' tol=10
		[ $s = go-noisy ] && noise='"main.fluctuatingPoolFill", "main.shuffleBuffersFill", "main.spillBuffersFill", "main.sortBuffersFill", "main.networkBuffersFill"'
		cat >"$TD/pprof/$s/truth.json" <<EOF
{
  "format": "pprof",
  "metric": "inuse_space",
  "unit": "bytes",
  "lifecycles": $N,
  "files": "lc1.pb.gz .. lc$N.pb.gz, one per lifecycle, after runtime.GC()",
  "sampling_period": $period,
  "sampled": $sampled,
  "growth_tolerance_pct": $tol,
  "sampling_blind": [$blind],
  "leaks": [
    {"function": "main.(*leakyOperator).open", "bytes_per_lifecycle": 4194304, "requested_bytes_per_lifecycle": 4194304, "allocations_per_lifecycle": 2},
    {"function": "main.registerMetrics", "bytes_per_lifecycle": 262144, "requested_bytes_per_lifecycle": 256000, "allocations_per_lifecycle": 64}
  ],
  "plateau": ["main.warmupCacheFill"],
  "noise": [$noise],
  "steady": ["main.loadConfig"],
  "transient": ["main.transientBufferAlloc"],
  "note": "bytes are what the Go heap retains: 4000-byte gauges live in the 4096-byte size class"
}
EOF
	done
}

# ---------------------------------------------------------------- tcmalloc
# c_truth ALLOCATOR DIR FILES PERIOD SAMPLED NOTE TOLERANCE BLIND writes
# DIR/truth.json for a series of the C lifecycle program under ALLOCATOR
# (tcmalloc or jemalloc). The allocators differ only in what they count for
# register_metrics' 4000-byte gauges: gperftools the requested bytes,
# jemalloc the 4096-byte size class.
c_truth() {
	local metrics_bytes note
	case $1 in
	tcmalloc)
		metrics_bytes=256000
		note="gperftools records requested sizes, so bytes equal what the program asked for (no size-class rounding)." ;;
	jemalloc)
		metrics_bytes=262144
		note="bytes are jemalloc size classes (usable size): 4000-byte gauges count as 4096; 2 MiB segments are exact." ;;
	*) die "c_truth: unknown allocator $1" ;;
	esac
	cat >"$2/truth.json" <<EOF
{
  "format": "$1",
  "metric": "inuse_space",
  "unit": "bytes",
  "lifecycles": $N,
  "files": "$3",
  "binary": "testdata/bin/lifecycle-$1",
  "binary_build_id": "$(build_id "$TD/bin/lifecycle-$1")",
  "sampling_period": $4,
  "sampled": $5,
  "growth_tolerance_pct": $7,
  "sampling_blind": [$8],
  "leaks": [
    {"function": "leaky_operator_open", "bytes_per_lifecycle": 4194304, "requested_bytes_per_lifecycle": 4194304, "allocations_per_lifecycle": 2},
    {"function": "register_metrics", "bytes_per_lifecycle": $metrics_bytes, "requested_bytes_per_lifecycle": 256000, "allocations_per_lifecycle": 64}
  ],
  "plateau": ["warmup_cache_fill"],
  "noise": ["fluctuating_pool_fill"],
  "steady": ["load_config"],
  "transient": ["transient_buffer_alloc"],
  "note": "$note $6"
}
EOF
}

truth_tcmalloc() {
	local blind='"register_metrics", "fluctuating_pool_fill", "load_config"'
	c_truth tcmalloc "$TD/tcmalloc/c-lifecycle" "lifecycle.0001.heap .. lifecycle.$(printf %04d $N).heap from one process, one per lifecycle" 0 false \
		"Heap profiler dumps record every allocation." 5 ""
	c_truth tcmalloc "$TD/tcmalloc/c-restart" "restart-lcK.0001.heap: a fresh process (PIE, ASLR) that ran K lifecycles, K = 1..$N" 0 false \
		"Heap profiler dumps record every allocation." 5 ""
	c_truth tcmalloc "$TD/tcmalloc/c-sampled" "sample-lc1.heap .. sample-lc$N.heap (MallocExtension::GetHeapSample) from one process" 524288 true \
		"Sampled every 512 KiB on average (TCMALLOC_SAMPLE_PARAMETER=524288); pprof and google-pprof scale each sample by 1/(1-e^(-size/period)). tcmalloc's sampler took no sample of the first ~14 MB the program allocated (load_config, the first cache step, the first leak segment) in every run we made, so lc1 under-reads; the 4000-byte gauges are sampled about once in 131, so register_metrics is only roughly right." 10 "$blind"
}

gen_tcmalloc() {
	need google-pprof "apt-get install google-perftools"
	build_c tcmalloc
	local bin=$BUILD/lifecycle-tcmalloc d first last
	# No automatic dumps: only HeapProfilerDump after each lifecycle.
	export HEAP_PROFILE_ALLOCATION_INTERVAL=0 HEAP_PROFILE_INUSE_INTERVAL=0
	d=$TD/tcmalloc/c-lifecycle
	rm -rf "$d" && mkdir -p "$d"
	"$bin" -n $N -o "$d/lifecycle" 2>/dev/null
	d=$TD/tcmalloc/c-restart
	rm -rf "$d" && mkdir -p "$d"
	for k in $(seq 1 $N); do
		"$bin" -n "$k" -restart -o "$d/restart-lc$k" 2>/dev/null
	done
	unset HEAP_PROFILE_ALLOCATION_INTERVAL HEAP_PROFILE_INUSE_INTERVAL
	# tcmalloc's own sampler (what a C++ server's /pprof/heap returns): one
	# line per sampled object, heap_v2/524288, allocator frames included.
	d=$TD/tcmalloc/c-sampled
	rm -rf "$d" && mkdir -p "$d"
	TCMALLOC_SAMPLE_PARAMETER=524288 "$bin" -n $N -sample -o "$d/sample-lc%d.heap"
	truth_tcmalloc
	for d in c-lifecycle c-restart c-sampled; do
		case $d in
		c-lifecycle) first=lifecycle.0001.heap last=lifecycle.$(printf %04d $N).heap ;;
		c-restart) first=restart-lc1.0001.heap last=restart-lc$N.0001.heap ;;
		c-sampled) first=sample-lc1.heap last=sample-lc$N.heap ;;
		esac
		(cd "$TD/tcmalloc/$d" &&
			google-pprof --text --inuse_space --show_bytes "$bin" "$first" >google-pprof-lc1.txt 2>/dev/null &&
			google-pprof --text --inuse_space --show_bytes "$bin" "$last" >google-pprof-lc$N.txt 2>/dev/null &&
			google-pprof --text --inuse_space --show_bytes --base="$first" "$bin" "$last" >google-pprof-base-lc1-lc$N.txt 2>/dev/null)
	done
	verify_tcmalloc
	echo "tcmalloc: growth per lifecycle, google-pprof (lc1 -> lc$N):"
	for d in c-lifecycle c-restart; do
		check "tcmalloc/$d" leaky_operator_open 4194304 0 "$TD/tcmalloc/$d/google-pprof-lc1.txt" "$TD/tcmalloc/$d/google-pprof-lc$N.txt"
		check "tcmalloc/$d" register_metrics 256000 0 "$TD/tcmalloc/$d/google-pprof-lc1.txt" "$TD/tcmalloc/$d/google-pprof-lc$N.txt"
	done
	check tcmalloc/c-sampled leaky_operator_open 4194304 0.25 "$TD/tcmalloc/c-sampled/google-pprof-lc1.txt" "$TD/tcmalloc/c-sampled/google-pprof-lc$N.txt"
}

# ---------------------------------------------------------------- jemalloc
truth_jemalloc() {
	local blind='"register_metrics", "fluctuating_pool_fill", "load_config"'
	c_truth jemalloc "$TD/jemalloc/c-lifecycle" "jeprof.<pid>.<seq>.m<seq>.heap (jemalloc's own names; seq 0..$((N - 1)) = lifecycles 1..$N) from one process" 1 false \
		"Every allocation is recorded (lg_prof_sample:0, heap_v2/1)." 5 ""
	c_truth jemalloc "$TD/jemalloc/c-sampled" "jeprof.<pid>.<seq>.m<seq>.heap from one process, default sampling" 524288 true \
		"Sampled at jemalloc's default lg_prof_sample:19 (heap_v2/524288): 2 MiB segments are sampled with probability 1-e^-4 = 0.98, so jeprof's unsampled leak is within a few % of the truth; the 4000-byte gauges are sampled about once per 128, so register_metrics is only roughly right (expect tens of %)." 10 "$blind"
	c_truth jemalloc "$TD/jemalloc/c-restart" "restart-lcK.heap: a fresh process (PIE, ASLR) that ran K lifecycles, K = 1..$N" 1 false \
		"Every allocation is recorded (lg_prof_sample:0)." 5 ""
	c_truth jemalloc "$TD/jemalloc/c-threads" "threads-lc1.heap .. threads-lc$N.heap from one process; lifecycle K ran on its own thread, which exited before the dump" 1 false \
		"Every allocation is recorded (lg_prof_sample:0). Each lifecycle runs on a new task thread (joined before the dump): jemalloc keeps the exited threads' tN: lines while they own live samples, so the leak is spread over t1..t$N and the stacks end in start_thread/clone3 instead of main." 5 ""
}

gen_jemalloc() {
	need jeprof "apt-get install libjemalloc-dev"
	build_c jemalloc
	local bin=$BUILD/lifecycle-jemalloc d f
	d=$TD/jemalloc/c-lifecycle
	rm -rf "$d" && mkdir -p "$d"
	MALLOC_CONF="prof:true,lg_prof_sample:0,prof_prefix:$d/jeprof" "$bin" -n $N
	d=$TD/jemalloc/c-sampled
	rm -rf "$d" && mkdir -p "$d"
	MALLOC_CONF="prof:true,prof_prefix:$d/jeprof" "$bin" -n $N
	d=$TD/jemalloc/c-restart
	rm -rf "$d" && mkdir -p "$d"
	for k in $(seq 1 $N); do
		MALLOC_CONF="prof:true,lg_prof_sample:0" "$bin" -n "$k" -restart -o "$d/restart-lc%d.heap"
	done
	d=$TD/jemalloc/c-threads
	rm -rf "$d" && mkdir -p "$d"
	MALLOC_CONF="prof:true,lg_prof_sample:0" "$bin" -n $N -threads -o "$d/threads-lc%d.heap"
	truth_jemalloc
	for d in c-lifecycle c-sampled c-restart c-threads; do
		# Name order is lifecycle order: seq numbers within one pid, or lcK.
		local files=()
		for f in $(cd "$TD/jemalloc/$d" && ls *.heap | sort -V); do files+=("$f"); done
		[ ${#files[@]} -eq $N ] || die "jemalloc/$d: ${#files[@]} dumps, want $N"
		(cd "$TD/jemalloc/$d" &&
			jeprof --text --show_bytes "$bin" "${files[0]}" >jeprof-lc1.txt 2>/dev/null &&
			jeprof --text --show_bytes "$bin" "${files[$((N - 1))]}" >jeprof-lc$N.txt 2>/dev/null &&
			jeprof --text --show_bytes --base="${files[0]}" "$bin" "${files[$((N - 1))]}" >jeprof-base-lc1-lc$N.txt 2>/dev/null)
	done
	verify_jemalloc
	echo "jemalloc: growth per lifecycle, jeprof (lc1 -> lc$N):"
	for d in c-lifecycle c-restart c-threads; do
		check "jemalloc/$d" leaky_operator_open 4194304 0 "$TD/jemalloc/$d/jeprof-lc1.txt" "$TD/jemalloc/$d/jeprof-lc$N.txt"
		check "jemalloc/$d" register_metrics 262144 0 "$TD/jemalloc/$d/jeprof-lc1.txt" "$TD/jemalloc/$d/jeprof-lc$N.txt"
	done
	check jemalloc/c-sampled leaky_operator_open 4194304 0.25 "$TD/jemalloc/c-sampled/jeprof-lc1.txt" "$TD/jemalloc/c-sampled/jeprof-lc$N.txt"
}

# jemalloc/c-replaced: c-restart's fresh process per lifecycle, but from
# lifecycle N/2+1 on the program's file is replaced (removed and written
# again, as a deploy does) while the process runs, so those dumps'
# MAPPED_LIBRARIES name it "…/lifecycle-jemalloc (deleted)". Without
# symbols, the leak must stay one site across the replacement. The program
# runs from its own directory, so testdata/bin is left alone.
gen_replaced() {
	need gcc "apt-get install gcc"
	need jeprof "apt-get install libjemalloc-dev"
	local d=$TD/jemalloc/c-replaced dir=$BUILD/replaced k
	local bin=$dir/lifecycle-jemalloc conf="prof:true,lg_prof_sample:0"
	rm -rf "$d" "$dir" && mkdir -p "$d" "$dir"
	gcc "${CFLAGS[@]}" -DUSE_JEMALLOC -o "$dir/lifecycle-jemalloc.new" "$GEN/clifecycle/lifecycle.c" -ljemalloc
	for k in $(seq 1 $N); do
		cp "$dir/lifecycle-jemalloc.new" "$bin"
		if [ "$k" -le $((N / 2)) ]; then
			MALLOC_CONF=$conf "$bin" -n "$k" -restart -o "$d/restart-lc%d.heap"
			continue
		fi
		# Lifecycle 1 starts 200 ms in (-period 400): the file is replaced
		# well before the dump.
		MALLOC_CONF=$conf "$bin" -n "$k" -restart -period 400 -o "$d/restart-lc%d.heap" &
		sleep 0.1
		rm "$bin" && cp "$dir/lifecycle-jemalloc.new" "$bin"
		wait $!
		grep -q "lifecycle-jemalloc (deleted)$" "$d/restart-lc$k.heap" || die "jemalloc/c-replaced/restart-lc$k.heap: the program's mapping is not marked (deleted)"
	done
	# jeprof's reports, for the totals: it names no function of a dump
	# whose program reads "(deleted)", which is what this series is about.
	(cd "$d" &&
		jeprof --text --show_bytes "$bin" restart-lc1.heap >jeprof-lc1.txt 2>/dev/null &&
		jeprof --text --show_bytes "$bin" "restart-lc$N.heap" >"jeprof-lc$N.txt" 2>/dev/null &&
		jeprof --text --show_bytes --base=restart-lc1.heap "$bin" "restart-lc$N.heap" >"jeprof-base-lc1-lc$N.txt" 2>/dev/null)
	# The symbolisation tests need the exact binary (testdata/bin holds
	# c-restart's, another build): testdata/bin/replaced.
	mkdir -p "$TD/bin/replaced" && cp "$dir/lifecycle-jemalloc.new" "$TD/bin/replaced/lifecycle-jemalloc"
	c_truth jemalloc "$d" "restart-lcK.heap: a fresh process (PIE, ASLR) that ran K lifecycles, K = 1..$N; for K > $((N / 2)) the program's file was replaced while it ran (its mapping reads (deleted))" 1 false \
		"Every allocation is recorded (lg_prof_sample:0)." 5 ""
	sed -i -e "s|\"binary\": \".*\"|\"binary\": \"testdata/bin/replaced/lifecycle-jemalloc\"|" \
		-e "s|\"binary_build_id\": \".*\"|\"binary_build_id\": \"$(build_id "$TD/bin/replaced/lifecycle-jemalloc")\"|" "$d/truth.json"
}

# ---------------------------------------------------------------- heaptrack
# heaptrack records every malloc and free of the C lifecycle program (glibc's
# malloc) with its stack. c-lifecycle: one process across all lifecycles,
# lifecycle k starting at (k-1) x HT_PERIOD + HT_PERIOD/2 ms, so that --every
# HT_PERIOD ms or --lifecycle-marker task_open cut it into N lifecycles;
# c-restart: restart-lcK.zst is a fresh process that ran K lifecycles.
HT_PERIOD=500

truth_heaptrack() {
	local d files split
	for d in c-lifecycle c-restart; do
		case $d in
		c-lifecycle)
			files="lifecycle.zst: one process, lifecycle k from (k-1) x ${HT_PERIOD} ms + $((HT_PERIOD / 2)) ms, exit at $((N * HT_PERIOD)) ms"
			split='"split": [{"every": "'$HT_PERIOD'ms"}, {"lifecycle_marker": "^task_open$"}],' ;;
		c-restart)
			files="restart-lcK.zst: a fresh process (PIE, ASLR) that ran K lifecycles, K = 1..$N"
			split='"split": [],' ;;
		esac
		cat >"$TD/heaptrack/$d/truth.json" <<EOF
{
  "format": "heaptrack",
  "metric": "inuse_space",
  "unit": "bytes",
  "lifecycles": $N,
  "files": "$files",
  $split
  "sampling_period": 0,
  "sampled": false,
  "growth_tolerance_pct": 0,
  "sampling_blind": [],
  "leaks": [
    {"function": "leaky_operator_open", "bytes_per_lifecycle": 4194304, "requested_bytes_per_lifecycle": 4194304, "allocations_per_lifecycle": 2},
    {"function": "register_metrics", "bytes_per_lifecycle": 256000, "requested_bytes_per_lifecycle": 256000, "allocations_per_lifecycle": 64}
  ],
  "plateau": ["warmup_cache_fill"],
  "noise": ["fluctuating_pool_fill"],
  "steady": ["load_config"],
  "transient": ["transient_buffer_alloc"],
  "note": "heaptrack records every allocation with its requested size and stack, symbolised while the program ran (glibc malloc, no allocator frames). split lists the options that cut a one-process recording into the N lifecycles; each snapshot is what was live at the end of its lifecycle. <name>.leaks.txt is heaptrack_print -l, <name>.leaked-stacks.txt the bytes never freed per stack (heaptrack_print -F --flamegraph-cost-type leaked)."
}
EOF
	done
}

# ht_reports RECORDING writes heaptrack_print's leak report and its leaked
# bytes per stack beside RECORDING (run in its directory, so no path of this
# machine is in them).
ht_reports() {
	local dir base
	dir=$(dirname "$1") base=$(basename "$1" .zst)
	(cd "$dir" &&
		heaptrack_print -p 0 -a 0 -T 0 -l 1 "$base.zst" >"$base.leaks.txt" &&
		heaptrack_print -p 0 -a 0 -T 0 -l 0 -F "$base.leaked-stacks.txt" --flamegraph-cost-type leaked "$base.zst" >/dev/null)
}

# ht_leaked FUNCTION STACKS prints the bytes that stacks ending in FUNCTION
# never freed, from a leaked-stacks file ("main (f.c);...;FUNCTION (f.c); N").
ht_leaked() {
	awk -v f="$1 (" '{ n = split($0, a, ";"); if (index(a[n - 1], f) == 1) s += a[n] } END { print s + 0 }' "$2"
}

gen_heaptrack() {
	need heaptrack "apt-get install heaptrack"
	need heaptrack_print "apt-get install heaptrack"
	build_c heaptrack
	local bin=$BUILD/lifecycle-heaptrack d k f
	d=$TD/heaptrack/c-lifecycle
	rm -rf "$d" && mkdir -p "$d"
	heaptrack -o "$d/lifecycle" "$bin" -n $N -period $HT_PERIOD >"$BUILD/heaptrack.log" 2>&1 || { cat "$BUILD/heaptrack.log"; die "heaptrack failed"; }
	d=$TD/heaptrack/c-restart
	rm -rf "$d" && mkdir -p "$d"
	for k in $(seq 1 $N); do
		heaptrack -o "$d/restart-lc$k" "$bin" -n "$k" >"$BUILD/heaptrack.log" 2>&1 || { cat "$BUILD/heaptrack.log"; die "heaptrack failed"; }
	done
	for f in "$TD"/heaptrack/*/*.zst; do ht_reports "$f"; done
	truth_heaptrack
	verify_heaptrack
}

# ---------------------------------------------------------------- variants
# gen_variants writes dumps that differ from the lifecycle series in how they
# were taken (testdata/README.md, "Variants"): a stripped multi-threaded C++
# program with a dlopen'ed library, jemalloc's prof_accum and automatic dumps,
# tcmalloc's sampled GetHeapSample, and its answer with sampling off. Each
# directory holds the reference tool's reports of its first and last dump.
gen_variants() {
	need g++ "apt-get install g++"
	need jeprof "apt-get install libjemalloc-dev"
	need google-pprof "apt-get install google-perftools"
	local src=$GEN/cxxvariants out=$BUILD/cxx d f k
	local flags=(-O2 -g -Wl,--build-id -pthread "-ffile-prefix-map=$ROOT=.")
	mkdir -p "$out" "$TD/bin"
	g++ "${flags[@]}" -fPIC -shared -o "$out/libcxxplugin.so" "$src/plugin.cpp"
	g++ "${flags[@]}" -fPIE -pie -DUSE_JEMALLOC -o "$out/cxxapp-jemalloc" "$src/cxxapp.cpp" -ljemalloc -ldl
	g++ "${flags[@]}" -fPIE -pie -DUSE_TCMALLOC -o "$out/cxxapp-tcmalloc" "$src/cxxapp.cpp" -ltcmalloc -ldl
	# Stripped, as shipped programs are: no symbol of the program's own
	# functions is left (frames read cxxapp-jemalloc+0x…); the plugin keeps
	# its dynamic symbols (plugin_alloc). Build IDs stay.
	strip --strip-all "$out/cxxapp-jemalloc" "$out/cxxapp-tcmalloc"
	strip --strip-unneeded "$out/libcxxplugin.so"
	cp "$out/cxxapp-jemalloc" "$out/cxxapp-tcmalloc" "$out/libcxxplugin.so" "$TD/bin/"
	# jemalloc, a fresh process per snapshot (k lifecycles, one dump at the
	# end), every allocation, accumulated counts on.
	d=$TD/jemalloc/cxx-restart
	rm -rf "$d" && mkdir -p "$d"
	for k in 1 2 3; do
		MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:0" "$out/cxxapp-jemalloc" "$k" "$d/restart-lc%d.heap" -last
	done
	(cd "$d" && for k in 1 3; do
		jeprof --text --show_bytes "$out/cxxapp-jemalloc" "restart-lc$k.heap" >"jeprof-lc$k.txt" 2>/dev/null
		jeprof --text --show_bytes --alloc_space "$out/cxxapp-jemalloc" "restart-lc$k.heap" >"jeprof-alloc-lc$k.txt" 2>/dev/null
	done)
	# Thread names in the header's thread lines (prof_sys_thread_name:true).
	d=$TD/jemalloc/cxx-thread-names
	rm -rf "$d" && mkdir -p "$d"
	MALLOC_CONF="prof:true,lg_prof_sample:0,prof_sys_thread_name:true" "$out/cxxapp-jemalloc" 2 "$d/names-lc%d.heap"
	grep -q '^  t[0-9]*: .*\] worker-' "$d/names-lc2.heap" || die "jemalloc/cxx-thread-names: no named thread lines"
	(cd "$d" && for k in 1 2; do
		jeprof --text --show_bytes "$out/cxxapp-jemalloc" "names-lc$k.heap" >"jeprof-lc$k.txt" 2>/dev/null
	done)
	# jemalloc's own dumps: every 2 MiB allocated (lg_prof_interval:21,
	# .i<n>.heap) and at exit (prof_final, .f.heap), sampled every 4 KiB.
	d=$TD/jemalloc/cxx-auto
	rm -rf "$d" && mkdir -p "$d"
	MALLOC_CONF="prof:true,lg_prof_sample:12,lg_prof_interval:21,prof_final:true,prof_prefix:$d/jeprof" "$out/cxxapp-jemalloc" 3 -
	local files=()
	for f in $(cd "$d" && ls *.heap | sort -V); do files+=("$f"); done
	[ ${#files[@]} -ge 3 ] || die "jemalloc/cxx-auto: ${#files[@]} dumps, want at least 3"
	(cd "$d" &&
		jeprof --text --show_bytes "$out/cxxapp-jemalloc" "${files[0]}" >jeprof-first.txt 2>/dev/null &&
		jeprof --text --show_bytes "$out/cxxapp-jemalloc" "${files[-1]}" >jeprof-last.txt 2>/dev/null)
	# tcmalloc's sampled heap (MallocExtension::GetHeapSample, heap_v2/65536).
	d=$TD/tcmalloc/cxx-sampled
	rm -rf "$d" && mkdir -p "$d"
	TCMALLOC_SAMPLE_PARAMETER=65536 "$out/cxxapp-tcmalloc" 3 "$d/sample-lc%d.heap"
	(cd "$d" && for k in 1 3; do
		google-pprof --text --show_bytes "$out/cxxapp-tcmalloc" "sample-lc$k.heap" >"google-pprof-lc$k.txt" 2>/dev/null
	done)
	# The same with sampling off: gperftools writes "%warn" lines saying why
	# the profile is empty, before the header.
	d=$TD/tcmalloc/cxx-sampling-off
	rm -rf "$d" && mkdir -p "$d"
	TCMALLOC_SAMPLE_PARAMETER=0 "$out/cxxapp-tcmalloc" 1 "$d/sampling-off.heap"
	grep -q '^%warn' "$d/sampling-off.heap" || die "tcmalloc/cxx-sampling-off: no %warn lines"
}

# ---------------------------------------------------------------- jvm
# truth_jvm writes truth.json for the jvm series.
truth_jvm() {
	local java libjvm version buildid
	java=$(readlink -f "$(command -v java)")
	libjvm=$(dirname "$(dirname "$java")")/lib/server/libjvm.so
	version=$(java -version 2>&1 | head -1 | sed 's/"/\\"/g')
	buildid=$(build_id "$libjvm")
	cat >"$TD/jemalloc/jvm/truth.json" <<EOF
{
  "format": "jemalloc",
  "metric": "inuse_space",
  "unit": "bytes",
  "lifecycles": $N,
  "files": "jeprof.<pid>.<seq>.i<seq>.heap (interval dumps, one per lifecycle) from one JVM",
  "binary": "$java",
  "jdk": "$version",
  "libjvm": "$libjvm",
  "libjvm_build_id": "$buildid",
  "sampling_period": 16384,
  "sampled": true,
  "growth_tolerance_pct": 10,
  "sampling_blind": [],
  "leaks": [
    {"function": "Unsafe_AllocateMemory0", "bytes_per_lifecycle": 4194304, "requested_bytes_per_lifecycle": 4194304, "allocations_per_lifecycle": 2}
  ],
  "plateau": ["deflateInit2_"],
  "noise": [],
  "steady": [],
  "transient": ["inflateInit2_"],
  "note": "2 direct ByteBuffers of 2 MiB per lifecycle (JDK 17 without NMT mallocs exactly 2 MiB, a jemalloc size class); innermost frames are malloc <- os::malloc <- Unsafe_AllocateMemory0 (trim os::malloc). The JVM itself also allocates (JIT arenas, class loading, symbol tables), so other sites move a little. Java frames are JIT or interpreter code in anonymous mappings and stay unsymbolised. Symbolising needs this machine's libjvm.so (check libjvm_build_id)."
}
EOF
}

gen_jvm() {
	need java "a JDK, e.g. apt-get install openjdk-17-jdk-headless"
	need javac "a JDK, e.g. apt-get install openjdk-17-jdk-headless"
	need jeprof "apt-get install libjemalloc-dev"
	[ -r "$JEMALLOC_SO" ] || die "$JEMALLOC_SO missing (apt-get install libjemalloc2)"
	local java libjvm d=$TD/jemalloc/jvm f
	java=$(readlink -f "$(command -v java)")
	libjvm=$(dirname "$(dirname "$java")")/lib/server/libjvm.so
	[ -r "$libjvm" ] || die "$libjvm not found"
	mkdir -p "$BUILD/jvm"
	javac -nowarn -d "$BUILD/jvm" "$GEN/jvmlifecycle/JvmLifecycle.java" 2>/dev/null
	rm -rf "$d" && mkdir -p "$d"
	# Sampling every 16 KiB on average (lg_prof_sample:14) keeps the JVM's
	# thousands of malloc sites down to about a hundred stacks (the default
	# 512 KiB leaves only about ten); an interval dump every 64 MiB allocated,
	# which the program forces once per lifecycle.
	LD_PRELOAD=$JEMALLOC_SO MALLOC_CONF="prof:true,lg_prof_sample:14,lg_prof_interval:26,prof_prefix:$d/jeprof" \
		java -Xmx128m -XX:+UseSerialGC -cp "$BUILD/jvm" JvmLifecycle $N "$d" >/dev/null
	local files=()
	for f in $(cd "$d" && ls *.heap | sort -V); do files+=("$f"); done
	[ ${#files[@]} -eq $N ] || die "jemalloc/jvm: ${#files[@]} dumps, want $N"
	(cd "$d" &&
		jeprof --text --show_bytes "$java" "${files[0]}" >jeprof-lc1.txt 2>/dev/null &&
		jeprof --text --show_bytes "$java" "${files[$((N - 1))]}" >jeprof-lc$N.txt 2>/dev/null)
	truth_jvm
	echo "jvm: growth per lifecycle, jeprof (lc1 -> lc$N), cumulative bytes:"
	local a b
	a=$(awk '$6 == "Unsafe_AllocateMemory0" { print $4 }' "$d/jeprof-lc1.txt")
	b=$(awk '$6 == "Unsafe_AllocateMemory0" { print $4 }' "$d/jeprof-lc$N.txt")
	awk -v a="$a" -v b="$b" -v n=$N 'BEGIN {
		g = (b - a) / (n - 1); d = (g - 4194304) / 4194304
		printf "  %-22s %-28s first %10d  last %10d  growth/lc %10.0f  truth %8d  (%+.2f%%)\n", "jemalloc/jvm", "Unsafe_AllocateMemory0", a, b, g, 4194304, 100 * d
		if (d < -0.25 || d > 0.25) { print "gen.sh: jemalloc/jvm: leak not visible" > "/dev/stderr"; exit 1 }
	}'
}

# ---------------------------------------------------------------- verify
# The verify_* functions re-check the committed unsampled series with the
# reference tools and the committed binaries (gen.sh verify runs them
# without regenerating anything).

# dumps DIR PATTERN lists DIR's files matching PATTERN in natural order.
dumps() { (cd "$1" && ls $2 | sort -V | sed "s|^|$1/|"); }

verify_pprof() {
	need go "a Go toolchain"
	echo "pprof: every snapshot, go tool pprof:"
	local s
	for s in go-lifecycle go-noisy; do
		verify_exact "pprof/$s" go - 'main.(*leakyOperator).open' main.registerMetrics 262144 \
			main.warmupCacheFill main.loadConfig main.transientBufferAlloc \
			$(dumps "$TD/pprof/$s" '*.pb.gz')
	done
}

verify_tcmalloc() {
	need google-pprof "apt-get install google-perftools"
	echo "tcmalloc: every snapshot, google-pprof:"
	local d
	for d in c-lifecycle c-restart; do
		verify_exact "tcmalloc/$d" tcmalloc "$TD/bin/lifecycle-tcmalloc" leaky_operator_open register_metrics 256000 \
			warmup_cache_fill load_config transient_buffer_alloc \
			$(dumps "$TD/tcmalloc/$d" '*.heap')
	done
}

verify_jemalloc() {
	need jeprof "apt-get install libjemalloc-dev"
	echo "jemalloc: every snapshot, jeprof:"
	local d
	for d in c-lifecycle c-restart c-threads; do
		verify_exact "jemalloc/$d" jemalloc "$TD/bin/lifecycle-jemalloc" leaky_operator_open register_metrics 262144 \
			warmup_cache_fill load_config transient_buffer_alloc \
			$(dumps "$TD/jemalloc/$d" '*.heap')
	done
}

# verify_heaptrack checks with heaptrack_print that each committed recording
# holds exactly what was planted when its process exited after k lifecycles
# (k = N for c-lifecycle), and that the committed reports are heaptrack_print's.
verify_heaptrack() {
	need heaptrack_print "apt-get install heaptrack"
	echo "heaptrack: every recording, heaptrack_print (bytes never freed):"
	local f k fn want got stacks=$BUILD/leaked-stacks.txt
	mkdir -p "$BUILD"
	for f in "$TD"/heaptrack/c-lifecycle/lifecycle.zst $(dumps "$TD/heaptrack/c-restart" '*.zst'); do
		case $(basename "$f") in
		lifecycle.zst) k=$N ;;
		*) k=$(basename "$f" .zst) && k=${k#restart-lc} ;;
		esac
		heaptrack_print -p 0 -a 0 -T 0 -l 0 -F "$stacks" --flamegraph-cost-type leaked "$f" >/dev/null
		cmp -s "$stacks" "${f%.zst}.leaked-stacks.txt" || die "${f#"$ROOT"/}: heaptrack_print's leaked stacks differ from the committed $(basename "${f%.zst}").leaked-stacks.txt"
		for fn in leaky_operator_open register_metrics warmup_cache_fill load_config transient_buffer_alloc; do
			case $fn in
			leaky_operator_open) want=$((k * 4194304)) ;;
			register_metrics) want=$((k * 256000)) ;;
			warmup_cache_fill) want=$(((k < 2 ? k : 2) * 12582912)) ;;
			load_config) want=524288 ;;
			transient_buffer_alloc) want=0 ;;
			esac
			got=$(ht_leaked "$fn" "$stacks")
			[ "$got" -eq "$want" ] || die "${f#"$ROOT"/}: $fn never freed $got B, want $want"
		done
	done
	echo "  heaptrack: every recording holds exactly the planted bytes at exit"
}

main() {
	local what=("$@")
	[ ${#what[@]} -gt 0 ] || what=(pprof tcmalloc jemalloc replaced heaptrack jvm asprof variants)
	for w in "${what[@]}"; do
		case $w in
		pprof) gen_pprof ;;
		tcmalloc) gen_tcmalloc ;;
		jemalloc) gen_jemalloc ;;
		replaced) gen_replaced ;;
		heaptrack) gen_heaptrack ;;
		jvm) gen_jvm ;;
		asprof) "$GEN/asprof/gen.sh" ;;
		variants) gen_variants ;;
		verify) mkdir -p "$BUILD" && verify_pprof && verify_tcmalloc && verify_jemalloc && verify_heaptrack ;;
		truth) truth_pprof && truth_tcmalloc && truth_jemalloc && truth_heaptrack && truth_jvm ;;
		*) die "unknown series $w (want pprof, tcmalloc, jemalloc, replaced, heaptrack, jvm, asprof, variants, verify or truth)" ;;
		esac
	done
}

main "$@"
