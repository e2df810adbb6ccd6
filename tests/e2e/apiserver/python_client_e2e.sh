#!/usr/bin/env bash
# Starts `k3s server --disable-agent` on a free port with a temporary data dir and drives it
# with Debian's python3-kubernetes client (python_client_e2e.py beside this script).
# Usage: python_client_e2e.sh <k3s binary>
set -uo pipefail
K3S=${1:?k3s binary}
HERE=$(cd "$(dirname "$0")" && pwd)
# Debian's python3-kubernetes installs for the system interpreter; a pyenv or venv python3 earlier
# on PATH would not see it.
PY=/usr/bin/python3
"$PY" -c 'import kubernetes' 2>/dev/null || { echo "FAIL: python3-kubernetes is not installed (scripts/deps.sh test)"; exit 1; }

WORK=$(mktemp -d /tmp/k3s-e2e-pyclient.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KC=$WORK/kubeconfig
LOG=$WORK/server.log
SERVER_PID=""
rc=1

cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "$rc" -ne 0 ]; then echo "--- server log (tail)"; tail -40 "$LOG"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$K3S" server --disable-agent --data-dir "$WORK/data" --https-listen-port "$PORT" \
  --bind-address 127.0.0.1 --write-kubeconfig "$KC" >"$LOG" 2>&1 &
SERVER_PID=$!

# Readiness: the kubeconfig is written once the listener is up; then listing namespaces must answer.
ready=0
for _ in $(seq 1 200); do
  if [ -s "$KC" ] && "$PY" "$HERE/python_client_e2e.py" --probe "$KC" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: server exited early"; exit 1; }
  sleep 0.1
done
[ "$ready" -eq 1 ] || { echo "FAIL: server not answering the python client"; exit 1; }

"$PY" "$HERE/python_client_e2e.py" "$KC"
rc=$?
[ "$rc" -eq 0 ] && echo "PASS: python3-kubernetes e2e" || echo "FAIL: python3-kubernetes e2e (exit $rc)"
exit "$rc"
