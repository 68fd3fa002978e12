#!/usr/bin/env bash
# The whole test suite: install what is missing, build and run every test
# with ctest (release with debug info), give each fuzzer a short run, then
# build and run every test again under AddressSanitizer +
# UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNARA_BUILD_TESTS=ON
ctest --test-dir build --output-on-failure -j"$(nproc)"

# Every libFuzzer harness for 10 s on a copy of its seed corpus (build-fuzz, clang);
# longer runs: scripts/fuzz.sh SECONDS (docs/reliability.md).
scripts/fuzz.sh 10

scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DNARA_SANITIZE=ON -DNARA_BUILD_TESTS=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
