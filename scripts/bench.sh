#!/usr/bin/env bash
# The benchmarks (benchmarks/README.md): build build-bench (RelWithDebInfo)
# and run every benchmark program, each measuring its baselines in its own
# process.  Prints one table per program and appends every program's figures,
# one JSON object per line, to build-bench/bench-results.json.  Never fails on
# speed: the exit status is non-zero only if a benchmark could not run.
#
#   scripts/bench.sh                 merge, audit, sync, clients at N=100k
#   scripts/bench.sh --n 10k         another N
#   scripts/bench.sh --growth        merge and audit at N = 10k, 100k and 1M
#                                    (the 1M workload is generated once, then
#                                    cached in build-bench/bench-data)
#   scripts/bench.sh --only merge    one program (merge, audit, sync, clients)
set -euo pipefail
cd "$(dirname "$0")/.."

n=100k
growth=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n=$2; shift 2 ;;
    --growth) growth=1; shift ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

dir=build-bench
data=$dir/bench-data
results=$dir/bench-results.json
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNARA_WERROR=ON >/dev/null
cmake --build "$dir" -j"$(nproc)" --target bench_merge bench_audit bench_sync bench_clients narad
mkdir -p "$data"
bin=$dir/benchmarks

echo "bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores," \
     "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: results appended to $results"

run() { # program, args...
  local prog=$1; shift
  if [ -n "$only" ] && [ "$only" != "$prog" ]; then return 0; fi
  "$bin/bench_$prog" --dir "$data" --json "$results" "$@"
}

# The value of a figure in the last JSON line of a program at size n.
figure() { # program n name
  grep "\"program\": \"$1\", \"n\": $2," "$results" | tail -1 |
    grep -o "\"name\": \"$3\", \"value\": [0-9.e+-]*" | sed 's/.*"value": //'
}

if [ "$growth" = 1 ]; then
  for size in 10k 100k 1M; do
    run merge --n "$size" --only chain
    run audit --n "$size" --only each,chain
  done
  echo
  echo "== growth: merge (chain, domain attached) and audit, streaming =="
  printf '%-8s %14s %10s %12s %14s %14s %12s\n' N "merge ev/s" "merge s" "merge MiB" \
         "audit each/s" "audit chain/s" "audit MiB"
  for size in 10000 100000 1000000; do
    printf '%-8s %14.0f %10.1f %12.1f %14.0f %14.0f %12.1f\n' "$size" \
      "$(figure merge $size 'merge chain, events/s')" "$(figure merge $size 'merge chain, time')" \
      "$(figure merge $size 'merge chain, peak RSS')" "$(figure audit $size 'audit each, events/s')" \
      "$(figure audit $size 'audit chain, events/s')" "$(figure audit $size 'audit chain, peak RSS')"
  done
  awk -v a="$(figure merge 1000000 'merge chain, peak RSS')" \
      -v b="$(figure merge 100000 'merge chain, peak RSS')" \
      'BEGIN { if (a && b) printf "merge peak RSS at 1M / at 100k: %.2fx (target <= 1.5x)\n", a / b }'
  exit 0
fi

run merge --n "$n"
run audit --n "$n"
run sync --n "$n"
run clients
