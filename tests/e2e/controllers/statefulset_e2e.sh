#!/usr/bin/env bash
# The StatefulSet controller inside `k3s server`, with the real kubectl: ordered creation
# (web-1 only after web-0 is ready), stable names and labels, claims from
# volumeClaimTemplates, a partitioned rolling update (highest ordinal first, the partition
# kept), scale down from the top, Parallel pod management, and
# persistentVolumeClaimRetentionPolicy (claims owned by the set or the scaled-away pod).
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
NAME=statefulset
source "$(dirname "$0")/apps_e2e_lib.sh"

start_server
add_node worker-1

pods_of() { k get pods -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.name}{" "}{end}' | sed 's/ $//'; }
images_of() {
  k get pods -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.name}={.spec.containers[0].image}{" "}{end}' | sed 's/ $//'
}

k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1"}]}
YAML

# Without a kubelet nothing becomes ready: OrderedReady must stop at web-0.
wait_for "web-0 created first" "web-0" pods_of web
sleep 2
[ "$(pods_of web)" = "web-0" ] && pass "web-1 waits for web-0 to be ready" || fail "ordered creation: $(pods_of web)"
start_kubelet
wait_for "all three in order" "web-0 web-1 web-2" pods_of web
wait_for "stable labels" "web-1/1" \
  k get pod web-1 -o jsonpath='{.metadata.labels.statefulset\.kubernetes\.io/pod-name}/{.metadata.labels.apps\.kubernetes\.io/pod-index}'
rev1=$(k get sts web -o jsonpath='{.status.updateRevision}')
wait_for "status" "3/3/3/3/$rev1/$rev1" \
  k get sts web -o jsonpath='{.status.replicas}/{.status.readyReplicas}/{.status.currentReplicas}/{.status.updatedReplicas}/{.status.currentRevision}/{.status.updateRevision}'
wait_for "pods carry the revision" "$rev1" k get pod web-0 -o jsonpath='{.metadata.labels.controller-revision-hash}'
wait_for "a ControllerRevision" 1 bash -c "'$KUBECTL' --kubeconfig '$KC' get controllerrevisions -o name | grep -c web-"

# Partitioned update: only ordinals >= 1 move to the new template, 2 before 1.
k patch sts web --type=merge -p '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}},"template":{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}}}' >/dev/null \
  || fail "patch template"
wait_for "partitioned update" "web-0=nginx:1 web-1=nginx:2 web-2=nginx:2" images_of web
rev2=$(k get sts web -o jsonpath='{.status.updateRevision}')
[ "$rev2" != "$rev1" ] && pass "new update revision" || fail "update revision unchanged: $rev2"
wait_for "status during partition" "2/$rev1/$rev2" \
  k get sts web -o jsonpath='{.status.updatedReplicas}/{.status.currentRevision}/{.status.updateRevision}'
deletions() {  # SuccessfulDelete messages in the order they were written
  k get events --field-selector involvedObject.name=web,reason=SuccessfulDelete \
    -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {.message}{"\n"}{end}' | sort -n | cut -d' ' -f2- | tr '\n' ';'
}
deletions | grep -q '^delete Pod web-2 in StatefulSet web successful;delete Pod web-1 in StatefulSet web successful;$' \
  && pass "highest ordinal updated first, partition kept" || fail "update order: $(deletions)"

# Lifting the partition finishes the update.
k patch sts web --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}' >/dev/null || fail "lift partition"
wait_for "update finished" "web-0=nginx:2 web-1=nginx:2 web-2=nginx:2" images_of web
wait_for "current revision caught up" "$rev2/$rev2/3" \
  k get sts web -o jsonpath='{.status.currentRevision}/{.status.updateRevision}/{.status.currentReplicas}'

# Scale down removes the highest ordinals.
k scale sts web --replicas=1 >/dev/null || fail "scale down"
wait_for "scaled down to web-0" "web-0" pods_of web

