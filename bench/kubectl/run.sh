#!/usr/bin/env bash
# `kubectl get pods` wall time and peak RSS: the bundled kubectl (`k3s kubectl`) against the
# real kubectl 1.33 on the same server, with N pods in one namespace. Each command runs
# RUNS times; prints a markdown table of medians (wall ms via date +%s%N, peak RSS from
# GNU time's %M). Informational only: nothing passes or fails on timings.
# Usage: bench/kubectl/run.sh <k3s binary> [real kubectl] [pods] [runs]
set -euo pipefail
K3S=${1:?k3s binary}
REAL=${2:-/usr/lib/google-cloud-sdk/bin/kubectl.1.33}
PODS=${3:-50}
RUNS=${4:-10}
work=$(mktemp -d /tmp/k3s-bench-kubectl.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$K3S" server --disable-agent --data-dir "$work/data" --https-listen-port "$port" --bind-address 127.0.0.1 \
  --disable-scheduler --write-kubeconfig "$work/kc" >"$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do [ -s "$work/kc" ] && "$REAL" --kubeconfig "$work/kc" get ns default >/dev/null 2>&1 && break; sleep 0.2; done
for i in $(seq 1 "$PODS"); do
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bench-%d}\nspec: {containers: [{name: c, image: busybox}]}\n---\n' "$i"
done | "$REAL" --kubeconfig "$work/kc" apply -f - >/dev/null

measure() {  # measure <label> <command...>: prints "label | median ms | median peak KiB"
  local label=$1; shift
  local times=() rss=()
  "$@" >/dev/null 2>&1  # warm caches (discovery cache for the real kubectl)
  for _ in $(seq 1 "$RUNS"); do
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
    rss+=("$(cat "$work/rss")")
  done
  local t r
  t=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  r=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1024}')
  echo "| $label | $t | $r |"
}
echo "| command ($PODS pods, median of $RUNS) | wall (ms) | peak RSS (MiB) |"
echo "|---|---:|---:|"
measure "kubectl 1.33 get pods" "$REAL" --kubeconfig "$work/kc" get pods
measure "k3s kubectl get pods" "$K3S" kubectl --kubeconfig "$work/kc" get pods
measure "kubectl 1.33 get pods -o json" "$REAL" --kubeconfig "$work/kc" get pods -o json
measure "k3s kubectl get pods -o json" "$K3S" kubectl --kubeconfig "$work/kc" get pods -o json
measure "kubectl 1.33 version --client" "$REAL" version --client
measure "k3s kubectl version --client" "$K3S" kubectl version --client
