#!/usr/bin/env bash
# The main job: install what is missing, build, and run the province demo.
# Its databases are left in ${NARA_DEMO_DIR:-./demo-run} for exploring.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNARA_BUILD_TESTS=OFF
exec build/demo/nara-demo "${NARA_DEMO_DIR:-demo-run}" "$@"
