#!/usr/bin/env bash
# Deployment scale-out: starts `k3s server --disable-agent` on an empty data dir (embedded
# SQLite) and runs workload-bench against it (Node objects registered by the bench, kept
# alive through their Leases; no kubelet), then prints the server's CPU time and RSS.
# Usage: bench/controllers/run.sh <k3s binary> <workload-bench binary> [bench options...]
# SERVER_ARGS (env) adds server flags, e.g. SERVER_ARGS=--kube-controller-manager-arg=kube-api-qps=500
set -euo pipefail
K3S=${1:?k3s binary}
BENCH=${2:?workload-bench binary}
shift 2
work=$(mktemp -d /tmp/k3s-bench-workload.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$K3S" server --disable-agent --data-dir "$work/data" --https-listen-port "$port" --bind-address 127.0.0.1 \
  --write-kubeconfig "$work/kc" ${SERVER_ARGS:-} >"$work/log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
  [ -s "$work/kc" ] && curl -sk --max-time 1 "https://127.0.0.1:$port/ping" >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 3  # the controllers' first syncs
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(cpu_ticks)
"$BENCH" --kubeconfig "$work/kc" "$@"
rc=$?
after=$(cpu_ticks)
hz=$(getconf CLK_TCK)
awk -v t=$((after - before)) -v hz="$hz" 'BEGIN { printf "server CPU (user+system) during the run: %.2f s\n", t / hz }'
echo "server RSS after the run: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$pid/status")"
exit $rc
