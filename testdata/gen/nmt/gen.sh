#!/usr/bin/env bash
# gen.sh regenerates dumpdiff's real JVM Native Memory Tracking series under
# testdata/nmt/ by running TaskManager.java (a Flink-like TaskManager with a
# planted off-heap leak) under -XX:NativeMemoryTracking=detail and capturing
# jcmd VM.native_memory output at the quiet point after every lifecycle.
#
# Usage: testdata/gen/nmt/gen.sh [JAVA_HOME...]
#        ONLY=series|variants testdata/gen/nmt/gen.sh   (one of the two parts below)
# Default: every JDK in /usr/lib/jvm among openjdk-17 / temurin-25 that exists.
# Series written per JDK (label jdkNN from `java -version`):
#   jdkNN-summary/lc-0N.txt     summary, scale=KB (default), every lifecycle
#   jdkNN-summary-mb/lc-0N.txt  summary scale=MB, every lifecycle
#   jdkNN-detail/lc-0N.txt      detail, scale=KB, every lifecycle (gzipped)
#   jdkNN-diff/summary.diff.txt, detail.diff.txt.gz  baseline after lifecycle 1, diff after the last
#   jdkNN-exit/exit.txt         -XX:+PrintNMTStatistics output at JVM exit (stdout) of a
#                               second run at NativeMemoryTracking=summary
#   jdkNN-variants/             other collectors, scales and jcmd answers (run_variants below)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$root/testdata/nmt"
lifecycles=${LIFECYCLES:-6}

