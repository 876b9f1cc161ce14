#!/usr/bin/env bash
# run.sh measures dumpdiff against the physical floor of reading its input,
# on series that bench/gen writes (small, medium and large tiers shaped like
# a large C++/JVM service), and prints the README's Performance table:
# wall time on two cores, the ratio to the floor measured in the same run,
# peak RSS, and whether the planted leak ranks first.
#
# Usage:   bench/run.sh [small] [medium] [large]     (default: all three)
# Env:     BENCH_DIR  where series and binaries go (default $TMPDIR/dumpdiff-bench;
#                     series are generated once and reused)
#          REPEAT     runs per measurement, the fastest kept (default 3)
#          CORES      GOMAXPROCS and floor -j for the measured runs (default 2)
# Needs:   go, GNU time (/usr/bin/time) for peak RSS.
#
# Measure on an idle machine: the ratios hold under load only roughly, the
# absolute times not at all.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/dumpdiff-bench}
REPEAT=${REPEAT:-3}
CORES=${CORES:-2}
TIERS=("$@")
[ ${#TIERS[@]} -gt 0 ] || TIERS=(small medium large)
BIN=$BENCH_DIR/bin
mkdir -p "$BIN"

die() { echo "run.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time"

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
# and $rss (KB) from the fastest run; the command's stdout goes to
# $BENCH_DIR/NAME.out.
measure() {
	local name=$1 best="" bestrss=0 out=$BENCH_DIR/$1.out tfile=$BENCH_DIR/$1.time
	shift
	for _ in $(seq "$REPEAT"); do
		GOMAXPROCS=$CORES /usr/bin/time -f "%e %M" -o "$tfile" "$@" >"$out"
		read -r s r <"$tfile"
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s bestrss=$r
		fi
	done
	secs=$best rss=$bestrss
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

rows=()
row() { rows+=("| $(printf '%s | ' "$@")"); }

for tier in "${TIERS[@]}"; do
	dir=$(series "$tier" 10)
	files=("$dir"/lc*.pb.gz)
	size=$(mb "${files[@]}")
	measure "floor-$tier" "$BIN/floor" -j "$CORES" "${files[@]}"
	floor=$secs floorrss=$rss
	measure "trend-$tier" "$BIN/dumpdiff" trend --top 10 "$dir"
	row "$tier: trend, 10 × $((size / 10)) MB" "$floor s" "$secs s" "$(ratio "$secs" "$floor")" "$(mib "$rss")" "$(leakFirst "$dir" "$BENCH_DIR/trend-$tier.out")"
	trend=$secs
	if [ "$tier" = medium ]; then # large writes ~20 GB of JSON
		measure "json-$tier" "$BIN/dumpdiff" trend --top 0 --format json "$dir"
		row "$tier: trend --top 0 --format json ($(mb "$BENCH_DIR/json-$tier.out") MB)" "$floor s" "$secs s" "$(ratio "$secs" "$floor") (+$(awk -v a="$secs" -v b="$trend" 'BEGIN { printf "%.0f%%", 100 * (a - b) / b }') on trend)" "$(mib "$rss")" ""
		rm -f "$BENCH_DIR/json-$tier.out"
	fi
	if [ "$tier" != small ]; then
		pair=("${files[0]}" "${files[-1]}")
		measure "floor2-$tier" "$BIN/floor" -j "$CORES" "${pair[@]}"
		floor2=$secs
		measure "compare-$tier" "$BIN/dumpdiff" compare "${pair[@]}"
		row "$tier: compare first last" "$floor2 s" "$secs s" "$(ratio "$secs" "$floor2")" "$(mib "$rss")" ""
	fi
	if [ "$tier" = small ]; then
		dir40=$(series small 40)
		measure "trend-small40" "$BIN/dumpdiff" trend --top 10 "$dir40"
		row "small: trend, 40 snapshots" "" "$secs s" "$(ratio "$secs" "$trend") the cost of 10" "$(mib "$rss")" "$(leakFirst "$dir40" "$BENCH_DIR/trend-small40.out")"
	fi
done

echo
echo "dumpdiff $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), GOMAXPROCS=$CORES, fastest of $REPEAT"
echo
echo "| what | floor ($CORES cores) | dumpdiff ($CORES cores) | ratio | peak RSS | leak first |"
echo "|---|--:|--:|--:|--:|:-:|"
printf '%s\n' "${rows[@]}"
