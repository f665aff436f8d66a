#!/usr/bin/env bash
# Installs everything Switchboard needs to build, test and run, from Debian 12's archive.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    libboost1.81-dev libboost-json1.81-dev
    libsqlite3-dev libssl-dev zlib1g-dev libprotobuf-dev protobuf-compiler
    libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
    qt6-base-dev qt6-websockets-dev qt6-charts-dev qt6-tools-dev qt6-l10n-tools qt6-svg-dev
    libgl1-mesa-dev
    # The console: tokens in the OS keychain, profiles and metric history in SQLite, and a font
    # for its tests on the offscreen platform (headless machines have none).
    qtkeychain-qt6-dev libqt6sql6-sqlite fonts-dejavu-core
    # The broker allocates with jemalloc when it is there (docs/benchmarks.md says why).
    libjemalloc-dev
    mosquitto mosquitto-clients
    # promtool (in Debian's prometheus package) checks /metrics in tests/admin; the openssl
    # command makes the admin TLS test's certificate.
    prometheus openssl
)

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "install-deps: run as root or install sudo" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
