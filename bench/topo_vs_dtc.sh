#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/topo_vs_dtc.sh [IOMMU_TOOL [CACHE_DIR]]
#
# `iommu topo --json FILE` against `dtc -I dtb -O dts FILE`, one process per
# file, over every DTB of Debian's arm64 kernel package (~580; fetched once
# into CACHE_DIR by tests/corpus/debian_dtbs.py). Each side runs once to warm
# the page cache, then once timed. Prints both totals, the ratio dtc/ours and
# the limit: ours must take less total time (ratio > 1).
# Exit status: 0 within the limit, 1 over it, 77 when the DTBs cannot be had.
#
# Build the tool without the lock checker for a fair number:
#   meson setup build-rel -Dbuildtype=release -Dlockdep=false && ninja -C build-rel
#   bench/topo_vs_dtc.sh build-rel/tools/iommu/iommu build-rel/bench/debian-dtbs
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tool=${1:-build-rel/tools/iommu/iommu}
cache=${2:-build-rel/bench/debian-dtbs}

command -v dtc >/dev/null || { echo "topo_vs_dtc: dtc missing (skipped)"; exit 77; }
[ -x "$tool" ] || { echo "topo_vs_dtc: no iommu tool at $tool" >&2; exit 2; }
dir=$(python3 "$here/../tests/corpus/debian_dtbs.py" fetch "$cache") || {
	echo "topo_vs_dtc: Debian arm64 DTBs not available (skipped)"; exit 77; }
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "$dir" -name '*.dtb' | sort >"$list"
n=$(wc -l <"$list")

now() { date +%s%N; }

# run_all CMD...: CMD FILE for every DTB, output discarded; fails on error.
run_all() {
	while read -r f; do
		"$@" "$f" >/dev/null || { echo "topo_vs_dtc: $* $f failed" >&2; return 1; }
	done <"$list"
}

run_all "$tool" topo --json
t0=$(now); run_all "$tool" topo --json; t1=$(now)
run_all dtc -q -I dtb -O dts
t2=$(now); run_all dtc -q -I dtb -O dts; t3=$(now)

ours=$(( (t1 - t0) / 1000000 ))
theirs=$(( (t3 - t2) / 1000000 ))
[ "$ours" -gt 0 ] || ours=1
echo "topo_vs_dtc: $n DTBs, one process per file"
echo "  iommu topo --json : $ours ms total, $(( ours * 1000 / n )) us per file"
echo "  dtc -I dtb -O dts : $theirs ms total, $(( theirs * 1000 / n )) us per file"
echo "  ratio dtc/ours    : $(( theirs / ours )).$(( theirs * 100 / ours % 100 / 10 ))$(( theirs * 100 / ours % 10 ))"
echo "limit: iommu topo --json takes less total time than dtc (ratio > 1.00)"
if [ "$ours" -lt "$theirs" ]; then
	echo "within the limit"
	exit 0
fi
echo "OVER the limit"
exit 1
