#!/usr/bin/env bash
# The scheduler inside `k3s server`: pods are bound to a Ready node that fits them, and a
# pod that fits nowhere gets PodScheduled=False with kube-scheduler's message. The Node is
# created by the test (no agent), its Ready status patched through the status subresource.
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/checks.sh"
source "$HERE/../lib/server.sh"
server_workdir scheduler
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
start_server

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: worker-1, labels: {kubernetes.io/hostname: worker-1}}
YAML
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
k patch node worker-1 --subresource=status --type=merge -p "{\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"ready\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null \
  || fail "patch node status"

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: fits}
spec:
  containers: [{name: c, image: busybox, resources: {requests: {cpu: "1"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: too-big}
spec:
  containers: [{name: c, image: busybox, resources: {requests: {cpu: "64"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: other-scheduler}
spec:
  schedulerName: someone-else
  containers: [{name: c, image: busybox}]
YAML

wait_equal "pod bound to the node" 30 worker-1 k get pod fits -o jsonpath='{.spec.nodeName}'
wait_equal "unschedulable pod condition" 30 \
  'False/Unschedulable/0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' \
  k get pod too-big -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status}/{.status.conditions[?(@.type=="PodScheduled")].reason}/{.status.conditions[?(@.type=="PodScheduled")].message}'
wait_equal "Scheduled event" 30 "Successfully assigned default/fits to worker-1" \
  k get events --field-selector involvedObject.name=fits,reason=Scheduled -o jsonpath='{.items[0].message}'
# Captured first: with pipefail, `kubectl | grep -q` fails whenever grep exits before kubectl
# has written everything (SIGPIPE), which made this check flaky.
events=$(k get events 2>&1)
[[ "$(head -1 <<<"$events")" =~ ^LAST\ SEEN\ +TYPE\ +REASON\ +OBJECT\ +MESSAGE ]] && pass "events table" || fail "events table: $events"
grep -qE 'Normal +Scheduled +pod/fits +Successfully assigned default/fits to worker-1' <<<"$events" && pass "Scheduled event row" \
  || fail "events rows: $events"
wait_equal "scheduler holds its lease" 30 1 bash -c "'$KUBECTL' --kubeconfig '$KC' -n kube-system get lease kube-scheduler -o name | wc -l"
[ -z "$(k get pod other-scheduler -o jsonpath='{.spec.nodeName}')" ] && pass "other schedulerName left alone" || fail "pod of another scheduler was bound"

# A node with room appears: the waiting pod is retried on the node event, not by polling.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: big-1, labels: {kubernetes.io/hostname: big-1}}
YAML
k patch node big-1 --subresource=status --type=merge -p "{\"status\":{\"capacity\":{\"cpu\":\"128\",\"memory\":\"64Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"128\",\"memory\":\"64Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"ready\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null
wait_equal "waiting pod placed once a node fits" 30 big-1 k get pod too-big -o jsonpath='{.spec.nodeName}'

[ "$failures" -eq 0 ] && echo "scheduler e2e: all passed" || echo "scheduler e2e: $failures failed"
exit "$failures"
