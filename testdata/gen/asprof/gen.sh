#!/usr/bin/env bash
# gen.sh regenerates dumpdiff's async-profiler native memory recordings under
# testdata/jfr/: the Flink-like TaskManager of testdata/gen/nmt runs for
# LIFECYCLES task lifecycles in one JVM under async-profiler's nativemem
# profiler, and jfrconv converts the recording at the end of every
# lifecycle into collapsed stacks and pprof. See testdata/README.md ("## jfr").
#
# Usage: testdata/gen/asprof/gen.sh [JAVA_HOME...]
# Default: /usr/lib/jvm/java-17-openjdk-amd64 and temurin-25-jdk-amd64 when
# installed. Needs gcc, make and a JDK to build async-profiler from
# ../shared/tools/async-profiler-src.tar.gz (or $ASPROF_SRC), which it
# builds once into testdata/gen/build/async-profiler (ignored by git).
#
# Per JDK (label jdkNN from `java -version`), in testdata/jfr/jdkNN/:
#   leak.jfr.gz               nativemem=0: every malloc and free (gzipped)
#   leak-sampled.jfr          nativemem=512k: sampled
#   fixed.jfr.gz              nativemem=0, the same JVM with the leak fixed
#   collapsed/lc-N.txt.gz     jfrconv --nativemem --leak --tail 0 --total -o collapsed
#   pprof/lc-N.pb.gz          jfrconv --nativemem --leak --tail 0 --total -o pprof
#   sampled-collapsed/, sampled-pprof/   the same of leak-sampled.jfr
# where lc-N is the recording up to the end of lifecycle N (--to N x PERIOD).
#
# Lifecycles are paced by the clock so that --every PERIOD cuts the recording
# in the quiet time between two lifecycles: lifecycle N+1 starts PERIOD/2
# after the N-th multiple of PERIOD since the JVM was launched, and the
# script fails if a lifecycle was not over before its multiple of PERIOD.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$root/testdata/jfr"
build="$root/testdata/gen/build"
lifecycles=${LIFECYCLES:-6}
period_ms=${PERIOD_MS:-2000}
# The warm-up cache interns fewer strings than in the NMT series (40 000):
# every one is a malloc event, and the recordings must stay small.
interned=${INTERNED:-4000}
src=${ASPROF_SRC:-$root/../shared/tools/async-profiler-src.tar.gz}

die() { echo "gen.sh: $*" >&2; exit 1; }

