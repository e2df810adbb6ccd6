#!/usr/bin/env bash
# Idle CPU: the CPU time (utime + stime from /proc/<pid>/stat) a `k3s server` uses over
# IDLE seconds (default 60) once started and settled, with nothing to do.
#   bench/idle/run.sh K3S                          `k3s server --disable-agent`
#   bench/idle/run.sh K3S agent KUBECTL IMAGES_DIR `k3s server` with its embedded agent and a
#       real containerd (airgap images from scripts/build-images.sh), inside private mount
#       and network namespaces as bench/agent/run.sh runs it; containerd and its shims are
#       reported apart from the k3s process.
# Env: IDLE (seconds measured, 60), SETTLE (seconds waited after ready, 30),
#      OBJECTS (server mode: before settling, create that many ConfigMaps and a Deployment
#      of that many replicas, whose pods stay Pending without nodes; default 0).
set -uo pipefail
K3S=${1:?k3s binary}
MODE=${2:-server}
IDLE=${IDLE:-60}
SETTLE=${SETTLE:-30}
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Sum of ticks over k3s and (agent mode) the containerd processes of this network namespace.
measure() {
  local pid=$1 netns=${2:-}
  local k0 k1 c0 c1
  k0=$(ticks "$pid"); c0=$(containerd_ticks "$netns")
  local t0; t0=$(date +%s.%N)
  sleep "$IDLE"
  k1=$(ticks "$pid"); c1=$(containerd_ticks "$netns")
  local t1; t1=$(date +%s.%N)
  awk -v t=$((k1 - k0)) -v hz="$HZ" -v s="$(echo "$t1 - $t0" | bc)" \
    'BEGIN { printf "k3s (pid %d): %.2f s CPU over %.1f s = %.2f%% of one core\n", '"$pid"', t / hz, s, 100 * t / hz / s }'
  if [ -n "$netns" ]; then
    awk -v t=$((c1 - c0)) -v hz="$HZ" -v s="$(echo "$t1 - $t0" | bc)" \
      'BEGIN { printf "containerd + shims: %.2f s CPU over %.1f s = %.2f%% of one core\n", t / hz, s, 100 * t / hz / s }'
  fi
}
containerd_ticks() {
  local netns=$1 sum=0 p
  [ -z "$netns" ] && { echo 0; return; }
  for p in $(pgrep -x containerd; pgrep -f containerd-shim); do
    [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$netns" ] || continue
    sum=$((sum + $(ticks "$p")))
  done
  echo "$sum"
}

[ -z "${K3S_IDLE_BENCH_INNER:-}" ] &&
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$MODE" = server ]; then
  work=$(mktemp -d /tmp/k3s-bench-idle.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  "$K3S" server --disable-agent --data-dir "$work/data" --https-listen-port "$port" --bind-address 127.0.0.1 \
    --write-kubeconfig "$work/kc" >"$work/log" 2>&1 &
  pid=$!
  trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
  tls=$work/data/server/tls
  for _ in $(seq 1 600); do
    [ -f "$tls/client-admin.key" ] && [ "$(curl -s --max-time 1 --cacert "$tls/server-ca.crt" --cert "$tls/client-admin.crt" \
      --key "$tls/client-admin.key" "https://127.0.0.1:$port/readyz" 2>/dev/null)" = ok ] && break
    sleep 0.1
  done
  objects=${OBJECTS:-0}
  if [ "$objects" -gt 0 ]; then
    kc() { "$K3S" kubectl --kubeconfig "$work/kc" "$@"; }
    for i in $(seq 1 "$objects"); do
      printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: idle-%d\ndata:\n  k: v\n---\n' "$i"
    done | kc apply -f - >/dev/null
    kc create deployment idle --image=busybox --replicas="$objects" >/dev/null
    for _ in $(seq 1 600); do
      [ "$(kc get pods -l app=idle --no-headers 2>/dev/null | wc -l)" -ge "$objects" ] && break
      sleep 1
    done
    echo "objects: $(kc get cm --no-headers | wc -l) ConfigMaps, $(kc get pods --no-headers | wc -l) pods (Pending, no nodes)"
  fi
  sleep "$SETTLE"
  echo "k3s server --disable-agent, idle ${IDLE} s after ${SETTLE} s settling:"
  measure "$pid"
  exit 0
fi

[ "$MODE" = agent ] || { echo "mode: server | agent"; exit 2; }
KUBECTL=${3:?kubectl binary}
IMAGES_DIR=${4:?directory with k3s-airgap-images-amd64.tar}
if [ -z "${K3S_IDLE_BENCH_INNER:-}" ]; then
  WORK=$(mktemp -d /tmp/k3s-bench-idle.XXXXXX)
  K3S_IDLE_BENCH_INNER=1 WORK=$WORK unshare --mount --net --propagation private bash "$0" "$@"
  rc=$?
  rm -rf "$WORK"
  exit $rc
fi
ip link set lo up
for d in /run/k3s /var/lib/kubelet /var/log/pods /var/lib/cni /etc/rancher; do mkdir -p "$d" && mount -t tmpfs tmpfs "$d"; done
KC=$WORK/kubeconfig
DATA=$WORK/data
MY_NETNS=$(readlink /proc/self/ns/net)
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
crictl() { "$K3S" crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock "$@"; }
cleanup() {
  for id in $(crictl pods -q 2>/dev/null); do crictl stopp "$id" >/dev/null 2>&1; crictl rmp "$id" >/dev/null 2>&1; done
  [ -n "${SERVER_PID:-}" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" = "$$" ] && continue
    [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$MY_NETNS" ] || continue
    case "$(cat /proc/$pid/comm 2>/dev/null)" in containerd*|pause|sleep|coredns|local-path*|metrics-server) kill -9 "$pid" 2>/dev/null ;; esac
  done
}
trap cleanup EXIT
mkdir -p "$DATA/agent/images"
cp "$IMAGES_DIR/k3s-airgap-images-amd64.tar" "$DATA/agent/images/"
"$K3S" server --data-dir "$DATA" --bind-address 127.0.0.1 --https-listen-port 6443 --write-kubeconfig "$KC" --node-name bench >"$WORK/log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 1200); do
  [ "$(k get node bench -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited"; tail -20 "$WORK/log"; exit 1; }
  sleep 0.1
done
sleep "$SETTLE"
echo "pods after settling: $(k get pods -A --no-headers 2>/dev/null | awk '{print $2 "=" $4}' | tr '\n' ' ')"
echo "k3s server (embedded agent, containerd), idle ${IDLE} s after ${SETTLE} s settling:"
measure "$SERVER_PID" "$MY_NETNS"
