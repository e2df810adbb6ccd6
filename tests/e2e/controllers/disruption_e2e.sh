#!/usr/bin/env bash
# The disruption controller and the eviction API: a PodDisruptionBudget's status follows
# the ready pods it selects; an eviction within the budget deletes the pod, one beyond it
# is refused with 429 and kube's message.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server disruption

for i in 1 2 3; do
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web-$i, labels: {app: web}}
spec: {schedulerName: e2e-none, containers: [{name: main, image: busybox}]}
YAML
  set_pod_running_ready web-$i
done
k apply -f - >/dev/null <<'YAML'
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: none-ready}
spec:
  maxUnavailable: 0
  selector: {matchLabels: {app: nothing}}
YAML
pdb() { k get pdb "$1" -o jsonpath='{.status.expectedPods}/{.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}/{.status.observedGeneration}'; }
wait_for "status from three ready pods" "3/3/2/1/1" pdb web
wait_for "DisruptionAllowed condition" "True/SufficientPods" k get pdb web -o jsonpath='{.status.conditions[?(@.type=="DisruptionAllowed")].status}/{.status.conditions[?(@.type=="DisruptionAllowed")].reason}'
k get pdb web | grep -qE '^web +2 +N/A +1 ' && pass "kubectl get pdb columns" || fail "get pdb: $(k get pdb web 2>&1)"

evict() {
  echo "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"default\"}}" >"$WORK/eviction.json"
  k create --raw "/api/v1/namespaces/default/pods/$1/eviction" -f "$WORK/eviction.json" 2>&1
}
out=$(evict web-1)
[[ "$out" == *'"status":"Success"'* ]] && pass "eviction within the budget" || fail "eviction of web-1: $out"
wait_for "evicted pod gone" "" k get pod web-1 --ignore-not-found -o name
wait_for "budget used up" "2/2/2/0/1" pdb web
wait_for "DisruptionAllowed False" "False/InsufficientPods" k get pdb web -o jsonpath='{.status.conditions[?(@.type=="DisruptionAllowed")].status}/{.status.conditions[?(@.type=="DisruptionAllowed")].reason}'
out=$(evict web-2)
[[ "$out" == *"Cannot evict pod as it would violate the pod's disruption budget."* ]] && pass "eviction beyond the budget refused" || fail "eviction of web-2: $out"
[[ "$out" == *"(TooManyRequests)"* ]] && pass "refusal is 429 TooManyRequests" || fail "eviction refusal: $out"
[ "$(k get pod web-2 -o name)" = "pod/web-2" ] && pass "refused pod still there" || fail "web-2 deleted"
out=$(evict missing)
[[ "$out" == *'pods "missing" not found'* ]] && pass "eviction of a missing pod: 404" || fail "missing pod: $out"

# A pod that is not running yet does not need its budget.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web-pending, labels: {app: web}}
spec: {schedulerName: e2e-none, containers: [{name: main, image: busybox}]}
YAML
out=$(evict web-pending)
[[ "$out" == *'"status":"Success"'* ]] && pass "pending pod evicted regardless of the budget" || fail "pending eviction: $out"

# A pod becoming ready again gives the budget room back.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web-4, labels: {app: web}}
spec: {schedulerName: e2e-none, containers: [{name: main, image: busybox}]}
YAML
set_pod_running_ready web-4
wait_for "room again after a new ready pod" "3/3/2/1/1" pdb web
wait_for "empty budget status" "0/0/0/0/1" pdb none-ready

finish disruption