if [ $# -eq 0 ]; then
	for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
		[ -x "$j/bin/java" ] && set -- "$@" "$j"
	done
fi
[ $# -gt 0 ] || { echo "gen.sh: no JDK found" >&2; exit 1; }

run_one() {
	local jh=$1
	local major
	major=$("$jh/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
	local label="jdk$major"
	local work
	work=$(mktemp -d)
	echo "gen.sh: $label from $jh in $work" >&2
	"$jh/bin/javac" -nowarn -XDignore.symbol.file -d "$work" "$here/TaskManager.java" 2>/dev/null
	"$jh/bin/java" -XX:NativeMemoryTracking=detail \
		-XX:MaxDirectMemorySize=1g -Xmx256m -XX:+UseSerialGC \
		-cp "$work" TaskManager "$work" "$lifecycles" >"$work/stdout.txt" 2>"$work/stderr.txt" &
	local pid=$!
	for s in summary summary-mb detail diff exit; do
		rm -rf "${out:?}/$label-$s"
		mkdir -p "$out/$label-$s"
	done
	local lc
	for lc in $(seq 1 "$lifecycles"); do
		while [ ! -e "$work/ready-$lc" ]; do
			kill -0 "$pid" 2>/dev/null || { cat "$work/stderr.txt" >&2; echo "gen.sh: JVM exited early" >&2; exit 1; }
			sleep 0.1
		done
		local n
		n=$(printf '%02d' "$lc")
		"$jh/bin/jcmd" "$pid" VM.native_memory summary >"$out/$label-summary/lc-$n.txt"
		"$jh/bin/jcmd" "$pid" VM.native_memory summary scale=MB >"$out/$label-summary-mb/lc-$n.txt"
		"$jh/bin/jcmd" "$pid" VM.native_memory detail >"$out/$label-detail/lc-$n.txt"
		if [ "$lc" -eq 1 ]; then
			"$jh/bin/jcmd" "$pid" VM.native_memory baseline >"$work/baseline.txt"
		fi
		if [ "$lc" -eq "$lifecycles" ]; then
			"$jh/bin/jcmd" "$pid" VM.native_memory summary.diff >"$out/$label-diff/summary.diff.txt"
			"$jh/bin/jcmd" "$pid" VM.native_memory detail.diff >"$out/$label-diff/detail.diff.txt"
		fi
		touch "$work/go-$lc"
	done
	wait "$pid"
	cat "$work/stderr.txt" >&2
	# Detail reports are 100-170 KB each: they are kept gzipped (dumpdiff
	# reads gzipped snapshots) to keep testdata small.
	gzip -n -9 "$out/$label-detail/"*.txt "$out/$label-diff/detail.diff.txt"
	# The exit statistics come from a second run at summary level: at detail
	# level they would repeat a whole detail report (about 600 KB). Every
	# go-N file exists up front, so this run does not pause.
	mkdir "$work/exit"
	for lc in $(seq 1 "$lifecycles"); do touch "$work/exit/go-$lc"; done
	"$jh/bin/java" -XX:NativeMemoryTracking=summary -XX:+UnlockDiagnosticVMOptions -XX:+PrintNMTStatistics \
		-XX:MaxDirectMemorySize=1g -Xmx256m -XX:+UseSerialGC \
		-cp "$work" TaskManager "$work/exit" "$lifecycles" >"$out/$label-exit/exit.txt" 2>/dev/null
	rm -rf "$work"
}

# run_variants writes jdkNN-variants/: reports that differ from the series
# above in what a user may capture, and jcmd's answers when there is no
# report. Each file parses to its own Total: line, or fails with jcmd's
# message (the .out files).
#   summary-g1-gb.txt        G1 (the default collector), NMT=summary, scale=GB
#   summary.diff-g1-mb.txt   G1, baseline after lifecycle 1, summary.diff scale=MB after 2
#   detail-at-summary-level.out, diff-without-baseline.out, scale-tb.out
#                            jcmd's message for detail at summary level, summary.diff
#                            before any baseline, scale=TB
#   nmt-off.out              summary of a JVM started without NMT
#   exit-zgc-detail.txt.gz   ZGC, NMT=detail, -XX:+PrintNMTStatistics at exit: a whole
#                            detail report followed by the JVM's metaspace statistics
run_variants() {
	local jh=$1
	local major
	major=$("$jh/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
	local label="jdk$major" dir="$out/jdk$major-variants"
	local work
	work=$(mktemp -d)
	echo "gen.sh: $label variants from $jh in $work" >&2
	"$jh/bin/javac" -nowarn -XDignore.symbol.file -d "$work" "$here/TaskManager.java" 2>/dev/null
	rm -rf "$dir"
	mkdir -p "$dir"
	# wait_ready DIR PID LC
	wait_ready() {
		while [ ! -e "$1/ready-$3" ]; do
			kill -0 "$2" 2>/dev/null || { echo "gen.sh: JVM exited early" >&2; exit 1; }
			sleep 0.1
		done
	}
	mkdir "$work/g1" "$work/off" "$work/zgc"
	"$jh/bin/java" -XX:NativeMemoryTracking=summary -XX:MaxDirectMemorySize=1g -Xmx256m \
		-cp "$work" TaskManager "$work/g1" 2 >/dev/null 2>&1 &
	local pid=$!
	wait_ready "$work/g1" "$pid" 1
	"$jh/bin/jcmd" "$pid" VM.native_memory summary scale=GB >"$dir/summary-g1-gb.txt"
	"$jh/bin/jcmd" "$pid" VM.native_memory detail >"$dir/detail-at-summary-level.out"
	"$jh/bin/jcmd" "$pid" VM.native_memory summary.diff >"$dir/diff-without-baseline.out"
	"$jh/bin/jcmd" "$pid" VM.native_memory summary scale=TB >"$dir/scale-tb.out"
	"$jh/bin/jcmd" "$pid" VM.native_memory baseline >/dev/null
	touch "$work/g1/go-1"
	wait_ready "$work/g1" "$pid" 2
	"$jh/bin/jcmd" "$pid" VM.native_memory summary.diff scale=MB >"$dir/summary.diff-g1-mb.txt"
	touch "$work/g1/go-2"
	wait "$pid"
	"$jh/bin/java" -XX:MaxDirectMemorySize=1g -Xmx256m -cp "$work" TaskManager "$work/off" 1 >/dev/null 2>&1 &
	pid=$!
	wait_ready "$work/off" "$pid" 1
	"$jh/bin/jcmd" "$pid" VM.native_memory summary >"$dir/nmt-off.out"
	touch "$work/off/go-1"
	wait "$pid"
	touch "$work/zgc/go-1"
	"$jh/bin/java" -XX:NativeMemoryTracking=detail -XX:+UnlockDiagnosticVMOptions -XX:+PrintNMTStatistics \
		-XX:+UseZGC -XX:MaxDirectMemorySize=1g -Xmx256m \
		-cp "$work" TaskManager "$work/zgc" 1 2>/dev/null | gzip -n -9 >"$dir/exit-zgc-detail.txt.gz"
	rm -rf "$work"
}

for jh in "$@"; do
	[ "${ONLY:-}" = variants ] || run_one "$jh"
	[ "${ONLY:-}" = series ] || run_variants "$jh"
done
