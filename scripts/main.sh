#!/usr/bin/env bash
# The main job: install what is missing, build, and run a province with its 27
# regencies as real processes on 127.0.0.1 (demo/province-run.sh).  The
# replicas, keys and logs are left in ${NARA_DEMO_DIR:-./demo-run}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "Building (build/)..."
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNARA_BUILD_TESTS=OFF >/dev/null
exec demo/province-run.sh build "${NARA_DEMO_DIR:-demo-run}"
