#!/usr/bin/env bash
# Installs what is needed, builds everything, and runs every test. The output ends with
# ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset debug
cmake --build --preset debug
export QT_QPA_PLATFORM=offscreen
exec ctest --preset debug --output-on-failure
