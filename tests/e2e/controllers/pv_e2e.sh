#!/usr/bin/env bash
# persistentvolume-binder: a claim binds to the smallest fitting volume of its class;
# phases Available/Bound/Released; Retain keeps a released volume, Delete removes a
# hostPath one; WaitForFirstConsumer waits for the selected-node annotation.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server pv

pv() {  # pv <name> <size> <class> <reclaim policy> [access mode]
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: $1, labels: {size: $2}}
spec:
  capacity: {storage: $2}
  accessModes: [${5:-ReadWriteOnce}]
  storageClassName: $3
  persistentVolumeReclaimPolicy: $4
  hostPath: {path: /tmp/$1}
YAML
}
pvc() {  # pvc <name> <size> <class> [access mode]
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1}
spec:
  accessModes: [${4:-ReadWriteOnce}]
  storageClassName: $3
  resources: {requests: {storage: $2}}
YAML
}
phase() { k get "$1" "$2" -o jsonpath='{.status.phase}'; }

pv small 1Gi manual Retain
pv large 5Gi manual Retain
pv rwx 1Gi manual Retain ReadWriteMany
pv other-class 1Gi fast Delete
wait_for "new volume Available" Available phase pv small

pvc data 500Mi manual
wait_for "claim bound to the smallest fitting volume" "Bound/small" k get pvc data -o jsonpath='{.status.phase}/{.spec.volumeName}'
wait_for "volume Bound with claimRef" "Bound/data/default" k get pv small -o jsonpath='{.status.phase}/{.spec.claimRef.name}/{.spec.claimRef.namespace}'
[ "$(k get pvc data -o jsonpath='{.status.capacity.storage}/{.status.accessModes[0]}')" = "1Gi/ReadWriteOnce" ] \
  && pass "claim status capacity and modes" || fail "claim status: $(k get pvc data -o jsonpath='{.status}')"
[ "$(k get pvc data -o jsonpath='{.metadata.annotations.pv\.kubernetes\.io/bind-completed}')" = "yes" ] && pass "bind-completed annotation" || fail "annotation"

pvc shared 1Gi manual ReadWriteMany
wait_for "access mode decides" "Bound/rwx" k get pvc shared -o jsonpath='{.status.phase}/{.spec.volumeName}'

pvc huge 100Gi manual
wait_for "nothing fits: claim Pending" Pending phase pvc huge
# "manual" names no StorageClass object, so kube's binder reports the class as missing.
wait_match "FailedBinding event" 'storageclass.storage.k8s.io "manual" not found' \
  k get events --field-selector involvedObject.name=huge,reason=FailedBinding -o jsonpath='{.items[0].message}'

k delete pvc data --wait=false >/dev/null
wait_for "Retain: volume Released" Released phase pv small

pvc temp 1Gi fast
wait_for "claim of another class" "Bound/other-class" k get pvc temp -o jsonpath='{.status.phase}/{.spec.volumeName}'
k delete pvc temp --wait=false >/dev/null
wait_for "Delete: hostPath volume removed" "" k get pv other-class --ignore-not-found -o name

# WaitForFirstConsumer
k apply -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-wait}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
YAML
pv waiting-pv 2Gi local-wait Retain
pvc late 1Gi local-wait
wait_match "WaitForFirstConsumer event" 'waiting for first consumer to be created before binding' \
  k get events --field-selector involvedObject.name=late,reason=WaitForFirstConsumer -o jsonpath='{.items[0].message}'
[ -z "$(k get pvc late -o jsonpath='{.spec.volumeName}')" ] && pass "unbound until a consumer" || fail "bound too early"
k annotate pvc late volume.kubernetes.io/selected-node=worker-1 >/dev/null
wait_for "bound once a node is selected" "Bound/waiting-pv" k get pvc late -o jsonpath='{.status.phase}/{.spec.volumeName}'

finish pv