if [ $# -eq 0 ]; then
	for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
		[ -x "$j/bin/java" ] && set -- "$@" "$j"
	done
fi
[ $# -gt 0 ] || die "no JDK found"

# build_asprof builds async-profiler once, with the first JDK given.
build_asprof() {
	local ap=$build/async-profiler
	if [ -x "$ap/build/bin/jfrconv" ] && [ -f "$ap/build/lib/libasyncProfiler.so" ]; then
		return
	fi
	[ -f "$src" ] || die "no async-profiler source at $src (set ASPROF_SRC)"
	mkdir -p "$build"
	rm -rf "$ap"
	tar xzf "$src" -C "$build"
	[ -d "$ap" ] || die "$src did not unpack to async-profiler/"
	echo "gen.sh: building async-profiler in $ap" >&2
	make -C "$ap" -j2 JAVA_HOME="$1" >"$build/async-profiler.log" 2>&1 || die "async-profiler build failed: see $build/async-profiler.log"
}

now_ms() { date +%s%3N; }

# record JH WORK MODE AGENT_OPTS OUT: runs the TaskManager under the agent,
# pacing the lifecycles, and writes the recording to OUT.
record() {
	local jh=$1 work=$2 mode=$3 opts=$4 rec=$5
	local dir="$work/run-$mode-$(basename "$rec")"
	mkdir -p "$dir"
	local launch
	launch=$(now_ms)
	"$jh/bin/java" -agentpath:"$build/async-profiler/build/lib/libasyncProfiler.so=start,event=nativemem,$opts,file=$rec" \
		-XX:MaxDirectMemorySize=1g -Xmx256m -XX:+UseSerialGC -Dtm.interned="$interned" \
		-cp "$work/classes" TaskManager "$dir" "$lifecycles" "$mode" >"$dir/stdout.txt" 2>"$dir/stderr.txt" &
	local pid=$! lc
	for lc in $(seq 1 "$lifecycles"); do
		while [ ! -e "$dir/ready-$lc" ]; do
			kill -0 "$pid" 2>/dev/null || { cat "$dir/stderr.txt" >&2; die "JVM exited early"; }
			sleep 0.02
		done
		local done_at cut=$((launch + lc * period_ms))
		done_at=$(now_ms)
		[ "$done_at" -lt "$cut" ] || die "lifecycle $lc ended $((done_at - cut)) ms after its cut: the machine is too busy (raise PERIOD_MS)"
		local go_at=$((cut + period_ms / 2))
		while [ "$(now_ms)" -lt "$go_at" ]; do sleep 0.02; done
		touch "$dir/go-$lc"
	done
	wait "$pid" || { cat "$dir/stderr.txt" >&2; die "JVM failed"; }
}

# convert REC DIR FORMAT EXT: one jfrconv conversion per lifecycle end.
convert() {
	local rec=$1 dir=$2 fmt=$3 ext=$4 lc
	rm -rf "$dir"
	mkdir -p "$dir"
	for lc in $(seq 1 "$lifecycles"); do
		local f
		f="$dir/lc-$lc.$ext"
		# jfrconv writes pprof uncompressed whatever the file is called.
		"$build/async-profiler/build/bin/jfrconv" --nativemem --leak --tail 0 --total --to $((lc * period_ms)) \
			-o "$fmt" "$rec" "${f%.gz}" >/dev/null
		gzip -n -9 "${f%.gz}"
	done
}

# leak_bytes FILE SCALE prints the bytes that the collapsed stacks in FILE
# (gzipped) hold in LeakyOperator.allocChunk through the allocation path
# alone (not the classes it loads the first time), each stack's bytes
# counted as max(bytes, SCALE x allocations of 8 KiB): SCALE is the
# sampling interval, 0 for an unsampled recording (see unsample in
# parsers/asprof.go).
leak_bytes() {
	gzip -dc "$1" | awk -v scale="$2" '
		{
			i = index($0, "LeakyOperator.allocChunk"); if (!i) next
			rest = substr($0, i); sub(/ [0-9]+$/, "", rest); n = split(rest, f, ";")
			for (k = 2; k <= n; k++) {
				fr = f[k]; sub(/_\[[ji01k]\]$/, "", fr)
				if (fr !~ /^(java\/nio\/ByteBuffer\.allocateDirect|java\/nio\/DirectByteBuffer\.<init>|(jdk\/internal\/misc|sun\/misc)\/Unsafe\.allocateMemory0?|Unsafe_AllocateMemory0|os::malloc|malloc_hook)$/) next
			}
			s += scale > 0 ? $NF / 8192 * scale : $NF
		}
		END { printf "%d\n", s }'
}

# check_truth DIR SCALE WANT_PER_LC TOLERANCE: jfrconv's own reading of the
# leak after every lifecycle must be N x WANT (within TOLERANCE, relative).
check_truth() {
	local dir=$1 scale=$2 want=$3 tol=$4 lc got
	for lc in $(seq 1 "$lifecycles"); do
		got=$(leak_bytes "$dir/lc-$lc.txt.gz" "$scale")
		awk -v d="${dir#"$root/"}" -v lc="$lc" -v g="$got" -v w="$want" -v t="$tol" 'BEGIN {
			e = (g - lc * w) / (lc * w)
			printf "  %-32s lc %d  LeakyOperator %10d  truth %10d  (%+.2f%%)\n", d, lc, g, lc * w, 100 * e
			if (e < -t || e > t) { print "gen.sh: jfrconv disagrees with the planted leak" > "/dev/stderr"; exit 1 }
		}'
	done
}

run_one() {
	local jh=$1 major label work
	major=$("$jh/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
	label="jdk$major"
	work=$(mktemp -d)
	echo "gen.sh: $label from $jh in $work" >&2
	mkdir -p "$work/classes"
	"$jh/bin/javac" -nowarn -XDignore.symbol.file -d "$work/classes" "$root/testdata/gen/nmt/TaskManager.java" 2>/dev/null
	local d="$out/$label"
	rm -rf "$d"
	mkdir -p "$d"
	record "$jh" "$work" leaky nativemem=0 "$work/leak.jfr"
	record "$jh" "$work" leaky nativemem=512k "$d/leak-sampled.jfr"
	record "$jh" "$work" fixed nativemem=0 "$work/fixed.jfr"
	convert "$work/leak.jfr" "$d/collapsed" collapsed txt.gz
	convert "$work/leak.jfr" "$d/pprof" pprof pb.gz
	convert "$d/leak-sampled.jfr" "$d/sampled-collapsed" collapsed txt.gz
	convert "$d/leak-sampled.jfr" "$d/sampled-pprof" pprof pb.gz
	gzip -n -9 -c "$work/leak.jfr" >"$d/leak.jfr.gz"
	gzip -n -9 -c "$work/fixed.jfr" >"$d/fixed.jfr.gz"
	echo "gen.sh: $label: jfrconv's reading of the leak (8 MiB per lifecycle planted):" >&2
	check_truth "$d/collapsed" 0 8388608 0
	check_truth "$d/sampled-collapsed" 524288 8388608 0.25
	rm -rf "$work"
}

build_asprof "$1"
for jh in "$@"; do
	run_one "$jh"
done
