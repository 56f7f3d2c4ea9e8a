# Conveniences over ./build.sh (which needs nothing but sh on a fresh machine).
.PHONY: all demo check bench clean
all:
	@test -f build/build.ninja || meson setup build -Dwerror=true
	ninja -C build
demo check bench:
	./build.sh $@
clean:
	rm -rf build build-asan build-fuzz build-release
