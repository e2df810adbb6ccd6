#!/usr/bin/env bash
# One watch run against a fresh server, reporting the CPU the server and the bench client
# each spent (the two share the machine's cores, so the client's own cost is part of what
# the latency figures show).
#
# Usage: bench/kine/watch_cpu.sh [build-dir] kine|etcd [extra kine-bench flags...]
set -euo pipefail
BUILD=${1:-build}; MODE=${2:-kine}; shift 2 || true
K3S=${K3S:-$BUILD/cmd/k3s/k3s}
KINE_BENCH=${KINE_BENCH:-$BUILD/bench/kine/kine-bench}
WORK=$(mktemp -d /tmp/kine-watch-cpu.XXXXXX)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
if [ "$MODE" = etcd ]; then
  PEER=$(free_port)
  etcd --name bench --data-dir "$WORK/etcd" \
    --listen-client-urls "http://127.0.0.1:$PORT" --advertise-client-urls "http://127.0.0.1:$PORT" \
    --listen-peer-urls "http://127.0.0.1:$PEER" --initial-advertise-peer-urls "http://127.0.0.1:$PEER" \
    --initial-cluster "bench=http://127.0.0.1:$PEER" >"$WORK/server.log" 2>&1 &
else
  "$K3S" kine --endpoint "sqlite://$WORK/state.db" --listen-address "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
fi
PID=$!
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$PORT" endpoint health >/dev/null 2>&1 && break
  sleep 0.2
done
server_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
before=$(server_ticks)
/usr/bin/time -f "client cpu: user %U s, sys %S s" "$KINE_BENCH" --endpoint "127.0.0.1:$PORT" --label "$MODE" \
  --watchers 1000 --watch-streams 50 --watch-events 100 --watch-rate 10 --workloads watch "$@" 2>&1 |
  grep -E '^RESULT|^client cpu'
after=$(server_ticks)
echo "server cpu: $(( (after - before) * 1000 / $(getconf CLK_TCK) )) ms"
