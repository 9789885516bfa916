# RedactFarm. `make demo` runs the main job on a real sample, `make test` runs the tests;
# both install what they need first (ops/setup.sh: Debian packages, pinned assets).
.PHONY: setup install demo test test-asan fuzz chaos bench bench-farm bench-scale eval eval-audit release clean

setup:
	bash ops/setup.sh

release: setup
	swift build -c release --product redactfarm

# PREFIX/bin/redactfarm with its OpenVINO libraries and pinned models (ops/install.sh).
PREFIX ?= /usr/local
install: release
	bash ops/install.sh "$(PREFIX)"

demo: release
	bash ops/demo.sh .build/release/redactfarm

test: setup
	bash Tests/Fixtures/make-corpus.sh .cache/corpus .cache/assets
	swift build --build-tests
	REDACTFARM_HOME="$(CURDIR)/.cache/home" REDACTFARM_BIN="$$(swift build --show-bin-path)/redactfarm" swift test --skip-build

# AddressSanitizer over the whole suite (its own build folder; the tests' CLI runs use the
# ASan build of redactfarm too).
test-asan: setup
	bash Tests/Fixtures/make-corpus.sh .cache/corpus .cache/assets
	swift build --build-path .build/asan --sanitize=address --build-tests
	REDACTFARM_HOME="$(CURDIR)/.cache/home" REDACTFARM_BIN="$$(swift build --build-path .build/asan --sanitize=address --show-bin-path)/redactfarm" \
	  ASAN_OPTIONS=detect_leaks=0 swift test --build-path .build/asan --sanitize=address --skip-build

# libFuzzer over every parser of untrusted input, FUZZ_SECONDS (600) per target.
fuzz: setup
	bash Tests/Fuzz/run.sh

# The chaos test at length: 20+ minutes of SIGKILLs to workers and the coordinator, waves of
# jobs, a misbehaving worker; prints its figures and writes them to .cache/chaos-long.json.
# REDACTFARM_CHAOS_SEED=N replays a run.
chaos: setup
	bash Tests/Fixtures/make-corpus.sh .cache/corpus .cache/assets
	swift build --build-tests
	REDACTFARM_CHAOS=long REDACTFARM_HOME="$(CURDIR)/.cache/home" REDACTFARM_BIN="$$(swift build --show-bin-path)/redactfarm" \
	  swift test --skip-build --filter ChaosTests

bench: setup
	swift build -c release --product redactfarm
	swift build -c release --product split-stitch-bench
	.build/release/split-stitch-bench

# The coordinator at fleet scale: 100,000 segments, 200 and 1000 simulated workers
# (SCALE_SEGMENTS, SCALE_WORKERS to change them).
bench-scale: release
	swift build -c release --product farm-scale-bench
	.build/release/farm-scale-bench

# The farm as real processes: 1 vs 2 workers, coordinator overhead, peak memory on 1080p.
bench-farm: release
	python3 Benchmarks/Farm/farm_bench.py

# Redaction quality and speed beside deface 1.5.0 (installed into .cache/deface-venv).
eval: release
	python3 Benchmarks/Evaluation/compare.py

# The leak audit: sensitivity on unredacted output, possible misses on redacted output, cost
# per frame beside the redaction's.
eval-audit: release
	python3 Benchmarks/Evaluation/audit.py

clean:
	rm -rf .build out
