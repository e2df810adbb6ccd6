# Shared by the core controllers' e2e scripts (sourced, not a test itself): a private
# `k3s server --disable-agent` on a free port with a temporary data dir, kubectl wrappers,
# polling helpers, and fake nodes whose heartbeats the test drives.
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
BACKGROUND_PIDS=()
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"
server_workdir "${TEST_NAME:-core}"
cleanup_extra() { for pid in "${BACKGROUND_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; }
k_ready() { k get ns; }
READY_PROBE=k_ready
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
# wait_for <description> <wanted> <command...>: the exact output within WAIT_SECONDS (default 60)
wait_for() { wait_equal "$1" "${WAIT_SECONDS:-60}" "${@:2}"; }
# expect <description> <wanted> <command...>: checks once
expect() {
  local what=$1 want=$2; shift 2
  local got
  got=$("$@" 2>&1)
  [ "$got" = "$want" ] && pass "$what" || fail "$what: wanted '$want', got '$got'"
}
finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
  echo "all passed"
}
now_rfc3339() { date -u +%Y-%m-%dT%H:%M:%SZ; }
now_micro() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }
# make_node <name> [Ready status]: a Node object with a Ready condition posted now
make_node() {
  local name=$1 status=${2:-True}
  k apply -f - >/dev/null <<YAML || fail "create node $name"
apiVersion: v1
kind: Node
metadata: {name: $name, labels: {kubernetes.io/hostname: $name}}
YAML
  post_ready "$name" "$status"
}
# post_ready <node> <status>: what a kubelet's status update would write
post_ready() {
  local now; now=$(now_rfc3339)
  k patch node "$1" --subresource=status --type=merge -p "{\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"$2\",\"reason\":\"KubeletReady\",\"message\":\"posted by the test\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null \
    || fail "post Ready=$2 for node $1"
}
# renew_lease <node>: what a kubelet's heartbeat writes to kube-node-lease
renew_lease() {
  k apply -f - >/dev/null 2>&1 <<YAML
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: $1, namespace: kube-node-lease}
spec: {holderIdentity: $1, leaseDurationSeconds: 40, renewTime: "$(now_micro)"}
YAML
}
# keep_alive <node>: renews the node's Lease every 3 s until the test ends
keep_alive() {
  ( while :; do renew_lease "$1"; sleep 3; done ) &
  BACKGROUND_PIDS+=($!)
}
