#!/bin/bash
# gen.sh writes the jemalloc churn series (testdata/jemalloc/churn-*): a C
# service under jemalloc's default heap sampling (lg_prof_sample:19) with one
# small leak among 56 churning sites, an LRU cache and a thread pool. See
# testdata/README.md ("churn") and churn.c.
#
# Usage (from anywhere): testdata/gen/churn/gen.sh
# Needs gcc, jemalloc with profiling (Debian libjemalloc-dev) and readelf.
# Sampling is random (jemalloc seeds its sampler per process), so every run
# writes another draw; the program's own behaviour is seeded (-seed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
GEN=$ROOT/testdata/gen
TD=$ROOT/testdata
BUILD=$GEN/build
BIN=$BUILD/churn-jemalloc
mkdir -p "$BUILD" "$TD/bin"
gcc -O1 -g -fno-omit-frame-pointer -fPIE -pie -Wl,--build-id -Wall -Wextra "-ffile-prefix-map=$ROOT=." \
	-o "$BIN" "$GEN/churn/churn.c" -ljemalloc -lpthread -lm
cp "$BIN" "$TD/bin/"
BUILD_ID=$(readelf -n "$BIN" | awk '/Build ID/ { print $3 }')

# run DIR ARGS... runs one process with default sampling and appends its
# "lcK leaked_usable BYTES" lines to DIR/usable.txt.
run() {
	local d=$1
	shift
	MALLOC_CONF=prof:true "$BIN" "$@" -o "$d" >>"$d/usable.txt"
}

# truth DIR FILES LIFECYCLES LEAK SPAN VERDICT NOTE writes DIR/truth.json;
# bytes_per_lifecycle is the mean usable size the program leaked per
# lifecycle. SPAN is the last lifecycle number minus the first: the leak
# gathers K = bytes_per_lifecycle x SPAN / 524288 samples on average, so its
# measured growth is off by about 1/sqrt(K) (Poisson); the tolerance is two
# of those.
truth() {
	local usable tol
	usable=$(awk '{ s += $3 } END { printf "%.0f", s / NR }' "$1/usable.txt")
	tol=$(awk -v u="$usable" -v s="$5" 'BEGIN { printf "%d", 200 / sqrt(u * s / 524288) + 0.999 }')
	cat >"$1/truth.json" <<EOF
{
  "format": "jemalloc",
  "metric": "inuse_space",
  "unit": "bytes",
  "lifecycles": $3,
  "files": "$2",
  "binary": "testdata/bin/churn-jemalloc",
  "binary_build_id": "$BUILD_ID",
  "sampling_period": 524288,
  "sampled": true,
  "growth_tolerance_pct": $tol,
  "leaks": [
    {"function": "session_registry_add", "bytes_per_lifecycle": $usable, "requested_bytes_per_lifecycle": $4, "verdict": "$6"}
  ],
  "plateau": ["worker_context_alloc"],
  "noise": ["lru_cache_put"],
  "churn": "churn_alloc_10 .. churn_alloc_77 (56 sites): stationary random working sets, never a leak",
  "steady": ["load_config"],
  "transient": ["record_buffer_alloc"],
  "note": "$7"
}
EOF
	rm "$1/usable.txt"
	gzip -9n "$1"/*.heap
}

fresh() { rm -rf "$1" && mkdir -p "$1"; }

d=$TD/jemalloc/churn-256k
fresh "$d"
run "$d" -n 15 -leak 262144 -seed 1
truth "$d" "lc1.heap.gz .. lc15.heap.gz from one process" 15 262144 14 leak \
	"256 KiB per lifecycle of 64..4096 B objects is about half a sample per lifecycle at the default 512 KiB period: the leak reads as a staircase of ~525 KB quanta. bytes_per_lifecycle is jemalloc's usable size of what leaked."

d=$TD/jemalloc/churn-gaps
fresh "$d"
run "$d" -n 10 -leak 1048576 -seed 2
rm "$d"/lc3.heap "$d"/lc6.heap "$d"/lc8.heap
truth "$d" "lc1,2,4,5,7,9,10 .heap.gz from one process (snapshots after lifecycles 3, 6 and 8 were not taken): read with --lifecycle-regex 'lc(\\\\d+)'" 7 1048576 9 leak \
	"1 MiB per lifecycle of 64..4096 B objects; irregular snapshots: growth is per lifecycle number, not per snapshot."

d=$TD/jemalloc/churn-restart
fresh "$d"
run "$d" -n 5 -leak 1048576 -seed 3
run "$d" -n 5 -first 6 -leak 1048576 -seed 3
truth "$d" "lc1..lc5.heap.gz from process A, lc6..lc10.heap.gz from process B (same program restarted after lifecycle 5)" 10 1048576 9 noise \
	"The process restarted after lifecycle 5: what A leaked was returned when it exited, so session_registry_add is a saw-tooth (it rises 1 MiB per lifecycle within each process). Over the whole series it is not a trend: the verdict is noise; judge lc1-5 and lc6-10 as separate series to see the leak in each."
ls -la "$TD"/jemalloc/churn-* | head -50
du -sh "$TD"/jemalloc/churn-* "$TD/bin/churn-jemalloc"
