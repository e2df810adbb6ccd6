#!/usr/bin/env bash
# node-ipam and node-lifecycle with Node objects driven by the test (no kubelet):
#  - every node gets a /24 podCIDR of --cluster-cidr; an exhausted range is reported with a
#    CIDRNotAvailable event and a deleted node's CIDR is handed out again;
#  - a node whose Lease is not renewed goes Ready=Unknown after 40 s and is tainted
#    unreachable; its pods are marked not ready and evicted as their tolerations say;
#    a Ready=False node is tainted not-ready; taints go when the node recovers;
#  - terminating pods on a node taken out of service are force-deleted by pod-gc.
TEST_NAME=node
source "$(dirname "$0")/core_common.sh" "$@"
start_server --cluster-cidr 10.77.0.0/23

make_node alive; keep_alive alive
make_node silent
cidr() { k get node "$1" -o jsonpath='{.spec.podCIDR}/{.spec.podCIDRs[*]}'; }
in_range() { local c; c=$(cidr "$1"); case $c in 10.77.0.0/24/10.77.0.0/24|10.77.1.0/24/10.77.1.0/24) echo yes;; *) echo "$c";; esac; }
wait_for "podCIDR for node alive" yes in_range alive
wait_for "podCIDR for node silent" yes in_range silent
[ "$(cidr alive)" != "$(cidr silent)" ] && pass "distinct podCIDRs" || fail "both nodes got $(cidr alive)"

# The range holds two /24s: a third node waits for one.
make_node spare; keep_alive spare
wait_for "exhausted range reported" "Node spare status is now: CIDRNotAvailable" \
  k get events -A --field-selector involvedObject.name=spare,reason=CIDRNotAvailable -o jsonpath='{.items[0].message}'
expect "no podCIDR while exhausted" "" k get node spare -o jsonpath='{.spec.podCIDR}'
freed=$(k get node alive -o jsonpath='{.spec.podCIDR}')
k delete node alive >/dev/null || fail "delete node"
wait_for "released podCIDR handed out again" "$freed" k get node spare -o jsonpath='{.spec.podCIDR}'

# Pods on the silent node: no toleration of their own (the API server adds 300 s ones),
# a short toleration, and one tolerating everything.
k apply -f - >/dev/null <<'YAML' || fail "create pods"
apiVersion: v1
kind: Pod
metadata: {name: default-tolerations}
spec: {nodeName: silent, containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: short}
spec:
  nodeName: silent
  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 3}]
  containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: forever}
spec:
  nodeName: silent
  tolerations: [{operator: Exists}]
  containers: [{name: c, image: busybox}]
YAML
expect "DefaultTolerationSeconds admission" "300 300" \
  k get pod default-tolerations -o jsonpath='{.spec.tolerations[?(@.key=="node.kubernetes.io/not-ready")].tolerationSeconds} {.spec.tolerations[?(@.key=="node.kubernetes.io/unreachable")].tolerationSeconds}'
now=$(now_rfc3339)
k patch pod default-tolerations --subresource=status --type=merge \
  -p "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null \
  || fail "pod status"

ready() { k get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}/{.status.conditions[?(@.type=="Ready")].message}'; }
taints() { k get node "$1" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect} {end}'; }
deleting() { k get pod "$1" -o jsonpath='{.metadata.deletionTimestamp}' | grep -q . && echo yes || echo no; }
WAIT_SECONDS=120 wait_for "silent node goes Unknown" "Unknown/NodeStatusUnknown/Kubelet stopped posting node status." ready silent
wait_for "unreachable taints" "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute " taints silent
wait_for "NodeNotReady event" "Node silent status is now: NodeNotReady" \
  k get events -A --field-selector involvedObject.name=silent,reason=NodeNotReady -o jsonpath='{.items[0].message}'
wait_for "pod with a short toleration evicted" yes deleting short
wait_for "TaintManagerEviction event" "Marking for deletion Pod default/short" \
  k get events --field-selector involvedObject.name=short,reason=TaintManagerEviction -o jsonpath='{.items[0].message}'
wait_for "pods on the node marked not ready" False \
  k get pod default-tolerations -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
expect "pod tolerating 300 s stays" no deleting default-tolerations
expect "pod tolerating everything stays" no deleting forever
expect "node with a renewed Lease stays Ready" "True/KubeletReady/posted by the test" ready spare
expect "node with a renewed Lease is not tainted" "" taints spare

# Out of service: evicted pods are force-deleted, the rest evicted too.
k taint node silent node.kubernetes.io/out-of-service=nodeshutdown:NoExecute >/dev/null || fail "out-of-service taint"
gone() { k get pod "$1" 2>&1 | grep -o NotFound; }
WAIT_SECONDS=90 wait_for "terminating pod force-deleted on an out-of-service node" NotFound gone short
WAIT_SECONDS=90 wait_for "untolerating pod evicted and force-deleted" NotFound gone default-tolerations
expect "pod tolerating everything still there" no deleting forever

# Recovery removes the taints the controller added, and only those.
post_ready silent True; keep_alive silent
wait_for "recovered node untainted" "node.kubernetes.io/out-of-service:NoExecute " taints silent
wait_for "NodeReady event" "Node silent status is now: NodeReady" \
  k get events -A --field-selector involvedObject.name=silent,reason=NodeReady -o jsonpath='{.items[0].message}'

# Ready=False: not-ready taints.
post_ready spare False
wait_for "not-ready taints" "node.kubernetes.io/not-ready:NoSchedule node.kubernetes.io/not-ready:NoExecute " taints spare
finish
