#!/usr/bin/env bash
# run.sh measures dumpdiff against the physical floor of reading its input,
# on series that bench/gen writes (small, medium and large tiers shaped like
# a large C++/JVM service), and prints the README's Performance table:
# wall time and CPU time (user + sys) on two cores, the ratios to the floor
# measured in the same run, peak RSS, and whether the planted leak ranks
# first; then the text readers' throughput (jemalloc, tcmalloc, NMT detail)
# on inputs their benchmarks generate.
#
# Usage:   bench/run.sh [small] [medium] [large] [text]   (default: all four)
# Env:     BENCH_DIR  where series and binaries go (default $TMPDIR/dumpdiff-bench;
#                     series are generated once and reused; large needs ~5 GB)
#          REPEAT     runs per measurement, the fastest kept (default 3)
#          CORES      GOMAXPROCS and floor -j for the measured runs (default 2)
# Needs:   go, GNU time (/usr/bin/time) for CPU time and peak RSS.
#
# Measure on an idle machine: the ratios hold under load only roughly, the
# absolute times not at all. On a shared machine read the CPU columns: CPU
# seconds grow less than wall time when other processes take the cores.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/dumpdiff-bench}
REPEAT=${REPEAT:-3}
CORES=${CORES:-2}
TIERS=("$@")
[ ${#TIERS[@]} -gt 0 ] || TIERS=(small medium large text)
BIN=$BENCH_DIR/bin
mkdir -p "$BIN"

die() { echo "run.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed for CPU time and peak RSS: apt-get install time"

echo "building dumpdiff, bench/gen and bench/floor" >&2
go build -o "$BIN/dumpdiff" ./cmd/dumpdiff
go build -o "$BIN/gen" ./bench/gen
go build -o "$BIN/floor" ./bench/floor

# series TIER K prints the directory of a generated series, writing it the
# first time.
series() {
	local dir=$BENCH_DIR/$1-$2
	if [ ! -f "$dir/truth.json" ]; then
		echo "generating $1 series of $2 snapshots in $dir" >&2
		rm -rf "$dir"
		"$BIN/gen" -tier "$1" -k "$2" -out "$dir"
	fi
	echo "$dir"
}

# measure NAME CMD... runs CMD REPEAT times on CORES cores and sets $secs
# and $rss (KB) from the fastest run, and $cpu from the run that took the
# least CPU time (user + sys); the command's stdout goes to
# $BENCH_DIR/NAME.out.
measure() {
	local name=$1 best="" bestrss=0 bestcpu="" out=$BENCH_DIR/$1.out tfile=$BENCH_DIR/$1.time
	shift
	for _ in $(seq "$REPEAT"); do
		GOMAXPROCS=$CORES /usr/bin/time -f "%e %M %U %S" -o "$tfile" "$@" >"$out"
		read -r s r u k <"$tfile"
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s bestrss=$r
		fi
		c=$(awk -v u="$u" -v k="$k" 'BEGIN { printf "%.2f", u + k }')
		if [ -z "$bestcpu" ] || awk -v a="$c" -v b="$bestcpu" 'BEGIN { exit !(a < b) }'; then
			bestcpu=$c
		fi
	done
	secs=$best rss=$bestrss cpu=$bestcpu
}

# leakFirst DIR OUT says whether the top site of a trend (tab-separated
# output) is the planted leak: its stack holds the leaking function.
leakFirst() {
	local leak
	leak=$(sed -n 's/^  "leak": "\(.*\)",$/\1/p' "$1/truth.json" | sed 's/\\u003c/</g; s/\\u003e/>/g; s/\\u0026/\&/g')
	if awk -F'\t' 'NR == 2' "$2" | grep -qF -- "$leak"; then echo yes; else echo NO; fi
}

mb() { du -cm "$@" | tail -1 | cut -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
more() { awk -v a="$1" -v b="$2" 'BEGIN { printf "+%.0f%%", 100 * (a - b) / b }'; }

rows=()
row() { rows+=("| $(printf '%s | ' "$@")"); }
textrows=()

for tier in "${TIERS[@]}"; do
	if [ "$tier" = text ]; then
		# The text readers' benchmarks generate a 64 MB dump each (a large
		# C++ service's jemalloc and tcmalloc stacks, a real JDK 25 NMT
		# detail report repeated under new names) and read it into a sink
		# that keeps nothing.
		echo "benchmarking the text readers" >&2
		GOMAXPROCS=$CORES go test ./parsers -run '^$' -bench '^BenchmarkRead(Jemalloc|Tcmalloc|NMTDetail)$' \
			-benchtime 5x -count "$REPEAT" -cpu "$CORES" >"$BENCH_DIR/text.out"
		for r in Jemalloc:jemalloc:200 Tcmalloc:tcmalloc:200 NMTDetail:"NMT detail":100; do
			IFS=: read -r bench label target <<<"$r"
			best=$(awk -v b="BenchmarkRead$bench-" 'index($1, b) == 1 { for (i = 2; i < NF; i++) if ($(i+1) == "MB/s" && $i > m) m = $i } END { printf "%.0f", m }' "$BENCH_DIR/text.out")
			bestcpu=$(awk -v b="BenchmarkRead$bench-" 'index($1, b) == 1 { for (i = 2; i < NF; i++) if ($(i+1) == "MB/cpu-s" && $i > m) m = $i } END { printf "%.0f", m }' "$BENCH_DIR/text.out")
			textrows+=("| $label | $best MB/s | $bestcpu MB/cpu-s | ≥ $target MB/s |")
		done
		continue
	fi
	dir=$(series "$tier" 10)
	files=("$dir"/lc*.pb.gz)
	size=$(mb "${files[@]}")
	measure "floor-$tier" "$BIN/floor" -j "$CORES" "${files[@]}"
	floor=$secs floorcpu=$cpu
	measure "trend-$tier" "$BIN/dumpdiff" trend --top 10 "$dir"
	row "$tier: trend, 10 × $((size / 10)) MB" "$floor s" "$secs s" "$(ratio "$secs" "$floor")" "$floorcpu s" "$cpu s" "$(ratio "$cpu" "$floorcpu")" "$(mib "$rss")" "$(leakFirst "$dir" "$BENCH_DIR/trend-$tier.out")"
	trend=$secs trendcpu=$cpu
	if [ "$tier" = medium ]; then # large writes ~20 GB of JSON
		json=$BENCH_DIR/json-$tier.out
		measure "json-$tier" "$BIN/dumpdiff" trend --top 0 --format json "$dir"
		jsonmb=$(mb "$json")
		row "$tier: trend --top 0 --format json ($jsonmb MB)" "$floor s" "$secs s" "$(ratio "$secs" "$floor") ($(more "$secs" "$trend") on trend)" "$floorcpu s" "$cpu s" "$(ratio "$cpu" "$floorcpu") ($(more "$cpu" "$trendcpu"))" "$(mib "$rss")" ""
		# What writing that many bytes to a file costs by itself: dd of the
		# same JSON into another file, through read and write as dumpdiff
		# writes it (cat may copy inside the kernel, copy_file_range).
		measure "write-$tier" dd if="$json" of="$json.copy" bs=256k status=none
		row "$tier: write floor, dd of the same $jsonmb MB into a file" "" "$secs s" "" "" "$cpu s" "" "" ""
		rm -f "$json" "$json.copy"
	fi
	if [ "$tier" != small ]; then
		pair=("${files[0]}" "${files[-1]}")
		measure "floor2-$tier" "$BIN/floor" -j "$CORES" "${pair[@]}"
		floor2=$secs floor2cpu=$cpu
		measure "compare-$tier" "$BIN/dumpdiff" compare "${pair[@]}"
		row "$tier: compare first last" "$floor2 s" "$secs s" "$(ratio "$secs" "$floor2")" "$floor2cpu s" "$cpu s" "$(ratio "$cpu" "$floor2cpu")" "$(mib "$rss")" ""
	fi
	if [ "$tier" = small ]; then
		dir40=$(series small 40)
		measure "trend-small40" "$BIN/dumpdiff" trend --top 10 "$dir40"
		row "small: trend, 40 snapshots" "" "$secs s" "$(ratio "$secs" "$trend") the cost of 10" "" "$cpu s" "$(ratio "$cpu" "$trendcpu") the cost of 10" "$(mib "$rss")" "$(leakFirst "$dir40" "$BENCH_DIR/trend-small40.out")"
	fi
done

echo
echo "dumpdiff $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end, GOMAXPROCS=$CORES, fastest of $REPEAT"
if [ ${#rows[@]} -gt 0 ]; then
	echo
	echo "| what | floor ($CORES cores) | dumpdiff ($CORES cores) | ratio | floor CPU | dumpdiff CPU | CPU ratio | peak RSS | leak first |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|:-:|"
	printf '%s\n' "${rows[@]}"
fi
if [ ${#textrows[@]} -gt 0 ]; then
	echo
	echo "| text reader, 64 MB generated | read ($CORES cores) | per CPU second | target |"
	echo "|---|--:|--:|--:|"
	printf '%s\n' "${textrows[@]}"
fi
