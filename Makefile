# The two commands a newcomer needs: `make run` and `make test`.
JOBS ?= $(shell nproc)

.PHONY: deps build test run bench clean fuzz fuzz-build

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

# Fuzzing (tests/fuzz): libFuzzer targets built with clang (ASan + UBSan) in
# their own tree; `make fuzz FUZZ_SECONDS=3600` runs each that long, two at
# a time. (Not yet in `make test`: the clang build plus a 60 s run of each
# would take CI past its 30 minutes on 2 cores; see tests/fuzz/README.md.)
FUZZ_SECONDS ?= 600
define fuzz_build
	cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DSTEPD_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
endef
fuzz-build:
	@bash scripts/install-deps --fuzz
	$(fuzz_build)

fuzz: fuzz-build
	bash scripts/fuzz -t $(FUZZ_SECONDS)

run: build
	./build/stepd serve --port 8083 --data ./data

bench: build
	cmake --build build -j $(JOBS) --target benches
	bash scripts/run-benches

clean:
	rm -rf build build-test build-fuzz
