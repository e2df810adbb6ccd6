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

source "$HERE/../lib/server.sh"
failures=1  # until the client's run says otherwise: keeps the server log on an early exit
python_probe() { "$PY" "$HERE/python_client_e2e.py" --probe "$KC"; }
READY_PROBE=python_probe

server_workdir pyclient
start_server

"$PY" "$HERE/python_client_e2e.py" "$KC"
rc=$?
failures=$rc
[ "$rc" -eq 0 ] && echo "PASS: python3-kubernetes e2e" || echo "FAIL: python3-kubernetes e2e (exit $rc)"
exit "$rc"
