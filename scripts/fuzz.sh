#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz, clang + ASan/UBSan) in build-fuzz
# and run each for SECONDS (default 10) on a copy of its seed corpus:
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      (default: every harness)
#
# The checked-in corpus (tests/fuzz/corpus/<harness>) is never modified: each
# run works on build-fuzz/run/<harness>/corpus, and a crashing input is kept
# as build-fuzz/run/<harness>/crash-* (turn it into a regression test:
# docs/reliability.md).  Exits 1 if any harness found a crash, a leak, a
# timeout or an out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(fuzz_event fuzz_session_server fuzz_session_client)
fi

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DNARA_WERROR=ON \
  -DNARA_BUILD_TESTS=ON -DNARA_FUZZ=ON >/dev/null
cmake --build build-fuzz --target nara_fuzzers -j"$(nproc)" >/dev/null

# Longest input: one event beyond the 65536-byte limit, or a few session messages.
max_len() {
  case $1 in
    fuzz_event) echo 70000 ;;
    *) echo 16384 ;;
  esac
}

failed=()
for h in "${harnesses[@]}"; do
  run=build-fuzz/run/$h
  rm -rf "$run"
  mkdir -p "$run"
  cp -r "tests/fuzz/corpus/$h" "$run/corpus"
  echo "fuzz: $h for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "build-fuzz/tests/fuzz/$h" -max_total_time="$seconds" -max_len="$(max_len "$h")" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$run/" \
      "$run/corpus" >"$run/log" 2>&1; then
    failed+=("$h")
    echo "fuzz: $h FAILED; input and log in $run/" >&2
    grep -E "ERROR|invariant|SUMMARY" "$run/log" | head -5 >&2 || true
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|DONE" "$run/log" | sed "s/^/  /" || true
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash"
