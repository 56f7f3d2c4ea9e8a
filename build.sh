#!/bin/sh
# The README's two commands (run as root on a fresh Debian 12 machine):
#   ./build.sh demo    install what is missing, build, run `iommu sim`
#   ./build.sh check   install what is missing, build, run the whole test suite
# and one more for the benchmarks:
#   ./build.sh bench   release build, bench_probe and `iommu bench pgtable`
set -e
cd "$(dirname "$0")"
scripts/install-deps
case "${1:-}" in
demo)
	[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
	ninja -C build >/dev/null
	./build/tools/iommu/iommu sim
	;;
check)
	exec scripts/run-tests
	;;
bench)
	[ -f build-release/build.ninja ] ||
		meson setup build-release --buildtype=release -Dlockdep=false -Dtests=false >/dev/null
	ninja -C build-release >/dev/null
	./build-release/bench/bench_probe
	./build-release/tools/iommu/iommu bench pgtable
	;;
*)
	echo "usage: ./build.sh demo|check|bench" >&2
	exit 2
	;;
esac
