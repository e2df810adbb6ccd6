#!/usr/bin/env bash
# The ReplicaSet and ReplicationController controllers inside `k3s server`, with the real
# kubectl: orphans are adopted, pods that stop matching are released and replaced,
# scaling creates and deletes, status counts follow the pods.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
NAME=replicaset
source "$(dirname "$0")/apps_e2e_lib.sh"

start_server
add_node worker-1
start_kubelet

live() {  # live pods with label $1 (not terminating)
  k get pods -l "$1" -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.metadata.name}{"\n"}{end}' | grep -c '^|'
}

# An orphan that matches is adopted before the set exists.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: orphan, labels: {app: front}}
spec: {containers: [{name: c, image: "nginx:1"}]}
YAML
k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: front}
spec:
  replicas: 3
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec: {containers: [{name: c, image: "nginx:1"}]}
YAML
wait_for "orphan adopted" "ReplicaSet/front/true" \
  k get pod orphan -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller}'
wait_for "3 live pods (orphan counted)" 3 live app=front
wait_for "status" "3/3/3/3/1" \
  k get rs front -o jsonpath='{.status.replicas}/{.status.fullyLabeledReplicas}/{.status.readyReplicas}/{.status.availableReplicas}/{.status.observedGeneration}'
wait_for "SuccessfulCreate events" "2" bash -c "'$KUBECTL' --kubeconfig '$KC' get events --field-selector involvedObject.name=front,reason=SuccessfulCreate -o jsonpath='{range .items[*]}{.count}{\"\\n\"}{end}' | awk '{s+=\$1} END {print s}'"

# A pod relabelled out of the selector is released and replaced.
k label pod orphan app=elsewhere --overwrite >/dev/null || fail "relabel"
wait_for "released pod has no controller" "" k get pod orphan -o jsonpath='{.metadata.ownerReferences[?(@.controller==true)].name}'
wait_for "replacement keeps 3" 3 live app=front

# Scale up and down.
k scale rs front --replicas=5 >/dev/null || fail "scale up"
wait_for "5 live pods" 5 live app=front
k scale rs front --replicas=1 >/dev/null || fail "scale down"
wait_for "1 live pod" 1 live app=front
wait_for "status after scale down" "1/1" k get rs front -o jsonpath='{.status.replicas}/{.status.readyReplicas}'

# A deleted pod is replaced.
victim=$(k get pods -l app=front -o jsonpath='{.items[0].metadata.name}')
k delete pod "$victim" --grace-period=0 --force >/dev/null 2>&1
wait_for "deleted pod replaced" 1 live app=front
wait_for "replacement is another pod" "" bash -c "'$KUBECTL' --kubeconfig '$KC' get pods -l app=front -o name | grep -x pod/$victim"

# ReplicationController: the same controller with a map selector.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: c, image: "nginx:1"}]}
YAML
wait_for "RC creates 2 pods" 2 live app=legacy
wait_for "RC pods owned" "ReplicationController ReplicationController" \
  bash -c "'$KUBECTL' --kubeconfig '$KC' get pods -l app=legacy -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].kind}{\" \"}{end}' | sed 's/ \$//'"
wait_for "RC status" "2/2/2" k get rc legacy -o jsonpath='{.status.replicas}/{.status.readyReplicas}/{.status.availableReplicas}'
k scale rc legacy --replicas=0 >/dev/null || fail "scale RC to 0"
wait_for "RC scaled to 0" 0 live app=legacy
finish
