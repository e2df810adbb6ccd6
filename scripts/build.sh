#!/usr/bin/env bash
# Configures and builds everything (release, stripped k3s) into build/ with ccache.
# Usage: scripts/build.sh [build|server|test]   (the argument selects which packages to install)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh "${1:-build}"
jobs=${K3S_BUILD_JOBS:-$(nproc)}
# Lets a fresh clone at another path reuse the compiler cache of an earlier one.
export CCACHE_BASEDIR="$PWD"
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build -j "$jobs"
