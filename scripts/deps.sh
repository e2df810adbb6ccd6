#!/usr/bin/env bash
# Installs, from Debian 12 packages, whatever the build and the tests need and is missing.
# Usage: scripts/deps.sh [build|server|test]
#   server adds what `k3s server` runs with its embedded agent (containerd, runc, CNI plugins,
#   iptables); test adds those and the real peers the tests drive.
set -euo pipefail
mode=${1:-build}
build_pkgs=(build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlite3-dev libboost-dev libboost-system-dev libssl-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  libpq-dev libmariadb-dev zlib1g-dev)
runtime_pkgs=(containerd runc containernetworking-plugins iptables iproute2)
test_pkgs=(etcd-server etcd-client postgresql mariadb-server python3 curl busybox-static zstd
  shellcheck systemd util-linux docker-registry skopeo python3-kubernetes crun
  clang-14 libclang-rt-14-dev)  # scripts/fuzz.sh only; CI replays the corpus with g++
pkgs=("${build_pkgs[@]}")
case "$mode" in
  build) ;;
  server) pkgs+=("${runtime_pkgs[@]}") ;;
  test) pkgs+=("${runtime_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "deps: unknown mode '$mode' (build, server or test)" >&2; exit 1 ;;
esac
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
