#!/usr/bin/env bash
# gen.sh regenerates dumpdiff's real JVM Native Memory Tracking series under
# testdata/nmt/ by running TaskManager.java (a Flink-like TaskManager with a
# planted off-heap leak) under -XX:NativeMemoryTracking=detail and capturing
# jcmd VM.native_memory output at the quiet point after every lifecycle.
#
# Usage: testdata/gen/nmt/gen.sh [JAVA_HOME...]
# Default: every JDK in /usr/lib/jvm among openjdk-17 / temurin-25 that exists.
# Series written per JDK (label jdkNN from `java -version`):
#   jdkNN-summary/lc-0N.txt     summary, scale=KB (default), every lifecycle
#   jdkNN-summary-mb/lc-0N.txt  summary scale=MB, every lifecycle
#   jdkNN-detail/lc-0N.txt      detail, scale=KB, every lifecycle (gzipped)
#   jdkNN-diff/summary.diff.txt, detail.diff.txt.gz  baseline after lifecycle 1, diff after the last
#   jdkNN-exit/exit.txt         -XX:+PrintNMTStatistics output at JVM exit (stdout) of a
#                               second run at NativeMemoryTracking=summary
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

for jh in "$@"; do
	run_one "$jh"
done
