#!/usr/bin/env bash
# The garbage collector with ConfigMaps owning ConfigMaps: background deletion of orphaned
# dependents, foreground deletion (the owner waits for its blocking dependents), orphaning
# (dependents lose the reference and stay), dangling references, and several owners.
TEST_NAME=gc
source "$(dirname "$0")/core_common.sh" "$@"
start_server

uid_of() { k get configmap "$1" -o jsonpath='{.metadata.uid}'; }
# owned <name> <owner> [extra metadata yaml]: a ConfigMap owned by ConfigMap <owner>
owned() {
  local name=$1 owner=$2 extra=${3:-}
  local uid; uid=$(uid_of "$owner")
  [ -n "$uid" ] || { fail "no uid for $owner"; return; }
  k apply -f - >/dev/null <<YAML || fail "create $name"
apiVersion: v1
kind: ConfigMap
metadata:
  name: $name
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: $owner, uid: $uid, blockOwnerDeletion: true}]
  $extra
YAML
}
gone() { k get configmap "$1" -o name 2>&1 | grep -o NotFound; }
exists() { k get configmap "$1" -o jsonpath='{.metadata.name}'; }

# Background: the owner goes at once, its dependents after it (grandchildren too).
k create configmap bg-owner >/dev/null
owned bg-child bg-owner
owned bg-grandchild bg-child
k delete configmap bg-owner >/dev/null || fail "delete bg-owner"
wait_for "background: dependent deleted" NotFound gone bg-child
wait_for "background: grandchild deleted" NotFound gone bg-grandchild

# Foreground: the owner stays (deletionTimestamp, finalizer) until its blocking dependents are gone.
k create configmap fg-owner >/dev/null
owned fg-child fg-owner
owned fg-held fg-owner "finalizers: [example.com/hold]"
k delete configmap fg-owner --cascade=foreground --wait=false >/dev/null || fail "delete fg-owner"
wait_for "foreground: dependent deleted" NotFound gone fg-child
wait_for "foreground: held dependent is being deleted" yes \
  sh -c "[ -n \"\$('$KUBECTL' --kubeconfig '$KC' get configmap fg-held -o jsonpath='{.metadata.deletionTimestamp}')\" ] && echo yes"
expect "foreground: owner waits for the blocking dependent" foregroundDeletion \
  k get configmap fg-owner -o jsonpath='{.metadata.finalizers[*]}'
k patch configmap fg-held --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null || fail "release fg-held"
wait_for "foreground: held dependent gone" NotFound gone fg-held
wait_for "foreground: owner deleted last" NotFound gone fg-owner

# Orphan: the owner goes, dependents stay without the reference.
k create configmap or-owner >/dev/null
owned or-child or-owner
k delete configmap or-owner --cascade=orphan --wait=false >/dev/null || fail "delete or-owner"
wait_for "orphan: owner deleted" NotFound gone or-owner
wait_for "orphan: dependent loses the ownerReference" "or-child:" \
  sh -c "'$KUBECTL' --kubeconfig '$KC' get configmap or-child -o jsonpath='{.metadata.name}:{.metadata.ownerReferences}'"

# A reference to an owner that never existed.
k apply -f - >/dev/null <<'YAML' || fail "create dangling"
apiVersion: v1
kind: ConfigMap
metadata:
  name: dangling
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: nobody, uid: 00000000-0000-4000-8000-000000000000}]
YAML
wait_for "dangling reference: dependent deleted" NotFound gone dangling

# Two owners: losing one keeps the dependent, referring only to the other.
k create configmap two-a >/dev/null
k create configmap two-b >/dev/null
a=$(uid_of two-a); b=$(uid_of two-b)
k apply -f - >/dev/null <<YAML || fail "create shared"
apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: two-a, uid: $a}
  - {apiVersion: v1, kind: ConfigMap, name: two-b, uid: $b}
YAML
k delete configmap two-a >/dev/null
wait_for "two owners: reference to the deleted one dropped" two-b \
  k get configmap shared -o jsonpath='{.metadata.ownerReferences[*].name}'
k delete configmap two-b >/dev/null
wait_for "two owners: deleted with the last owner" NotFound gone shared

# Across kinds: a Secret owned by a ConfigMap.
k create configmap kind-owner >/dev/null
uid=$(uid_of kind-owner)
k apply -f - >/dev/null <<YAML || fail "create secret"
apiVersion: v1
kind: Secret
metadata:
  name: owned-secret
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: kind-owner, uid: $uid}]
YAML
k delete configmap kind-owner >/dev/null
wait_for "secret owned by a configmap deleted" NotFound sh -c "'$KUBECTL' --kubeconfig '$KC' get secret owned-secret 2>&1 | grep -o NotFound"
finish
