# The two commands of the README:
#   make demo   install what is missing, build, run `iommu sim` on the built-in machine
#   make check  install what is missing, build, run the whole test suite
BUILD ?= build

.PHONY: all deps build demo check bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) -Dwerror=true
	ninja -C $(BUILD)

demo: build
	./$(BUILD)/tools/iommu/iommu sim

check: deps
	scripts/run-tests

bench: deps
	@test -f build-release/build.ninja || meson setup build-release --buildtype=release -Dlockdep=false -Dtests=false
	ninja -C build-release
	./build-release/bench/bench_probe
	./build-release/tools/iommu/iommu bench pgtable

clean:
	rm -rf build build-asan build-fuzz build-release
