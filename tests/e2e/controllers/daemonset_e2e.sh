#!/usr/bin/env bash
# The DaemonSet controller inside `k3s server`, with the real kubectl: one pod per eligible
# node (nodeSelector, taints against tolerations), pinned by node affinity and bound by the
# scheduler, a new node gets its pod, a rolling update replaces every pod (maxUnavailable,
# then maxSurge), status counts.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
NAME=daemonset
source "$(dirname "$0")/apps_e2e_lib.sh"

start_server
add_node node-a '"disk":"ssd"'
add_node node-b '"disk":"ssd"'
add_node node-hdd '"disk":"hdd"'
add_node node-tainted '"disk":"ssd"' '"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]'
start_kubelet

placement() {  # node:image of the live daemon pods, sorted
  k get pods -l app=agent -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.spec.nodeName}:{.spec.containers[0].image}{"\n"}{end}' |
    grep '^|' | cut -c2- | sort | tr '\n' ' ' | sed 's/ $//'
}

k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  # Spelled out: kubectl's rollout status reads it, and the API does not default it yet.
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: c, image: "agent:1"}]
YAML

wait_for "one pod per eligible node, bound" "node-a:agent:1 node-b:agent:1" placement
pod=$(k get pods -l app=agent -o jsonpath='{.items[0].metadata.name}')
wait_for "pinned by node affinity" "metadata.name/In" \
  k get pod "$pod" -o jsonpath='{.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key}/{.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].operator}'
tolerations=$(k get pod "$pod" -o jsonpath='{range .spec.tolerations[*]}{.key}:{.effect} {end}')
for t in node.kubernetes.io/not-ready:NoExecute node.kubernetes.io/unreachable:NoExecute node.kubernetes.io/disk-pressure:NoSchedule \
  node.kubernetes.io/memory-pressure:NoSchedule node.kubernetes.io/pid-pressure:NoSchedule node.kubernetes.io/unschedulable:NoSchedule; do
  case " $tolerations " in *" $t "*) ;; *) fail "default toleration $t missing: $tolerations" ;; esac
done
pass "default tolerations"
wait_for "status" "2/2/2/2/2/0" \
  k get ds agent -o jsonpath='{.status.desiredNumberScheduled}/{.status.currentNumberScheduled}/{.status.numberReady}/{.status.numberAvailable}/{.status.updatedNumberScheduled}/{.status.numberMisscheduled}'

# A new eligible node gets its pod; a toleration opens the tainted node.
add_node node-c '"disk":"ssd"'
wait_for "new node covered" "node-a:agent:1 node-b:agent:1 node-c:agent:1" placement
k patch ds agent --type=merge -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]}}}}' >/dev/null \
  || fail "add toleration"
wait_for "tainted node covered once tolerated" "node-a:agent:1 node-b:agent:1 node-c:agent:1 node-tainted:agent:1" placement

# Rolling update: every pod replaced by the new template.
k set image ds/agent c=agent:2 >/dev/null || fail "set image"
wait_for "rolling update done" "node-a:agent:2 node-b:agent:2 node-c:agent:2 node-tainted:agent:2" placement
k rollout status ds/agent --timeout=120s >/dev/null 2>&1 && pass "rollout status ds" || fail "rollout status ds: $(k rollout status ds/agent --timeout=1s 2>&1)"
wait_for "ControllerRevisions recorded" 3 bash -c "'$KUBECTL' --kubeconfig '$KC' get controllerrevisions -o name | grep -c agent-"

# Surge: with maxSurge 1 / maxUnavailable 0 the new pod starts next to the old one, and the
# old one goes once the new one has been ready for minReadySeconds. Sampled while it rolls:
# every eligible node keeps a live pod, and at most one node runs two.
# As in kube, only one of the two may be non-zero (maxUnavailable is 1 here already).
out=$(k patch ds agent --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1}}}}' 2>&1)
case "$out" in
  *'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'*) pass "maxSurge with maxUnavailable refused" ;;
  *) fail "maxSurge with maxUnavailable: $out" ;;
esac
k patch ds agent --type=merge -p '{"spec":{"minReadySeconds":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}' >/dev/null \
  || fail "switch to surge"
# Every old pod available first: an unavailable old pod may be replaced without using the
# surge budget (as kube does), which would blur the at-most-one check below.
available_now() {  # numberAvailable, once the status has seen the patched spec
  k get ds agent -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.numberAvailable}' |
    awk '$1 == $2 { print $3 }'
}
wait_for "old pods available under minReadySeconds" 4 available_now
k set image ds/agent c=agent:3 >/dev/null || fail "set image for surge"
surge_seen=0 gap_seen="" double_max=0
for _ in $(seq 1 600); do
  live=$(k get pods -l app=agent -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.spec.nodeName}:{.spec.containers[0].image}{"\n"}{end}' | grep '^|' | cut -c2-)
  for node in node-a node-b node-c node-tainted; do
    n=$(printf '%s\n' "$live" | grep -c "^$node:")
    [ "$n" -eq 0 ] && gap_seen="$gap_seen $node"
  done
  doubles=$(printf '%s\n' "$live" | grep -v '^:' | cut -d: -f1 | sort | uniq -d | grep -c . || true)
  if [ "$doubles" -gt "$double_max" ]; then
    double_max=$doubles
    [ "$doubles" -gt 1 ] && k get pods -l app=agent -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.spec.containers[0].image} del={.metadata.deletionTimestamp} created={.metadata.creationTimestamp} ready={.status.conditions[?(@.type=="Ready")].status}@{.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\n"}{end}'
  fi
  printf '%s\n' "$live" | grep -q ':agent:2$' && printf '%s\n' "$live" | grep -q ':agent:3$' &&
    [ "$doubles" -ge 1 ] && surge_seen=1
  [ "$(placement)" = "node-a:agent:3 node-b:agent:3 node-c:agent:3 node-tainted:agent:3" ] && break
  sleep 0.2
done
wait_for "surge update done" "node-a:agent:3 node-b:agent:3 node-c:agent:3 node-tainted:agent:3" placement
[ "$surge_seen" -eq 1 ] && pass "new pod created before the old one is deleted" || fail "no node ever ran old and new pod together"
[ -z "$gap_seen" ] && pass "no node without a daemon pod during the surge update" || fail "nodes left without a pod:$gap_seen"
[ "$double_max" -le 1 ] && pass "at most maxSurge=1 node with two pods" || fail "$double_max nodes surged at once"
k rollout status ds/agent --timeout=60s >/dev/null 2>&1 && pass "rollout status after surge" || fail "rollout status after surge: $(k rollout status ds/agent --timeout=1s 2>&1)"
wait_for "status after surge" "4/4/4/4/4/0" \
  k get ds agent -o jsonpath='{.status.desiredNumberScheduled}/{.status.currentNumberScheduled}/{.status.numberReady}/{.status.numberAvailable}/{.status.updatedNumberScheduled}/{.status.numberMisscheduled}'

# A node that stops matching loses its pod.
k label node node-c disk=hdd --overwrite >/dev/null || fail "relabel node"
wait_for "pod leaves a node that no longer matches" "node-a:agent:3 node-b:agent:3 node-tainted:agent:3" placement
finish
