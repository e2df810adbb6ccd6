# Shared by the workload controller e2e tests (deployment, replicaset, statefulset,
# daemonset): a `k3s server --disable-agent` on a free port with its own data dir, Node
# objects made Ready by the test, and a stand-in kubelet loop that marks bound pods
# Running/Ready and finishes the deletion of terminating pods (no real kubelet exists in
# these tests). Source it after setting K3S, KUBECTL and NAME.
set -uo pipefail
WORK=$(mktemp -d "/tmp/k3s-e2e-$NAME.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KC=$WORK/kubeconfig
SERVER_PID=""
KUBELET_PID=""
NODES=()
failures=0

cleanup() {
  stop_kubelet
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  [ "$failures" -ne 0 ] && { echo "--- server log (tail)"; tail -40 "$WORK/log"; }
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }

# wait_for <description> <wanted> <command...>: polls up to 120 s (a shared, noisy machine)
wait_for() {
  local what=$1 want=$2; shift 2
  local got=""
  for _ in $(seq 1 240); do
    got=$("$@" 2>&1)
    [ "$got" = "$want" ] && { pass "$what"; return 0; }
    sleep 0.5
  done
  fail "$what: wanted '$want', got '$got'"
  return 1
}

start_server() {
  "$K3S" server --disable-agent --data-dir "$WORK/data" --https-listen-port "$PORT" \
    --bind-address 127.0.0.1 --write-kubeconfig "$KC" >>"$WORK/log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    [ -s "$KC" ] && k get ns >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
    sleep 0.2
  done
  fail "server did not answer"
  exit 1
}

# add_node <name> [extra JSON for metadata, e.g. "labels":{...}] [extra JSON for spec]
add_node() {
  local name=$1 meta=${2:-} spec=${3:-}
  k apply -f - >/dev/null <<EOF || fail "create node $name"
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$name","labels":{"kubernetes.io/hostname":"$name"${meta:+,$meta}}},"spec":{${spec}}}
EOF
  NODES+=("$name")
  echo "$name" >>"$WORK/nodes"  # the kubelet loop (a subshell) reads the list from here
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  k patch node "$name" --subresource=status --type=merge -p "{\"status\":{\"capacity\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"ready\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null \
    || fail "patch node $name status"
}

# One pass of the stand-in kubelet over every pod.
kubelet_pass() {
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}|{.metadata.name}|{.spec.nodeName}|{.status.phase}|{.metadata.deletionTimestamp}{"\n"}{end}' 2>/dev/null |
    while IFS='|' read -r ns name node phase deleting; do
      [ -z "$name" ] && continue
      if [ -n "$deleting" ]; then
        k -n "$ns" delete pod "$name" --grace-period=0 --force --wait=false >/dev/null 2>&1
      elif [ -n "$node" ] && [ "$phase" != "Running" ]; then
        k -n "$ns" patch pod "$name" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"},{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null 2>&1
      fi
    done
}

# Node heartbeats, so node-lifecycle does not mark the test's nodes unreachable (40 s).
heartbeat_pass() {
  local now node
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  [ -f "$WORK/nodes" ] || return 0
  while read -r node; do
    k patch node "$node" --subresource=status --type=strategic -p "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"ready\",\"lastHeartbeatTime\":\"$now\"}]}}" >/dev/null 2>&1
  done <"$WORK/nodes"
}

start_kubelet() {
  ( last_beat=0
    while true; do
      kubelet_pass
      if [ $((SECONDS - last_beat)) -ge 10 ]; then heartbeat_pass; last_beat=$SECONDS; fi
      sleep 0.3
    done ) >/dev/null 2>&1 &
  KUBELET_PID=$!
}

stop_kubelet() {
  [ -n "$KUBELET_PID" ] || return 0
  kill "$KUBELET_PID" 2>/dev/null
  wait "$KUBELET_PID" 2>/dev/null
  KUBELET_PID=""
}

finish() {
  [ "$failures" -eq 0 ] && echo "$NAME e2e: all passed" || echo "$NAME e2e: $failures failed"
  exit "$failures"
}
