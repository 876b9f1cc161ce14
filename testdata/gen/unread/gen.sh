#!/bin/bash
# gen.sh writes testdata/unread: real files in formats dumpdiff recognises
# but does not read, so that detection names them instead of calling them
# corrupt (see testdata/README.md, "unread"). Each file is small.
#
# Usage (from anywhere): testdata/gen/unread/gen.sh
# Needs heaptrack, zstd, xz, bzip2, gzip and a JDK 17 (java with JFR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$root/testdata/unread
jh=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# A heaptrack recording of /bin/true: heaptrack 1.4 writes zstd-compressed
# text ("v 10400 3", "X /bin/true", ...). Older heaptrack wrote the same
# text gzipped, which is what the .gz file is.
heaptrack -o "$work/heaptrack-true" /bin/true >/dev/null 2>&1
cp "$work/heaptrack-true.zst" "$out/heaptrack-true.zst"
zstd -q -dc "$out/heaptrack-true.zst" | gzip -n -9 >"$out/heaptrack-true.gz"

# A Java Flight Recorder recording (what async-profiler and JDK Flight
# Recorder write) of java -version with no events enabled: only the
# recording's metadata, gzipped to keep it small.
printf '<?xml version="1.0" encoding="UTF-8"?>\n<configuration version="2.0"></configuration>\n' >"$work/none.jfc"
"$jh/bin/java" -XX:StartFlightRecording=filename="$work/version.jfr",settings="$work/none.jfc" -version >/dev/null 2>&1
gzip -n -9 -c "$work/version.jfr" >"$out/java-version.jfr.gz"

# A real NMT report compressed with the tools people use on logs.
src=$root/testdata/nmt/jdk17-summary/lc-01.txt
xz -9 -c "$src" >"$out/nmt-summary.txt.xz"
bzip2 -9 -c "$src" >"$out/nmt-summary.txt.bz2"
zstd -q -19 -c "$src" >"$out/nmt-summary.txt.zst"
ls -l "$out"
