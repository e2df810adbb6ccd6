#!/usr/bin/env bash
# Installs what is missing (build tools, and containerd/runc/CNI plugins for the embedded
# agent), builds, and runs `k3s server` (embedded SQLite by default).
# Extra arguments go to `k3s server`, e.g. scripts/server.sh --disable-agent --https-listen-port 6443
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh server
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
exec $SUDO ./build/cmd/k3s/k3s server "$@"
