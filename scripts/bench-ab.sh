#!/bin/bash
# bench-ab.sh - compare two builds of the benchmarks on the same workload, in
# interleaved pairs, so that the shared machine's drift hits both alike.
#
#   scripts/bench-ab.sh OLD_BUILD NEW_BUILD PROGRAM PAIRS [ARGS...]
#   scripts/bench-ab.sh /tmp/old/build build-bench merge 5 --n 100k --only chain
#   scripts/bench-ab.sh /tmp/old/build build-bench sync 4 --n 100k --only push
#
# OLD_BUILD and NEW_BUILD are CMake build directories (RelWithDebInfo) holding
# benchmarks/bench_PROGRAM (and server/narad for sync).  Both use the workload
# cached in build-bench/bench-data (made by scripts/bench.sh), each in its own
# scratch directory.  Prints each run's rate and CPU per event, then the
# medians.  Like the benchmarks, it never fails on speed.
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
old=$(realpath "$1") new=$(realpath "$2") prog=$3 pairs=$4
shift 4
cd "$(dirname "$0")/.."
data=$(realpath build-bench/bench-data)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for side in old new; do
    mkdir -p "$scratch/$side"
    for wl in "$data"/wl-*; do
        [ -d "$wl" ] && ln -s "$wl" "$scratch/$side/"
    done
done
run() { # side build benchmark-args...
    local side=$1 build=$2 extra=()
    shift 2
    if [ "$prog" = sync ] || [ "$prog" = clients ]; then
        extra=(--narad "$build/server/narad")
    fi
    "$build/benchmarks/bench_$prog" --dir "$scratch/$side" "${extra[@]}" "$@" 2>&1 |
        awk -v side="$side" '
            /store only/ {next}
            /events\/s/ && r == "" {for (i = 2; i <= NF; i++) if ($i == "ev/s") r = $(i - 1)}
            /CPU per event/ && c == "" {for (i = 2; i <= NF; i++) if ($i == "us") c = $(i - 1)}
            END {print side, (r == "" ? "?" : r), (c == "" ? "?" : c)}'
}
for i in $(seq "$pairs"); do
    run old "$old" "$@"
    run new "$new" "$@"
done | tee "$scratch/runs"
median() { # side column label
    grep "^$1 " "$scratch/runs" | awk -v c="$2" '{print $c}' | sort -g |
        awk -v label="$1 median $3" '{v[NR] = $1} END {if (NR) print label ": " v[int((NR + 1) / 2)]}'
}
for side in old new; do
    median "$side" 2 "events/s"
    median "$side" 3 "CPU us/event"
done
