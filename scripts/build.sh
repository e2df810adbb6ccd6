#!/usr/bin/env bash
# Configures and builds everything (release, stripped k3s) into build/ with ccache.
# Usage: scripts/build.sh [build|test]   (the argument selects which packages to install)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh "${1:-build}"
jobs=${K3S_BUILD_JOBS:-$(nproc)}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build -j "$jobs"
