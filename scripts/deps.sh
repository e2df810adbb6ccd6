#!/usr/bin/env bash
# Installs, from Debian 12 packages, whatever the build and the tests need and is missing.
# Usage: scripts/deps.sh [build|test]   (test adds the real peers the tests drive)
set -euo pipefail
mode=${1:-build}
build_pkgs=(build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlite3-dev libboost-dev libboost-system-dev libssl-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  libpq-dev libmariadb-dev zlib1g-dev)
test_pkgs=(etcd-server etcd-client postgresql mariadb-server python3 curl iproute2
  containerd runc containernetworking-plugins busybox-static zstd iptables
  shellcheck systemd util-linux)
pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
