# Thin wrapper over CMake. The README's two commands are `make demo` and `make test`.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE := build/release
ASAN := build/asan

.PHONY: all build test demo bench fuzz bootstrap clean

all: build

bootstrap:
	@scripts/bootstrap

build:
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRK_TESTS=OFF >/dev/null
	@cmake --build $(RELEASE) -j$(JOBS)

# Everything under AddressSanitizer + UndefinedBehaviorSanitizer: unit tests,
# fuzz-corpus replays, golden fixtures, CLI and end-to-end tests, DuckDB
# cross-checks and the SIGKILL crash test.
test: bootstrap
	@cmake -S . -B $(ASAN) -DRK_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)
	@cd $(ASAN) && ctest --output-on-failure -j$(JOBS)

# Generates a realistic organization's CUR into the workspace (./reckon-data,
# or $$RECKON_DATA), ingests it and prints a summary.
demo: bootstrap build
	@$(RELEASE)/reckon demo

bench: bootstrap build
	@bench/run.sh $(RELEASE)/reckon

# Coverage-guided fuzzing (clang libFuzzer); FUZZ_SECONDS per target.
fuzz: bootstrap
	@scripts/fuzz.sh

clean:
	rm -rf build
