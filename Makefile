# The two commands a newcomer needs: `make run` and `make test`.
JOBS ?= $(shell nproc)

.PHONY: deps build test run bench clean

deps:
	@bash scripts/install-deps

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j $(JOBS)

# Tests build with AddressSanitizer + UndefinedBehaviorSanitizer, in their own tree.
test: deps
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DSTEPD_SANITIZE=ON >/dev/null
	cmake --build build-test -j $(JOBS)
	cd build-test && ctest --output-on-failure

run: build
	./build/stepd serve --port 8083 --data ./data

bench: build
	cmake --build build -j $(JOBS) --target benches
	bash scripts/run-benches

clean:
	rm -rf build build-test
