#!/usr/bin/env bash
# Installs what is needed, builds, and starts Switchboard: the headless broker on port 1883
# (Ctrl+C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --target switchboard-broker
exec ./build/release/broker/daemon/switchboard-broker --port 1883 "$@"
