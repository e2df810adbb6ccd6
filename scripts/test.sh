#!/usr/bin/env bash
# Installs what is missing (build tools and the real peers: etcd, PostgreSQL, MariaDB, ...),
# builds, and runs every test with CTest. Tests need root (servers, namespaces, containerd).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh test
cd build
# Two at a time: the e2e tests mostly wait on servers; each picks its own ports and dirs.
ctest --output-on-failure --timeout 900 -j "${K3S_TEST_JOBS:-2}" "$@"
