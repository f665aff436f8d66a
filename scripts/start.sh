#!/usr/bin/env bash
# Installs what is needed, builds, and starts Switchboard: on a desktop (DISPLAY or
# WAYLAND_DISPLAY set) the console with its embedded Local broker (MQTT on 127.0.0.1:1883, or
# the next free port, shown in the window); without one, the headless broker on port 1883
# (Ctrl+C stops it). Arguments are passed to the program started.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset release
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    cmake --build --preset release --target switchboard
    exec ./build/release/app/switchboard "$@"
fi
cmake --build --preset release --target switchboard-broker
exec ./build/release/broker/daemon/switchboard-broker --port 1883 "$@"
