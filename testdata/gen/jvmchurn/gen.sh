#!/bin/bash
# gen.sh writes testdata/nmt/jvm-churn-direct and jvm-churn-metaspace: NMT
# summaries (jcmd PID VM.native_memory summary, scale KB) after each of 12
# lifecycles of JvmChurn.java, with JIT, GC and thread noise and one leak:
# 1.5 MiB of direct buffers per lifecycle (Other), or a URLClassLoader with
# 150 classes kept per lifecycle (Class, Metaspace). See testdata/README.md
# ("jvm-churn").
#
# Usage (from anywhere): testdata/gen/jvmchurn/gen.sh [direct] [JAVA_HOME]
# Needs a JDK (default /usr/lib/jvm/java-17-openjdk-amd64). Only
# jvm-churn-metaspace is committed (the direct-buffer leak is what the
# jdkNN-summary series already show); "direct" also writes jvm-churn-direct.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
direct=false
if [ "${1:-}" = direct ]; then
	direct=true
	shift
fi
jh=${1:-/usr/lib/jvm/java-17-openjdk-amd64}
N=12
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$jh/bin/javac" -nowarn -d "$work" "$here/JvmChurn.java"
# 150 small plugin classes for the class loader leak, each with a few
# methods so it takes some metaspace.
mkdir -p "$work/plugin-src" "$work/plugins"
for i in $(seq 0 149); do
	{
		echo "public class Plugin$i {"
		for m in 0 1 2 3 4 5; do
			echo "  static int f$m(int x) { int y = x * $((i + m + 1)); for (int k = 0; k < $m; k++) y ^= y << 3; return y + \"p$i-$m\".length(); }"
		done
		echo "  public static int run(int x) { return f0(x) + f1(x) + f2(x) + f3(x) + f4(x) + f5(x); }"
		echo "}"
	} >"$work/plugin-src/Plugin$i.java"
done
"$jh/bin/javac" -nowarn -d "$work/plugins" "$work/plugin-src"/*.java

run() {
	local mode=$1 out=$root/testdata/nmt/$2 d=$work/$1
	rm -rf "$out" && mkdir -p "$out" "$d"
	"$jh/bin/java" -XX:NativeMemoryTracking=summary -Xmx256m -XX:MaxDirectMemorySize=1g \
		-cp "$work" JvmChurn "$d" $N "$mode" "$work/plugins" >"$d/stdout" 2>"$d/stderr" &
	local pid=$! lc
	for lc in $(seq 1 $N); do
		while [ ! -e "$d/ready-$lc" ]; do
			kill -0 $pid 2>/dev/null || { cat "$d/stderr" >&2; echo "gen.sh: JVM exited early" >&2; exit 1; }
			sleep 0.05
		done
		"$jh/bin/jcmd" $pid VM.native_memory summary >"$out/lc-$(printf %02d "$lc").txt"
		touch "$d/go-$lc"
	done
	wait $pid
}
run classloader jvm-churn-metaspace
$direct && run direct jvm-churn-direct
jdk=$("$jh/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)
$direct && cat >"$root/testdata/nmt/jvm-churn-direct/truth.json" <<EOF
{"format": "nmt", "metric": "committed", "lifecycles": $N, "jdk": "$jdk",
 "leaks": [{"category": "Other", "function": "Other", "bytes_per_lifecycle": 1572864}],
 "plateau": ["Thread"],
 "note": "24 direct ByteBuffers of 64 KiB kept per lifecycle. JIT, GC, short-lived threads and transient direct buffers are noise; a worker pool grows by 2 threads in lifecycles 1-3 (Thread). The JVM's own bookkeeping grows a little every lifecycle for real (GC, Code, Native Memory Tracking, Object Monitors: KB per lifecycle) and reads as small leaks ranked far below Other."}
EOF
cat >"$root/testdata/nmt/jvm-churn-metaspace/truth.json" <<EOF
{"format": "nmt", "metric": "committed", "lifecycles": $N, "jdk": "$jdk",
 "leaks": [{"category": "Metaspace", "function": "Metaspace"}, {"category": "Class", "function": "Class"}],
 "plateau": ["Thread"],
 "note": "A URLClassLoader loading 150 classes (6 methods each) is kept per lifecycle: Metaspace and Class (its committed class space and malloc) grow every lifecycle; NMT gives no byte count to compare with, so the truth is the categories. Module grows with it (each loader has an unnamed module). Noise as in jvm-churn-direct."}
EOF
"$jh/bin/java" -version 2>&1 | head -1
du -sh "$root"/testdata/nmt/jvm-churn-*
