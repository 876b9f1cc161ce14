#!/usr/bin/env bash
# gen.sh regenerates dumpdiff's async-profiler native memory recordings under
# testdata/jfr/: the Flink-like TaskManager of testdata/gen/nmt runs for
# LIFECYCLES task lifecycles in one JVM, async-profiler's nativemem profiler
# attached to it (asprof start -e nativemem after the JVM started, asprof
# stop after the last lifecycle), and jfrconv converts the recording at the
# end of every lifecycle into collapsed stacks and pprof. See
# testdata/README.md ("## jfr").
#
# Usage: testdata/gen/asprof/gen.sh [JAVA_HOME...]
# Default: /usr/lib/jvm/java-17-openjdk-amd64 and temurin-25-jdk-amd64 when
# installed. Needs gcc, make and a JDK to build async-profiler from
# ../shared/tools/async-profiler-src.tar.gz (or $ASPROF_SRC), which it
# builds once into testdata/gen/build/async-profiler (ignored by git).
#
# Per JDK (label jdkNN from `java -version`), in testdata/jfr/jdkNN/:
#   leak.jfr.gz               --nativemem 0: every malloc and free (gzipped)
#   leak-sampled.jfr          --nativemem 512k: sampled
#   fixed.jfr.gz              --nativemem 0, the same JVM with the leak fixed (-Xint)
#   collapsed/lc-N.txt.gz     jfrconv --nativemem --leak --tail 0 --total -o collapsed
#   pprof/lc-N.pb.gz          jfrconv --nativemem --leak --tail 0 --total -o pprof
#   sampled-collapsed/, sampled-pprof/   the same of leak-sampled.jfr
# where lc-N is the recording up to the end of lifecycle N (--to N x PERIOD).
# fixed.jfr.gz and the conversions of leak.jfr (collapsed/, pprof/; 400 KB
# each) are written for the JDKs named in $FULL (default jdk17) only, to keep
# testdata small.
# In testdata/jfr/other/, JFR files that are no nativemem recording:
#   jdk17-flight-recorder.jfr.gz  the JDK's own Flight Recorder, no events enabled
#   cpu.jfr                       async-profiler's CPU profiler (event=cpu)
#   killed.jfr                    nativemem=512k, the JVM killed (kill -9) after
#                                 lifecycle 1: a recording never finished
#
# Lifecycles are paced by the recording's clock so that --every PERIOD cuts
# it in the quiet time between two lifecycles: lifecycle N starts PERIOD/2
# after the (N-1)-th multiple of PERIOD since the recording started, and
# the script fails if a lifecycle was not over by its multiple of PERIOD.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$root/testdata/jfr"
build="$root/testdata/gen/build"
lifecycles=${LIFECYCLES:-6}
period_ms=${PERIOD_MS:-12000}
# The warm-up cache interns fewer strings than in the NMT series (40 000):
# every one is a malloc event, and the recordings must stay small.
interned=${INTERNED:-4000}
full_for=${FULL:-jdk17}
# Idle monitors are deflated every 0.5 s instead of every 60 s, so that the
# monitors Thread.join inflates in each lifecycle are gone at the next quiet
# point. The JVM without the leak runs interpreted (-Xint): a compiling JVM
# keeps compiling for minutes as methods cross its thresholds, and each new
# method's metadata (ImmutableOopMapSet::build_from, about 50 bytes, kept
# while the code lives) grows its native memory a little in most lifecycles.
jvm_opts=(-XX:MaxDirectMemorySize=1g -Xmx256m -XX:+UseSerialGC
	-XX:+UnlockDiagnosticVMOptions -XX:GuaranteedAsyncDeflationInterval=500 -Dtm.interned="$interned")
src=${ASPROF_SRC:-$root/../shared/tools/async-profiler-src.tar.gz}
asprof=$build/async-profiler/build/bin/asprof

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

