#!/usr/bin/env bash
# Builds, offline, the images a k3s node needs to run pods with no network at all:
#   pause.tar    docker.io/rancher/mirrored-pause:3.6  (k3s's default --pause-image; our own
#                static pause program from src/agent/pause/pause.c)
#   busybox.tar  k3s.local/busybox:test  (Debian's busybox-static with every applet linked)
#   k3s-airgap-images-amd64.tar (+ .tar.gz, .tar.zst) holding both
# The archives use the `docker save` layout (manifest.json + config + layer.tar), which
# `ctr images import` and the agent's airgap import read. Output is reproducible: fixed
# timestamps and ownership, so digests only change when the content does.
# Usage: scripts/build-images.sh [OUT_DIR]   (default: build-images/ in the repo)
#   PAUSE_BIN=path  use an already built pause binary instead of compiling pause.c
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/build-images}
pause_image=${PAUSE_IMAGE:-docker.io/rancher/mirrored-pause:3.6}
busybox_image=${BUSYBOX_IMAGE:-k3s.local/busybox:test}
arch=amd64
epoch=0
created=1970-01-01T00:00:00Z

is_static() { local out; out=$(LC_ALL=C ldd "$1" 2>&1 || true); grep -q "not a dynamic executable" <<<"$out"; }
busybox_bin=
for candidate in "${BUSYBOX_BIN:-}" /bin/busybox "$(command -v busybox || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && is_static "$candidate"; then busybox_bin=$candidate; break; fi
done
if [ -z "$busybox_bin" ]; then
  echo "build-images: need a static busybox (apt-get install busybox-static, or scripts/deps.sh test)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Deterministic tar of a root directory.
make_layer() { # rootdir layer.tar
  tar --sort=name --mtime=@$epoch --owner=0 --group=0 --numeric-owner --format=posix \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      -C "$1" -cf "$2" .
}

# Writes a docker-save style image directory: <archive-dir>/<layer-sha>/layer.tar,
# <config-sha>.json; prints the manifest.json entry for it.
add_image() { # archive_dir rootdir name config_json_body(without rootfs/history)
  local dir=$1 root=$2 name=$3 body=$4
  local layer="$work/layer-$$.tar"
  make_layer "$root" "$layer"
  local layer_sha; layer_sha=$(sha "$layer")
  mkdir -p "$dir/$layer_sha"
  cp "$layer" "$dir/$layer_sha/layer.tar"
  rm -f "$layer"
  local config="$work/config-$$.json"
  printf '{"architecture":"%s","os":"linux","created":"%s",%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"k3s scripts/build-images.sh"}]}' \
    "$arch" "$created" "$body" "$layer_sha" "$created" >"$config"
  local config_sha; config_sha=$(sha "$config")
  mv "$config" "$dir/$config_sha.json"
  printf '{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}' "$config_sha" "$name" "$layer_sha"
}

write_archive() { # archive_dir output.tar manifest_entries...
  local dir=$1 tarfile=$2; shift 2
  local IFS=,
  printf '[%s]\n' "$*" >"$dir/manifest.json"
  tar --sort=name --mtime=@$epoch --owner=0 --group=0 --numeric-owner --format=posix \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      -C "$dir" -cf "$tarfile" .
}

# --- pause ---
pause_root="$work/pause-root"
mkdir -p "$pause_root"
if [ -n "${PAUSE_BIN:-}" ]; then
  install -m 0755 "$PAUSE_BIN" "$pause_root/pause"
else
  cc -static -Os -s -Wall -Wextra -o "$pause_root/pause" "$repo/src/agent/pause/pause.c"
fi
touch -d @$epoch "$pause_root/pause"
pause_body='"config":{"Entrypoint":["/pause"],"User":"65535:65535","WorkingDir":"/","Env":["PATH=/"]}'

# --- busybox ---
bb_root="$work/busybox-root"
mkdir -p "$bb_root"/{bin,etc,root,tmp,var/www,proc,sys,dev}
chmod 1777 "$bb_root/tmp"
install -m 0755 "$busybox_bin" "$bb_root/bin/busybox"
for applet in $("$busybox_bin" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$bb_root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$bb_root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$bb_root/etc/group"
find "$bb_root" -exec touch -h -d @$epoch {} +
bb_body='"config":{"Cmd":["sh"],"WorkingDir":"/","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}'

for one in pause busybox; do
  d="$work/archive-$one"
  mkdir -p "$d"
  if [ $one = pause ]; then
    entry=$(add_image "$d" "$pause_root" "$pause_image" "$pause_body")
  else
    entry=$(add_image "$d" "$bb_root" "$busybox_image" "$bb_body")
  fi
  write_archive "$d" "$out/$one.tar" "$entry"
done

d="$work/archive-all"
mkdir -p "$d"
e1=$(add_image "$d" "$pause_root" "$pause_image" "$pause_body")
e2=$(add_image "$d" "$bb_root" "$busybox_image" "$bb_body")
write_archive "$d" "$out/k3s-airgap-images-$arch.tar" "$e1" "$e2"
gzip -9 -n -c "$out/k3s-airgap-images-$arch.tar" >"$out/k3s-airgap-images-$arch.tar.gz"
zstd -q -19 -f "$out/k3s-airgap-images-$arch.tar" -o "$out/k3s-airgap-images-$arch.tar.zst"
printf '%s\n%s\n' "$pause_image" "$busybox_image" >"$out/k3s-images.txt"

(cd "$out" && sha256sum pause.tar busybox.tar k3s-airgap-images-$arch.tar* >sha256sum-$arch.txt)
echo "build-images: wrote to $out:"
(cd "$out" && ls -l pause.tar busybox.tar k3s-airgap-images-$arch.tar* k3s-images.txt | awk '{print "  " $5 "\t" $9}')
