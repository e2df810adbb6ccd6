# Shared by the workload controller e2e tests (deployment, replicaset, statefulset,
# daemonset): a `k3s server --disable-agent` on a free port with its own data dir, Node
# objects made Ready by the test, and a stand-in kubelet loop that marks bound pods
# Running/Ready and finishes the deletion of terminating pods (no real kubelet exists in
# these tests). Source it after setting K3S, KUBECTL and NAME.
set -uo pipefail
KUBELET_PID=""
NODES=()
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"
server_workdir "$NAME"
cleanup_extra() { stop_kubelet; }
k_ready() { k get ns; }
READY_PROBE=k_ready
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }

# wait_for <description> <wanted> <command...>: the exact output within 120 s (a shared, noisy machine)
wait_for() { wait_equal "$1" 120 "${@:2}"; }

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