# rec_start_ms REC prints the start of a recording in ms since the epoch:
# async-profiler writes the chunk header, with its start time in ns at
# byte 32, as soon as it starts.
rec_start_ms() {
	local hex
	hex=$(od -An -tx1 -j32 -N8 "$1" | tr -d ' \n')
	[ ${#hex} -eq 16 ] || die "no chunk header in $1"
	echo $((16#$hex / 1000000))
}

# wait_file FILE PID waits until FILE exists while the JVM PID runs.
wait_file() {
	while [ ! -e "$1" ]; do
		kill -0 "$2" 2>/dev/null || die "JVM exited early (see $(dirname "$1")/stderr.txt)"
		sleep 0.02
	done
}

# record JH WORK MODE OPTS REC: starts the TaskManager, attaches
# async-profiler (asprof start) once the JVM is up, runs the lifecycles
# paced by the recording's clock and stops the profiler (asprof stop) after
# the last one, writing the recording to REC. Lifecycle N starts PERIOD/2
# after the recording's (N-1)-th multiple of PERIOD and must end before the
# N-th: there --every PERIOD cuts.
record() {
	local jh=$1 work=$2 mode=$3 aopts=$4 rec=$5
	local dir
	dir="$work/run-$mode-$(basename "$rec")"
	mkdir -p "$dir"
	rm -f "$rec"
	local opts=("${jvm_opts[@]}")
	if [ "$mode" = fixed ]; then opts+=(-Xint); fi
	"$jh/bin/java" "${opts[@]}" -cp "$work/classes" TaskManager "$dir" "$lifecycles" "$mode" >"$dir/stdout.txt" 2>"$dir/stderr.txt" &
	local pid=$!
	wait_file "$dir/ready-0" "$pid"
	"$asprof" start -e nativemem $aopts -f "$rec" "$pid" >"$dir/asprof.txt" 2>&1 || { cat "$dir/asprof.txt" >&2; die "asprof start failed"; }
	local start lc
	start=$(rec_start_ms "$rec")
	for lc in $(seq 0 "$lifecycles"); do
		if [ "$lc" -gt 0 ]; then
			wait_file "$dir/ready-$lc" "$pid"
			local late=$(($(now_ms) - start - lc * period_ms))
			[ "$late" -lt 0 ] || die "lifecycle $lc ended $late ms after its cut: the machine is too busy (raise PERIOD_MS)"
		fi
		if [ "$lc" -eq "$lifecycles" ]; then
			while [ "$(now_ms)" -lt $((start + lc * period_ms + 100)) ]; do sleep 0.02; done
			"$asprof" stop "$pid" >>"$dir/asprof.txt" 2>&1 || { cat "$dir/asprof.txt" >&2; die "asprof stop failed"; }
		else
			while [ "$(now_ms)" -lt $((start + lc * period_ms + period_ms / 2)) ]; do sleep 0.02; done
		fi
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

# write_truth DIR FULL writes the ground truth of a JDK's recordings (FULL:
# true when fixed.jfr.gz was written).
write_truth() {
	cat >"$1/truth.json" <<-EOF
	{"format": "jfr", "metric": "inuse_space", "unit": "bytes", "lifecycles": $lifecycles,
	 "every_ms": $period_ms, "marker": "LeakyOperator\\\\.open",
	 "sampled": {"leak-sampled.jfr": 524288, "sampled-collapsed": 524288, "sampled-pprof": 524288},
	 "leaks": [{"function": "TaskManager\$LeakyOperator.allocChunk", "bytes_per_lifecycle": 8388608,
	            "allocations_per_lifecycle": 1024}],
	 "plateau_frames": ["TaskManager.warmUp"],
	 "no_leak": [$($2 && echo '"fixed.jfr.gz"')],
	 "note": "LeakyOperator.open calls allocChunk 512 times per lifecycle; each allocates a direct ByteBuffer and an Unsafe block of 8 KiB that close() never frees (fixed.jfr.gz: close() frees them). warmUp (lifecycles 1 and 2) starts 8 parked threads and interns $interned strings: plateaus."}
	EOF
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
	record "$jh" "$work" leaky "--nativemem 0" "$work/leak.jfr"
	record "$jh" "$work" leaky "--nativemem 512k" "$d/leak-sampled.jfr"
	local full=false
	if [[ " $full_for " == *" $label "* ]]; then
		full=true
		record "$jh" "$work" fixed "--nativemem 0" "$work/fixed.jfr"
		convert "$work/leak.jfr" "$d/collapsed" collapsed txt.gz
		convert "$work/leak.jfr" "$d/pprof" pprof pb.gz
		gzip -n -9 -c "$work/fixed.jfr" >"$d/fixed.jfr.gz"
	fi
	convert "$d/leak-sampled.jfr" "$d/sampled-collapsed" collapsed txt.gz
	convert "$d/leak-sampled.jfr" "$d/sampled-pprof" pprof pb.gz
	gzip -n -9 -c "$work/leak.jfr" >"$d/leak.jfr.gz"
	write_truth "$d" "$full"
	echo "gen.sh: $label: jfrconv's reading of the leak (8 MiB per lifecycle planted):" >&2
	if [ -d "$d/collapsed" ]; then
		check_truth "$d/collapsed" 0 8388608 0
	fi
	check_truth "$d/sampled-collapsed" 524288 8388608 0.25
	rm -rf "$work"
}

# run_other writes the JFR files of other recorders and modes, from a
# program that prints one line.
run_other() {
	local jh=$1 work
	work=$(mktemp -d)
	rm -rf "$out/other"
	mkdir -p "$out/other"
	printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$work/Hello.java"
	"$jh/bin/javac" -d "$work" "$work/Hello.java"
	# A Flight Recorder configuration with no event: the file holds the
	# JDK's metadata and constant pools only.
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<configuration version="2.0" label="none"></configuration>\n' >"$work/none.jfc"
	"$jh/bin/java" -XX:StartFlightRecording:filename="$work/jdk.jfr",settings="$work/none.jfc" -cp "$work" Hello >/dev/null 2>&1
	local major
	major=$("$jh/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
	gzip -n -9 -c "$work/jdk.jfr" >"$out/other/jdk$major-flight-recorder.jfr.gz"
	"$jh/bin/java" -agentpath:"$build/async-profiler/build/lib/libasyncProfiler.so=start,event=cpu,interval=100ms,file=$out/other/cpu.jfr" \
		-cp "$work" Hello >/dev/null 2>&1
	mkdir "$work/classes" "$work/killed"
	"$jh/bin/javac" -nowarn -XDignore.symbol.file -d "$work/classes" "$root/testdata/gen/nmt/TaskManager.java" 2>/dev/null
	"$jh/bin/java" "${jvm_opts[@]}" -cp "$work/classes" TaskManager "$work/killed" 3 leaky >/dev/null 2>&1 &
	local pid=$!
	wait_file "$work/killed/ready-0" "$pid"
	"$asprof" start -e nativemem --nativemem 512k -f "$out/other/killed.jfr" "$pid" >/dev/null
	touch "$work/killed/go-0"
	wait_file "$work/killed/ready-1" "$pid"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	rm -rf "$work"
}

build_asprof "$1"
for jh in "$@"; do
	run_one "$jh"
done
run_other "$1"
