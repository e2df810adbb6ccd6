#!/usr/bin/env bash
# Produces the release set k3s publishes for one architecture, in OUT_DIR (default dist/):
#   k3s                              the stripped Release binary
#   install.sh                       the installer
#   k3s-airgap-images-amd64.tar      every image a default install needs (+ .tar.gz, .tar.zst),
#                                    built offline by scripts/build-images.sh
#   sha256sum-amd64.txt              checksums of all of the above (what install.sh verifies)
# Usage: scripts/release.sh [OUT_DIR]
#   K3S_BIN=path  package an already built binary instead of running scripts/build.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/dist}
arch=amd64

bin=${K3S_BIN:-}
if [ -z "$bin" ]; then
  bash "$repo/scripts/build.sh" build
  bin=$repo/build/cmd/k3s/k3s
fi
[ -x "$bin" ] || { echo "release: no k3s binary at $bin" >&2; exit 1; }

mkdir -p "$out"
images=$(mktemp -d)
trap 'rm -rf "$images"' EXIT
bash "$repo/scripts/build-images.sh" "$images" >/dev/null

install -m 0755 "$bin" "$out/k3s"
strip --strip-all "$out/k3s" 2>/dev/null || true  # a RelWithDebInfo binary handed in by K3S_BIN
install -m 0755 "$repo/scripts/install.sh" "$out/install.sh"
for suffix in tar tar.gz tar.zst; do
  install -m 0644 "$images/k3s-airgap-images-$arch.$suffix" "$out/k3s-airgap-images-$arch.$suffix"
done
(cd "$out" && sha256sum k3s install.sh k3s-airgap-images-$arch.tar k3s-airgap-images-$arch.tar.gz \
  k3s-airgap-images-$arch.tar.zst >sha256sum-$arch.txt)
echo "release set in $out:"
(cd "$out" && ls -l k3s install.sh k3s-airgap-images-$arch.* sha256sum-$arch.txt | awk '{print "  " $5 "\t" $9}')
