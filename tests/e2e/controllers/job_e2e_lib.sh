# Shared by the batch/policy/storage controller e2e scripts: starts `k3s server
# --disable-agent` on a free port with a private data dir, and offers kubectl wrappers and
# polling checks. The test plays kubelet (pod status through --subresource=status).
# Usage: source this file after setting K3S and KUBECTL; then `start_server <name>`.
set -uo pipefail
failures=0
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  [ "$failures" -ne 0 ] && [ -f "$WORK/log" ] && { echo "--- server log (tail)"; tail -40 "$WORK/log"; }
  rm -rf "$WORK"
}
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }

# wait_for <description> <wanted> <command...>: polls up to 90 s for the exact output.
wait_for() {
  local what=$1 want=$2; shift 2
  local got=""
  for _ in $(seq 1 450); do
    got=$("$@" 2>&1)
    [ "$got" = "$want" ] && { pass "$what"; return 0; }
    sleep 0.2
  done
  fail "$what: wanted '$want', got '$got'"
  return 1
}

# wait_match <description> <extended regex> <command...>: polls up to 90 s.
wait_match() {
  local what=$1 want=$2; shift 2
  local got=""
  for _ in $(seq 1 450); do
    got=$("$@" 2>&1)
    [[ "$got" =~ $want ]] && { pass "$what"; return 0; }
    sleep 0.2
  done
  fail "$what: wanted /$want/, got '$got'"
  return 1
}

start_server() {
  WORK=$(mktemp -d "/tmp/k3s-e2e-$1.XXXXXX")
  trap cleanup EXIT
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  KC=$WORK/kubeconfig
  "$K3S" server --disable-agent --data-dir "$WORK/data" --https-listen-port "$PORT" \
    --bind-address 127.0.0.1 --write-kubeconfig "$KC" >"$WORK/log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    [ -s "$KC" ] && k get ns default >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
    sleep 0.1
  done
  fail "server did not come up"
  exit 1
}

# The names of a job's pods that are not finished and not being deleted.
live_pods_of_job() {
  k get pods -l "batch.kubernetes.io/job-name=$1" \
    -o jsonpath='{range .items[?(@.status.phase=="Pending")]}{.metadata.name}{" "}{.metadata.deletionTimestamp}{"\n"}{end}' |
    awk 'NF==1 {print $1}'
}

# set_pod_phase <pod> <phase> [exit code]: what a kubelet reports when the container ends.
set_pod_phase() {
  local code=${3:-0}
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  k patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"$2\",\"containerStatuses\":[{\"name\":\"main\",\"image\":\"busybox\",\"imageID\":\"\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":$code,\"reason\":\"Completed\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\"}}}]}}" >/dev/null
}

# set_pod_running_ready <pod>
set_pod_running_ready() {
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  k patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null
}

finish() {
  [ "$failures" -eq 0 ] && echo "$1 e2e: all passed" || echo "$1 e2e: $failures failed"
  exit "$failures"
}
pending_count() { live_pods_of_job "$1" | wc -l | tr -d ' '; }