# Parallel: every member at once, even without readiness (and without a kubelet the pods
# stay unready, so this set also carries the claims: no PV binding is needed to check them).
stop_kubelet
k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: par}
spec:
  serviceName: par
  replicas: 3
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: par}}
  template:
    metadata: {labels: {app: par}}
    spec: {containers: [{name: c, image: "nginx:1"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
wait_for "parallel creation" "par-0 par-1 par-2" pods_of par
wait_for "claims per member" "data-par-0 data-par-1 data-par-2" \
  bash -c "'$KUBECTL' --kubeconfig '$KC' get pvc -o jsonpath='{range .items[*]}{.metadata.name}{\" \"}{end}' | sed 's/ \$//'"
wait_for "pod uses its claim" "data-par-2" \
  k get pod par-2 -o jsonpath='{.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}'
k scale sts par --replicas=1 >/dev/null || fail "scale down par"
wait_for "parallel scale down" "par-0" pods_of par
wait_for "claims kept after scale down" 3 bash -c "'$KUBECTL' --kubeconfig '$KC' get pvc -o name | wc -l | tr -d ' '"
[ -z "$(k get pvc data-par-0 -o jsonpath='{.metadata.ownerReferences}')" ] && pass "Retain: claims have no owner" \
  || fail "Retain claim has owners: $(k get pvc data-par-0 -o jsonpath='{.metadata.ownerReferences}')"

# persistentVolumeClaimRetentionPolicy Delete/Delete: claims are owned by the set, a
# scaled-away member's claims by that pod, and the garbage collector removes them.
claims_of() {
  k get pvc -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.name}{" "}{end}' | sed 's/ $//'
}
owner_of() {
  k get pvc "$1" -o jsonpath='{range .metadata.ownerReferences[*]}{.kind}/{.name}/{.controller}{" "}{end}' | sed 's/ $//'
}
start_kubelet  # finishes the deletion of the scaled-away pods
k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ret}
spec:
  serviceName: ret
  replicas: 3
  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
  selector: {matchLabels: {app: ret}}
  template:
    metadata: {labels: {app: ret}}
    spec: {containers: [{name: c, image: "nginx:1"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
wait_for "retention: members" "ret-0 ret-1 ret-2" pods_of ret
wait_for "retention: claims" "data-ret-0 data-ret-1 data-ret-2" claims_of ret
wait_for "whenDeleted=Delete: claim controlled by the set" "StatefulSet/ret/true" owner_of data-ret-2
k scale sts ret --replicas=1 >/dev/null || fail "scale down ret"
wait_for "retention: scaled down" "ret-0" pods_of ret
wait_for "whenScaled=Delete: scaled-away claims deleted with their pods" "data-ret-0" claims_of ret
wait_for "kept member's claim still owned by the set" "StatefulSet/ret/true" owner_of data-ret-0
k scale sts ret --replicas=2 >/dev/null || fail "scale up ret"
wait_for "scale up after delete: member and a fresh claim" "data-ret-0 data-ret-1" claims_of ret
wait_for "fresh claim owned by the set" "StatefulSet/ret/true" owner_of data-ret-1
# whenScaled back to Retain: a scale down keeps the claim; then deleting the set removes
# every claim (whenDeleted=Delete), while `par` (Retain) keeps its claims when deleted.
k patch sts ret --type=merge -p '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Retain"}}}' >/dev/null || fail "patch policy"
k scale sts ret --replicas=1 >/dev/null || fail "scale down ret again"
wait_for "retention: scaled down again" "ret-0" pods_of ret
sleep 2
[ "$(claims_of ret)" = "data-ret-0 data-ret-1" ] && pass "whenScaled=Retain keeps the claim" || fail "claims after Retain scale down: $(claims_of ret)"
k delete sts ret par --wait=false >/dev/null || fail "delete sets"
wait_for "whenDeleted=Delete: claims removed with the set" "" claims_of ret
wait_for "whenDeleted=Retain: claims kept" "data-par-0 data-par-1 data-par-2" claims_of par
finish
