#!/usr/bin/env bash
# API server throughput and latency: starts `k3s server --disable-agent` on an empty data dir
# (embedded SQLite) and runs apiserver-bench against it, then prints the server's RSS.
# Usage: bench/apiserver/run.sh <k3s binary> <apiserver-bench binary> [bench options...]
set -euo pipefail
K3S=${1:?k3s binary}
BENCH=${2:?apiserver-bench binary}
shift 2
work=$(mktemp -d /tmp/k3s-bench-apiserver.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
ulimit -n 65536 2>/dev/null || true
"$K3S" server --disable-agent --data-dir "$work/data" --https-listen-port "$port" --bind-address 127.0.0.1 \
  --write-kubeconfig "$work/kc" >"$work/log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
  [ -s "$work/kc" ] && "$BENCH" --help >/dev/null && curl -sk --max-time 1 "https://127.0.0.1:$port/ping" >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 2  # the controllers' first syncs
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH" --kubeconfig "$work/kc" "$@"
echo "server RSS after the run: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$pid/status")"
