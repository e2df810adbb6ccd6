#!/usr/bin/env bash
# Server start-up and footprint: time from exec of `k3s server --disable-agent` on an empty
# data dir until /readyz answers "ok" (polled every 10 ms with the admin certificate), and
# the server's resident memory (VmRSS) once idle. Prints a markdown table row per run.
# Usage: bench/server/run.sh <k3s binary> [runs]
set -euo pipefail
K3S=${1:?k3s binary}
RUNS=${2:-5}
echo "| run | start → /readyz ok (ms) | idle RSS after 10 s (MiB) |"
echo "|---:|---:|---:|"
for run in $(seq 1 "$RUNS"); do
  work=$(mktemp -d /tmp/k3s-bench-server.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  start=$(date +%s%N)
  "$K3S" server --disable-agent --data-dir "$work/data" --https-listen-port "$port" --bind-address 127.0.0.1 \
    --write-kubeconfig "$work/kc" >"$work/log" 2>&1 &
  pid=$!
  tls=$work/data/server/tls
  ready_ms=""
  for _ in $(seq 1 3000); do
    if [ -f "$tls/client-admin.key" ] &&
       [ "$(curl -s --max-time 1 --cacert "$tls/server-ca.crt" --cert "$tls/client-admin.crt" --key "$tls/client-admin.key" \
            "https://127.0.0.1:$port/readyz" 2>/dev/null)" = ok ]; then
      ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
      break
    fi
    sleep 0.01
  done
  sleep 10
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  awk -v r="$run" -v ms="${ready_ms:-timeout}" -v kb="$rss_kb" 'BEGIN { printf "| %d | %s | %.1f |\n", r, ms, kb / 1024 }'
  rm -rf "$work"
done
